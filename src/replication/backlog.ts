// The replication backlog: the last repl-backlog-size bytes of the replication stream, kept so a
// replica that lost its link for a moment can continue from its offset (PSYNC's +CONTINUE)
// instead of loading a whole new snapshot. A ring buffer of bytes; the stream is one-byte
// strings (latin1), so a byte is a character.

import { latin1Write } from '../util/latin1.js';

export class ReplicationBacklog {
  private buf: Buffer;
  /** Where the next byte goes in buf. */
  private head = 0;
  /** Bytes held (INFO repl_backlog_histlen), at most buf.length. */
  histlen = 0;
  /** Replication offset of the first byte held (INFO repl_backlog_first_byte_offset). */
  firstByteOffset: number;

  /** An empty backlog whose first byte will be the stream's byte at nextOffset. */
  constructor(size: number, nextOffset: number) {
    this.buf = Buffer.allocUnsafe(Math.max(1, size));
    this.firstByteOffset = nextOffset;
  }

  get size(): number {
    return this.buf.length;
  }

  /** Appends bytes (latin1) as the stream's next ones, dropping the oldest past the size. */
  append(bytes: string): void {
    const size = this.buf.length;
    let len = bytes.length;
    let from = 0;
    if (len > size) {
      // Only the last size bytes can stay.
      from = len - size;
      this.firstByteOffset += this.histlen + from;
      this.histlen = 0;
      len = size;
    }
    let done = 0;
    while (done < len) {
      const n = Math.min(len - done, size - this.head);
      latin1Write(this.buf, bytes.slice(from + done, from + done + n), this.head);
      this.head = (this.head + n) % size;
      done += n;
    }
    const total = this.histlen + len;
    if (total > size) {
      this.firstByteOffset += total - size;
      this.histlen = size;
    } else {
      this.histlen = total;
    }
  }

  /** True when the stream from offset on (offset = one past the last byte the replica has) is held. */
  covers(offset: number): boolean {
    return offset >= this.firstByteOffset && offset <= this.firstByteOffset + this.histlen;
  }

  /** The held bytes from the stream offset `offset` (which covers() accepted) to the end. */
  from(offset: number): Buffer {
    const skip = offset - this.firstByteOffset;
    const len = this.histlen - skip;
    const out = Buffer.allocUnsafe(len);
    const size = this.buf.length;
    // The oldest held byte sits histlen bytes behind head.
    let pos = (this.head - this.histlen + skip + size * 2) % size;
    let done = 0;
    while (done < len) {
      const n = Math.min(len - done, size - pos);
      this.buf.copy(out, done, pos, pos + n);
      pos = (pos + n) % size;
      done += n;
    }
    return out;
  }

  /** CONFIG SET repl-backlog-size: a new capacity, keeping the newest bytes that fit. */
  resize(size: number): void {
    size = Math.max(1, size);
    if (size === this.buf.length) return;
    const keep = Math.min(this.histlen, size);
    const tail = this.from(this.firstByteOffset + this.histlen - keep);
    this.buf = Buffer.allocUnsafe(size);
    tail.copy(this.buf, 0);
    this.head = keep % size;
    this.firstByteOffset += this.histlen - keep;
    this.histlen = keep;
  }
}
