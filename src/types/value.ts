// What a key holds. A small string value is the string itself (one byte per char); other values
// are objects with a type tag, as Redis's robj carries its type and encoding.

import { parseInteger } from '../util/numbers.js';
export type TypeName = 'string' | 'list' | 'set' | 'zset' | 'hash' | 'stream' | 'module';

export abstract class RObject {
  abstract readonly type: TypeName;
  /** OBJECT ENCODING's answer. */
  abstract encoding(): string;
  /** Last access time in ms (OBJECT IDLETIME); plain string values carry none. */
  lru = 0;
  /**
   * A deep copy (COPY). Every value type overrides this; the default answers COPY with an
   * internal error rather than letting two keys share one mutable value.
   */
  dup(): RObject {
    throw new Error(`COPY does not support ${this.type} values yet`);
  }
}

/**
 * A string value that was built in place (APPEND, SETRANGE), which Redis stores with the
 * "raw" encoding. Kept as its own class so OBJECT ENCODING answers as Redis does.
 */
export class RawString extends RObject {
  readonly type = 'string';
  constructor(public s: string) {
    super();
  }
  encoding(): string {
    return 'raw';
  }
  override dup(): RawString {
    return new RawString(this.s);
  }
}

/** sdsMakeRoomFor's greedy growth: double up to 1 MB, then 1 MB at a time. */
const GROW_DOUBLING_LIMIT = 1024 * 1024;

/**
 * Zeroed bytes with room for size + 1 (the terminator), from Node's shared pool when small: a
 * write to a short value copies it into such a buffer and back into a string (see own()).
 */
function zeroed(size: number, used = 0): Buffer {
  const b = Buffer.allocUnsafe(size + 1);
  b.fill(0, used);
  return b;
}

/**
 * A string value held as bytes that commands change in place (SETBIT, BITFIELD, PFADD, APPEND,
 * SETRANGE …), so writing one bit of a large bitmap, or one register of a HyperLogLog, copies
 * nothing. Redis keeps such values with the "raw" encoding. Everything else reads the value
 * through stringValue(), which decodes the bytes into a one-byte string.
 *
 * A write turns any string value into one for its duration; short ones become RawStrings again
 * afterwards (commands/lookup.ts: unshareString, settleString).
 *
 * bytes[0, length) is the value; the room after it is kept zeroed, as sds keeps its terminator,
 * so code reading one byte past the end (HyperLogLog registers do) reads 0.
 */
export class ByteString extends RObject {
  readonly type = 'string';

  constructor(
    public bytes: Buffer,
    public length: number,
  ) {
    super();
  }

  /** The bytes of s (a one-byte string), with room for at least `room` bytes in all. */
  static from(s: string, room = 0): ByteString {
    const bytes = zeroed(Math.max(room, s.length), s.length);
    bytes.write(s, 0, 'latin1');
    return new ByteString(bytes, s.length);
  }

  /** length zero bytes (and one byte of room). */
  static alloc(length: number): ByteString {
    return new ByteString(zeroed(length), length);
  }

  encoding(): string {
    return 'raw';
  }

  override dup(): ByteString {
    const copy = new ByteString(Buffer.alloc(this.length + 1), this.length);
    this.bytes.copy(copy.bytes, 0, 0, this.length);
    return copy;
  }

  override toString(): string {
    return this.bytes.toString('latin1', 0, this.length);
  }

  /** Makes room for `extra` more bytes past length, as sdsMakeRoomFor (greedily). */
  reserve(extra: number): void {
    const need = this.length + extra + 1;
    if (need <= this.bytes.length) return;
    const want = need < GROW_DOUBLING_LIMIT ? need * 2 : need + GROW_DOUBLING_LIMIT;
    const grown = zeroed(want - 1, this.length);
    this.bytes.copy(grown, 0, 0, this.length);
    this.bytes = grown;
  }

  /** Grows to at least n bytes, the new ones zero (sdsgrowzero); true when the length changed. */
  growZero(n: number): boolean {
    if (n <= this.length) return false;
    this.reserve(n - this.length);
    this.length = n;
    return true;
  }

  /** Sets the length (at most the room reserved); bytes dropped from the end are zeroed. */
  setLength(n: number): void {
    if (n < this.length) this.bytes.fill(0, n, this.length);
    this.length = n;
  }

  /**
   * Moves the bytes out of Node's shared buffer pool into a buffer of their own, before the value
   * is kept (a pool slice would keep the whole 8 KB pool alive).
   */
  own(): void {
    const b = this.bytes;
    if (b.buffer.byteLength === b.length) return;
    const mine = Buffer.alloc(b.length);
    b.copy(mine);
    this.bytes = mine;
  }
}

export type Value = string | RObject;

export function typeOf(v: Value): TypeName {
  return typeof v === 'string' ? 'string' : v.type;
}

/** The bytes of a string value, or null when the value is not a string. */
export function stringValue(v: Value): string | null {
  if (typeof v === 'string') return v;
  if (v instanceof RawString) return v.s;
  return v instanceof ByteString ? v.toString() : null;
}

/**
 * OBJECT ENCODING of a value. A plain string is stored as Redis's tryObjectEncoding would:
 * "int" when it is a 64-bit integer of at most 20 chars, "embstr" up to 44 bytes, else "raw".
 */
export function encodingOf(v: Value): string {
  if (typeof v !== 'string') return v.encoding();
  if (v.length <= 20 && parseInteger(v) !== null) return 'int';
  return v.length <= 44 ? 'embstr' : 'raw';
}
