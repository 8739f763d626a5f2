// A growing buffer of bytes written at its end: the RDB writer's base, and the AOF's pending bytes.

import { latin1Write } from './latin1.js';

export class ByteWriter {
  buf: Buffer;
  /** Bytes written so far: buf[0, pos). */
  pos = 0;

  constructor(initialSize = 1024) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  /** Makes room for n more bytes. */
  reserve(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  byte(b: number): void {
    this.reserve(1);
    this.buf[this.pos++] = b;
  }

  bytes(src: Uint8Array, start = 0, end = src.length): void {
    const n = end - start;
    this.reserve(n);
    this.buf.set(src.subarray(start, end), this.pos);
    this.pos += n;
  }

  /** Bytes of a one-byte string, with no length prefix. */
  latin1(s: string): void {
    this.reserve(s.length);
    this.pos += latin1Write(this.buf, s, this.pos);
  }
}
