// Listpack entries (Redis's listpack.c format), shared by the in-memory list and the RDB module.
// A listpack is a 6-byte header (total bytes, element count; both little endian), entries, and a
// 0xFF terminator. Each entry is an encoding byte (with the length, or a small integer, in it),
// maybe more length bytes, the data, and a "backlen": the entry's size written backwards in
// 7-bit groups, so the entry before any position can be found from the right.
//
// A string that reads as a 64-bit integer (lpStringToInt64: no sign but '-', no leading zero)
// is stored as one, in 1 to 9 bytes; anything else as its bytes. Strings are one-byte JS strings.
//
// Writing goes in two steps so a size check costs no second parse: lpPrepare(s) returns the
// entry's size and remembers how s is encoded; lpWritePrepared(buf, pos, s) writes it.

import { latin1Slice, latin1Write } from '../util/latin1.js';

/** The header: total bytes (4) and element count (2). */
export const LP_HDR_SIZE = 6;
export const LP_EOF = 0xff;
/** The element count a header holds when the real count does not fit (it is then counted). */
export const LP_HDR_NUMELE_UNKNOWN = 0xffff;

// What lpPrepare found (module state: the two calls always come in a pair, synchronously).
const KIND_STR = 0;
const KIND_INT = 1;
const KIND_BIG = 2;
let preparedKind = KIND_STR;
let preparedInt = 0;
let preparedBig = 0n;
/** Bytes of the encoding byte(s) and data, without the backlen. */
let preparedLen = 0;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * lpStringToInt64: the integer s spells exactly (a number; a bigint when beyond 2^53), or null.
 * Up to 20 characters, an optional '-', no leading zeros (but "0"), no "-0".
 */
export function lpIntValue(s: string): number | bigint | null {
  const n = s.length;
  if (n === 0 || n > 20) return null;
  let i = 0;
  const c0 = s.charCodeAt(0);
  if (c0 === 45) {
    if (n === 1) return null;
    i = 1;
  } else if (c0 < 48 || c0 > 57) {
    return null;
  }
  const first = s.charCodeAt(i);
  if (first === 48) return n === 1 ? 0 : null;
  if (first < 49 || first > 57) return null;
  if (n - i <= 15) {
    // At most 15 digits: exact in a double.
    let v = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) return null;
      v = v * 10 + (c - 48);
    }
    return c0 === 45 ? -v : v;
  }
  for (let j = i; j < n; j++) {
    const c = s.charCodeAt(j);
    if (c < 48 || c > 57) return null;
  }
  const big = BigInt(s);
  if (big < INT64_MIN || big > INT64_MAX) return null;
  return Number.isSafeInteger(Number(big)) ? Number(big) : big;
}

/** Bytes the backlen of an entry of l bytes takes (lpEncodeBacklen). */
export function backlenSize(l: number): number {
  if (l <= 127) return 1;
  if (l < 16383) return 2;
  if (l < 2097151) return 3;
  if (l < 268435455) return 4;
  return 5;
}

/** The size of an integer's encoding (encoding byte and data). */
function intEncodedLen(v: number): number {
  if (v >= 0 && v <= 127) return 1;
  if (v >= -4096 && v <= 4095) return 2;
  if (v >= -32768 && v <= 32767) return 3;
  if (v >= -8388608 && v <= 8388607) return 4;
  if (v >= -2147483648 && v <= 2147483647) return 5;
  return 9;
}

/** Looks at how s will be encoded; returns the bytes its entry takes (backlen included). */
export function lpPrepare(s: string): number {
  const n = s.length;
  const c0 = n === 0 ? 0 : s.charCodeAt(0);
  // Only strings starting with a digit or '-' can be integers (the common case skips the parse).
  if (n !== 0 && n <= 20 && ((c0 >= 48 && c0 <= 57) || c0 === 45)) {
    const v = lpIntValue(s);
    if (v !== null) {
      if (typeof v === 'number') {
        preparedKind = KIND_INT;
        preparedInt = v;
        preparedLen = intEncodedLen(v);
      } else {
        preparedKind = KIND_BIG;
        preparedBig = v;
        preparedLen = 9;
      }
      return preparedLen + 1;
    }
  }
  preparedKind = KIND_STR;
  preparedLen = n < 64 ? 1 + n : n < 4096 ? 2 + n : 5 + n;
  return preparedLen + backlenSize(preparedLen);
}

/** Writes s's entry at pos as lpPrepare(s) found it; returns the position after it. */
export function lpWritePrepared(buf: Uint8Array, pos: number, s: string): number {
  let p = pos;
  if (preparedKind === KIND_STR) {
    const n = s.length;
    if (n < 64) {
      buf[p++] = 0x80 | n;
    } else if (n < 4096) {
      buf[p++] = 0xe0 | (n >>> 8);
      buf[p++] = n & 0xff;
    } else {
      buf[p++] = 0xf0;
      buf[p++] = n & 0xff;
      buf[p++] = (n >>> 8) & 0xff;
      buf[p++] = (n >>> 16) & 0xff;
      buf[p++] = (n >>> 24) & 0xff;
    }
    if (n <= 32) {
      for (let i = 0; i < n; i++) buf[p + i] = s.charCodeAt(i);
    } else {
      latin1Write(buf, s, p);
    }
    p += n;
  } else if (preparedKind === KIND_INT) {
    const v = preparedInt;
    if (preparedLen === 1) {
      buf[p++] = v;
    } else if (preparedLen === 2) {
      const u = v < 0 ? 8192 + v : v;
      buf[p++] = 0xc0 | (u >>> 8);
      buf[p++] = u & 0xff;
    } else if (preparedLen === 3) {
      const u = v < 0 ? 65536 + v : v;
      buf[p++] = 0xf1;
      buf[p++] = u & 0xff;
      buf[p++] = u >>> 8;
    } else if (preparedLen === 4) {
      const u = v < 0 ? 16777216 + v : v;
      buf[p++] = 0xf2;
      buf[p++] = u & 0xff;
      buf[p++] = (u >>> 8) & 0xff;
      buf[p++] = u >>> 16;
    } else if (preparedLen === 5) {
      const u = v >>> 0;
      buf[p++] = 0xf3;
      buf[p++] = u & 0xff;
      buf[p++] = (u >>> 8) & 0xff;
      buf[p++] = (u >>> 16) & 0xff;
      buf[p++] = u >>> 24;
    } else {
      buf[p++] = 0xf4;
      writeInt64(buf, p, BigInt(v));
      p += 8;
    }
  } else {
    buf[p++] = 0xf4;
    writeInt64(buf, p, preparedBig);
    p += 8;
  }
  return writeBacklen(buf, p, preparedLen);
}

/** Writes s's entry at pos (lpPrepare + lpWritePrepared); returns the position after it. */
export function lpWriteEntry(buf: Uint8Array, pos: number, s: string): number {
  lpPrepare(s);
  return lpWritePrepared(buf, pos, s);
}

function writeInt64(buf: Uint8Array, p: number, v: bigint): void {
  let u = BigInt.asUintN(64, v);
  for (let i = 0; i < 8; i++) {
    buf[p + i] = Number(u & 0xffn);
    u >>= 8n;
  }
}

function readInt64(buf: Uint8Array, p: number): bigint {
  let u = 0n;
  for (let i = 7; i >= 0; i--) u = (u << 8n) | BigInt(buf[p + i]);
  return BigInt.asIntN(64, u);
}

/** lpEncodeBacklen at p for an entry of l bytes; returns the position after it. */
function writeBacklen(buf: Uint8Array, p: number, l: number): number {
  if (l <= 127) {
    buf[p] = l;
    return p + 1;
  }
  const n = backlenSize(l);
  // The first byte holds the highest bits; every later byte has its top bit set.
  for (let i = n - 1; i >= 0; i--) {
    buf[p + i] = (l & 127) | (i === 0 ? 0 : 128);
    l = Math.floor(l / 128);
  }
  return p + n;
}

/**
 * The size of the encoding byte(s) and data of the entry at p (lpCurrentEncodedSizeUnsafe),
 * or 0 for an invalid encoding byte (and for the terminator).
 */
export function lpEncodedLen(buf: Uint8Array, p: number): number {
  const b = buf[p];
  if (b < 0x80) return 1;
  if (b < 0xc0) return 1 + (b & 0x3f);
  if (b < 0xe0) return 2;
  if (b < 0xf0) return 2 + (((b & 0x0f) << 8) | buf[p + 1]);
  switch (b) {
    case 0xf0:
      return 5 + (buf[p + 1] | (buf[p + 2] << 8) | (buf[p + 3] << 16)) + buf[p + 4] * 16777216;
    case 0xf1:
      return 3;
    case 0xf2:
      return 4;
    case 0xf3:
      return 5;
    case 0xf4:
      return 9;
    default:
      return 0;
  }
}

/** The whole size (backlen included) of the valid entry at p. */
export function lpEntryLen(buf: Uint8Array, p: number): number {
  const l = lpEncodedLen(buf, p);
  return l + (l <= 127 ? 1 : backlenSize(l));
}

/** The start of the entry that ends just before end (found through its backlen). */
export function lpPrevStart(buf: Uint8Array, end: number): number {
  let p = end - 1;
  let l = buf[p] & 127;
  let n = 1;
  let shift = 128;
  while (buf[p] & 128) {
    p--;
    l += (buf[p] & 127) * shift;
    shift *= 128;
    n++;
  }
  return end - n - l;
}

/** The bytes buf[start, start + len) as a one-byte string. */
export function latin1At(buf: Uint8Array, start: number, len: number): string {
  switch (len) {
    case 0:
      return '';
    case 1:
      return String.fromCharCode(buf[start]);
    case 2:
      return String.fromCharCode(buf[start], buf[start + 1]);
    case 3:
      return String.fromCharCode(buf[start], buf[start + 1], buf[start + 2]);
    case 4:
      return String.fromCharCode(buf[start], buf[start + 1], buf[start + 2], buf[start + 3]);
    default:
      if (len <= 12) {
        let s = '';
        for (let i = 0; i < len; i++) s += String.fromCharCode(buf[start + i]);
        return s;
      }
      return latin1Slice(buf, start, start + len);
  }
}

/** The value of the entry at p, as the string it was stored from. */
export function lpRead(buf: Uint8Array, p: number): string {
  const b = buf[p];
  if (b < 0x80) return String(b);
  if (b < 0xc0) return latin1At(buf, p + 1, b & 0x3f);
  if (b < 0xe0) {
    const u = ((b & 0x1f) << 8) | buf[p + 1];
    return String(u >= 4096 ? u - 8192 : u);
  }
  if (b < 0xf0) return latin1At(buf, p + 2, ((b & 0x0f) << 8) | buf[p + 1]);
  switch (b) {
    case 0xf0: {
      const n = (buf[p + 1] | (buf[p + 2] << 8) | (buf[p + 3] << 16)) + buf[p + 4] * 16777216;
      return latin1At(buf, p + 5, n);
    }
    case 0xf1: {
      const u = buf[p + 1] | (buf[p + 2] << 8);
      return String(u >= 32768 ? u - 65536 : u);
    }
    case 0xf2: {
      const u = buf[p + 1] | (buf[p + 2] << 8) | (buf[p + 3] << 16);
      return String(u >= 8388608 ? u - 16777216 : u);
    }
    case 0xf3:
      return String(buf[p + 1] | (buf[p + 2] << 8) | (buf[p + 3] << 16) | (buf[p + 4] << 24));
    default:
      return String(readInt64(buf, p + 1));
  }
}

/** Whether the entry at p holds exactly s (strings compared byte by byte, without a copy). */
export function lpEquals(buf: Uint8Array, p: number, s: string): boolean {
  const b = buf[p];
  let start: number;
  let n: number;
  if (b >= 0x80 && b < 0xc0) {
    n = b & 0x3f;
    start = p + 1;
  } else if (b >= 0xe0 && b < 0xf0) {
    n = ((b & 0x0f) << 8) | buf[p + 1];
    start = p + 2;
  } else if (b === 0xf0) {
    n = (buf[p + 1] | (buf[p + 2] << 8) | (buf[p + 3] << 16)) + buf[p + 4] * 16777216;
    start = p + 5;
  } else {
    // An integer: s matches only if it spells that integer the canonical way.
    const c0 = s.length === 0 ? 0 : s.charCodeAt(0);
    if (s.length === 0 || s.length > 20 || !((c0 >= 48 && c0 <= 57) || c0 === 45)) return false;
    return lpRead(buf, p) === s;
  }
  if (n !== s.length) return false;
  for (let i = 0; i < n; i++) if (buf[start + i] !== s.charCodeAt(i)) return false;
  return true;
}

/**
 * Checks the entries in buf[start, end) as lpValidateNext does: every encoding byte valid,
 * every entry inside the range, every backlen matching its entry. Returns how many entries
 * there are, or -1 when they are corrupt.
 */
export function lpValidateEntries(buf: Uint8Array, start: number, end: number): number {
  let p = start;
  let count = 0;
  while (p < end) {
    const b = buf[p];
    if (b === LP_EOF) return -1;
    // The length bytes must be readable before the length is.
    const lenBytes = b >= 0xe0 && b < 0xf0 ? 2 : b === 0xf0 ? 5 : 1;
    if (p + lenBytes > end) return -1;
    const l = lpEncodedLen(buf, p);
    if (l === 0) return -1;
    const total = l + backlenSize(l);
    if (p + total > end) return -1;
    // The backlen, read from the right, must give the same size.
    if (decodeBacklen(buf, p + total - 1, p + l) !== l) return -1;
    p += total;
    count++;
  }
  return count;
}

/** lpDecodeBacklen from its last byte at p, reading no lower than floor; -1 if invalid. */
function decodeBacklen(buf: Uint8Array, p: number, floor: number): number {
  let v = 0;
  let shift = 1;
  let n = 0;
  for (;;) {
    if (p < floor || n === 5) return -1;
    const b = buf[p];
    v += (b & 127) * shift;
    n++;
    if (!(b & 128)) return v;
    shift *= 128;
    p--;
  }
}

/**
 * A whole listpack's entries (lpValidateIntegrity, deep): the header's total must be the size,
 * the last byte the terminator, the count right (unless unknown). Returns [first entry, end of
 * entries, count], or null when it is corrupt.
 */
export function lpCheck(buf: Uint8Array, start: number, size: number): [number, number, number] | null {
  if (size < LP_HDR_SIZE + 1) return null;
  const total = (buf[start] | (buf[start + 1] << 8) | (buf[start + 2] << 16)) + buf[start + 3] * 16777216;
  if (total !== size) return null;
  if (buf[start + size - 1] !== LP_EOF) return null;
  const numele = buf[start + 4] | (buf[start + 5] << 8);
  const first = start + LP_HDR_SIZE;
  const end = start + size - 1;
  const count = lpValidateEntries(buf, first, end);
  if (count < 0) return null;
  if (numele !== LP_HDR_NUMELE_UNKNOWN && numele !== count) return null;
  return [first, end, count];
}

/** Writes a listpack header for entries of `bytes` bytes and `count` elements at p. */
export function lpWriteHeader(buf: Uint8Array, p: number, bytes: number, count: number): void {
  const total = bytes + LP_HDR_SIZE + 1;
  buf[p] = total & 0xff;
  buf[p + 1] = (total >>> 8) & 0xff;
  buf[p + 2] = (total >>> 16) & 0xff;
  buf[p + 3] = (total >>> 24) & 0xff;
  const n = count < LP_HDR_NUMELE_UNKNOWN ? count : LP_HDR_NUMELE_UNKNOWN;
  buf[p + 4] = n & 0xff;
  buf[p + 5] = n >>> 8;
}
