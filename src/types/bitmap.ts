// Bit operations on byte arrays (bitops.c's helpers): counting and finding bits, signed and
// unsigned integers of 1 to 64 bits at any bit offset, and the BITOP operations. Bit 0 is the most
// significant bit of the first byte, as in SETBIT. No replies, no clients: the commands in
// commands/bitmaps.ts decide what to read and where to write.

/** Set bits in each byte value. */
const BITS_IN_BYTE = new Uint8Array(256);
for (let i = 1; i < 256; i++) BITS_IN_BYTE[i] = (i & 1) + BITS_IN_BYTE[i >> 1];

/** The number of set bits in bytes[start, end). */
export function popcount(bytes: Uint8Array, start: number, end: number): number {
  let count = 0;
  let i = start;
  // Byte by byte up to a 4-byte boundary of the underlying buffer, then whole words.
  while (i < end && (bytes.byteOffset + i) % 4 !== 0) count += BITS_IN_BYTE[bytes[i++]];
  const words = (end - i) >>> 2;
  if (words > 0) {
    const view = new Int32Array(bytes.buffer, bytes.byteOffset + i, words);
    let w = 0;
    while (w < words) {
      // Per-byte counts of up to 28 words (at most 224 a byte), summed before they are folded.
      const stop = Math.min(words, w + 28);
      let acc = 0;
      for (; w < stop; w++) {
        let x = view[w];
        x -= (x >>> 1) & 0x55555555;
        x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
        acc += (x + (x >>> 4)) & 0x0f0f0f0f;
      }
      acc = (acc & 0x00ff00ff) + ((acc >>> 8) & 0x00ff00ff);
      count += (acc & 0xffff) + (acc >>> 16);
    }
    i += words * 4;
  }
  while (i < end) count += BITS_IN_BYTE[bytes[i++]];
  return count;
}

/**
 * The position of the first bit equal to `bit` in bytes[start, start + count), counted from
 * bit 0 of bytes[start] (redisBitpos). With no such bit: -1 when looking for a 1, and count * 8
 * when looking for a 0 (the string reads as zero-padded on the right).
 */
export function bitpos(bytes: Uint8Array, start: number, count: number, bit: 0 | 1): number {
  const skip = bit ? 0 : 0xff;
  const end = start + count;
  for (let i = start; i < end; i++) {
    const b = bytes[i];
    if (b === skip) continue;
    let mask = 0x80;
    let pos = (i - start) * 8;
    while (((b & mask) !== 0 ? 1 : 0) !== bit) {
      mask >>= 1;
      pos++;
    }
    return pos;
  }
  return bit ? -1 : count * 8;
}

/** The bit at a bit offset of a one-byte string (0 past its end). */
export function getBitOfString(s: string, offset: number): number {
  const byte = Math.floor(offset / 8);
  return byte < s.length ? (s.charCodeAt(byte) >> (7 - (offset % 8))) & 1 : 0;
}

/** The bit at a bit offset of bytes[0, length) (0 past the end). */
export function getBit(bytes: Uint8Array, length: number, offset: number): number {
  const byte = Math.floor(offset / 8);
  return byte < length ? (bytes[byte] >> (7 - (offset % 8))) & 1 : 0;
}

// ---- Integers at bit offsets (BITFIELD) --------------------------------------------------------

/**
 * The `bits`-bit unsigned integer stored at bit `offset` of bytes (most significant bit first);
 * bytes at or past `length` read as zero.
 */
export function getUnsigned(bytes: Uint8Array, length: number, offset: number, bits: number): bigint {
  const first = Math.floor(offset / 8);
  const lead = offset % 8;
  const total = lead + bits;
  const n = Math.ceil(total / 8);
  const pad = n * 8 - total;
  if (total <= 48) {
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 256 + (first + i < length ? bytes[first + i] : 0);
    return BigInt(Math.floor(v / 2 ** pad) % 2 ** bits);
  }
  let v = 0n;
  for (let i = 0; i < n; i++) v = (v << 8n) | BigInt(first + i < length ? bytes[first + i] : 0);
  return (v >> BigInt(pad)) & ((1n << BigInt(bits)) - 1n);
}

/** getUnsigned, sign-extended from `bits` bits. */
export function getSigned(bytes: Uint8Array, length: number, offset: number, bits: number): bigint {
  return BigInt.asIntN(bits, getUnsigned(bytes, length, offset, bits));
}

/**
 * Stores the low `bits` bits of value (two's complement for negative values) at bit `offset`;
 * the bytes written must exist.
 */
export function setBits(bytes: Uint8Array, offset: number, bits: number, value: bigint): void {
  const first = Math.floor(offset / 8);
  const lead = offset % 8;
  const total = lead + bits;
  const n = Math.ceil(total / 8);
  const pad = BigInt(n * 8 - total);
  let word = 0n;
  for (let i = 0; i < n; i++) word = (word << 8n) | BigInt(bytes[first + i]);
  const mask = ((1n << BigInt(bits)) - 1n) << pad;
  word = (word & ~mask) | ((BigInt.asUintN(bits, value) << pad) & mask);
  for (let i = n - 1; i >= 0; i--) {
    bytes[first + i] = Number(word & 0xffn);
    word >>= 8n;
  }
}

export const OVERFLOW_WRAP = 0;
export const OVERFLOW_SAT = 1;
export const OVERFLOW_FAIL = 2;
export type OverflowMode = typeof OVERFLOW_WRAP | typeof OVERFLOW_SAT | typeof OVERFLOW_FAIL;

/** What an overflow check found: 0 (fits), 1 (overflow) or -1 (underflow), and the value to store. */
export interface OverflowResult {
  overflow: -1 | 0 | 1;
  /** The wrapped or saturated value when overflow is not 0 (meaningless under FAIL). */
  limit: bigint;
}

/**
 * checkUnsignedBitfieldOverflow: whether value + incr fits in `bits` unsigned bits. value is
 * what C holds in a uint64 (a negative SET value arrives as its two's complement, so it always
 * overflows), incr a signed 64-bit increment.
 */
export function checkUnsignedOverflow(value: bigint, incr: bigint, bits: number, mode: OverflowMode): OverflowResult {
  const v = BigInt.asUintN(64, value);
  const max = (1n << BigInt(bits)) - 1n;
  // C computes these in 64-bit integers: max - value and -value, read as signed.
  const maxIncr = BigInt.asIntN(64, max - v);
  const minIncr = BigInt.asIntN(64, -v);
  let overflow: -1 | 0 | 1 = 0;
  if (v > max || (incr > 0n && incr > maxIncr)) overflow = 1;
  else if (incr < 0n && incr < minIncr) overflow = -1;
  if (overflow === 0) return { overflow, limit: 0n };
  if (mode === OVERFLOW_SAT) return { overflow, limit: overflow === 1 ? max : 0n };
  // Wrap (and, unused, fail): the sum modulo 2^bits. A wrap always reports 1.
  return { overflow: mode === OVERFLOW_WRAP ? 1 : overflow, limit: BigInt.asUintN(bits, v + incr) };
}

/**
 * checkSignedBitfieldOverflow: whether value + incr fits in `bits` signed bits, decided as Redis
 * decides it, with its 64-bit intermediate values wrapping: a SET of a value far outside the type
 * can read as an overflow the other way (SET i1 under SAT with -2^63 stores 0, not -1).
 */
export function checkSignedOverflow(value: bigint, incr: bigint, bits: number, mode: OverflowMode): OverflowResult {
  const max = (1n << BigInt(bits - 1)) - 1n;
  const min = -max - 1n;
  const maxIncr = BigInt.asIntN(64, max - value);
  const minIncr = BigInt.asIntN(64, min - value);
  const narrow = bits !== 64;
  let overflow: -1 | 0 | 1 = 0;
  if (value > max || (narrow && incr > maxIncr) || (value >= 0n && incr > 0n && incr > maxIncr)) overflow = 1;
  else if (value < min || (narrow && incr < minIncr) || (value < 0n && incr < 0n && incr < minIncr)) overflow = -1;
  if (overflow === 0) return { overflow, limit: 0n };
  if (mode === OVERFLOW_SAT) return { overflow, limit: overflow === 1 ? max : min };
  return { overflow: mode === OVERFLOW_WRAP ? 1 : overflow, limit: BigInt.asIntN(bits, value + incr) };
}

// ---- BITOP ------------------------------------------------------------------------------------

export type BitOp = 'and' | 'or' | 'xor' | 'not';

/**
 * BITOP's result: sources (each a byte array with its length) combined byte by byte, shorter
 * ones zero-padded to the longest; NOT takes one source. Returns maxLength bytes (plus one spare
 * zero byte of room) in a fresh buffer.
 */
export function bitop(op: BitOp, sources: Array<{ bytes: Uint8Array; length: number }>, maxLength: number): Buffer {
  const out = Buffer.alloc(maxLength + 1);
  const first = sources[0];
  if (op === 'not') {
    for (let i = 0; i < maxLength; i++) out[i] = ~(i < first.length ? first.bytes[i] : 0) & 0xff;
    return out;
  }
  out.set(first.bytes.subarray(0, first.length));
  for (let k = 1; k < sources.length; k++) {
    const { bytes, length } = sources[k];
    if (op === 'and') {
      for (let i = 0; i < length; i++) out[i] &= bytes[i];
      out.fill(0, length, maxLength);
    } else if (op === 'or') {
      for (let i = 0; i < length; i++) out[i] |= bytes[i];
    } else {
      for (let i = 0; i < length; i++) out[i] ^= bytes[i];
    }
  }
  return out;
}
