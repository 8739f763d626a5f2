// HyperLogLog as Redis stores it (hyperloglog.c), byte for byte: a string value with a 16-byte
// header and 16384 six-bit registers, in one of two encodings.
//
//   header    "HYLL", encoding (0 dense, 1 sparse), 3 unused bytes, the cached cardinality
//             (64-bit little endian; its top bit set means "stale, recompute")
//   dense     12288 bytes: register i is 6 bits starting at bit 6*i, least significant bits
//             first, spilling into the next byte
//   sparse    run-length opcodes: ZERO 00xxxxxx (1-64 zero registers), XZERO 01xxxxxx yyyyyyyy
//             (1-16384 zero registers), VAL 1vvvvvxx (1-4 registers of value 1-32)
//
// An element goes to register (hash & 16383) with the value "position of the first 1 bit in the
// remaining 50 bits, plus one", where hash is MurmurHash64A (seed 0xadc83b19) of its bytes. A
// sparse value becomes dense when a register needs a value over 32, or when it would grow past
// hll-sparse-max-bytes. The count is Ertl's estimator over the register histogram, as Redis 7.0
// computes it. No replies, no clients: commands/hyperloglog.ts decides what to do with results.

import { ByteString } from './value.js';

export const HLL_P = 14;
const HLL_Q = 64 - HLL_P;
export const HLL_REGISTERS = 1 << HLL_P;
const HLL_P_MASK = HLL_REGISTERS - 1;
const HLL_BITS = 6;
const HLL_REGISTER_MAX = (1 << HLL_BITS) - 1;
export const HLL_HDR_SIZE = 16;
export const HLL_DENSE_SIZE = HLL_HDR_SIZE + (HLL_REGISTERS * HLL_BITS) / 8;
export const HLL_DENSE = 0;
export const HLL_SPARSE = 1;
const HLL_MAX_ENCODING = 1;
/** Where the encoding byte and the cached cardinality sit in the header. */
const ENCODING_AT = 4;
const CARD_AT = 8;

const SPARSE_VAL_MAX_VALUE = 32;
const SPARSE_VAL_MAX_LEN = 4;
const SPARSE_ZERO_MAX_LEN = 64;
const SPARSE_XZERO_MAX_LEN = 16384;
const HLL_ALPHA_INF = 0.721347520444481703680; // 0.5 / ln(2)

// ---- MurmurHash64A ----------------------------------------------------------------------------
// 64-bit arithmetic on two 32-bit halves (BigInt would be far slower on PFADD's path). Results go
// to these module variables.

let rHi = 0;
let rLo = 0;

const M_HI = 0xc6a4a793;
const M_LO = 0x5bd1e995;

/** (hi, lo) * 0xc6a4a7935bd1e995 mod 2^64, into (rHi, rLo). */
function mulM(hi: number, lo: number): void {
  // lo * M_LO needs its high 32 bits too: 16-bit pieces keep every product exact.
  const a0 = lo & 0xffff;
  const a1 = lo >>> 16;
  const p00 = a0 * 0xe995;
  const p01 = a0 * 0x5bd1;
  const p10 = a1 * 0xe995;
  const p11 = a1 * 0x5bd1;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  const carry = p11 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16);
  rLo = Math.imul(lo, M_LO);
  rHi = (carry + Math.imul(hi, M_LO) + Math.imul(lo, M_HI)) | 0;
}

/** Mixes one little-endian 64-bit block (hi, lo) into the hash state (hHi, hLo). */
let hHi = 0;
let hLo = 0;
function mixBlock(kHi: number, kLo: number): void {
  mulM(kHi, kLo);
  kHi = rHi;
  kLo = rLo ^ (rHi >>> 15); // k ^= k >> 47
  mulM(kHi, kLo);
  hHi ^= rHi;
  hLo ^= rLo;
  mulM(hHi, hLo);
  hHi = rHi;
  hLo = rLo;
}

/** The final avalanche, leaving the hash in (hHi, hLo). */
function finish(): void {
  hLo ^= hHi >>> 15;
  mulM(hHi, hLo);
  hHi = rHi;
  hLo = rLo ^ (rHi >>> 15);
}

/** Starts a hash of len bytes with a 32-bit seed: h = seed ^ (len * m). */
function start(len: number, seed: number): void {
  mulM(0, len);
  hHi = rHi;
  hLo = rLo ^ seed;
}

/** MurmurHash64A of a one-byte string's bytes, into (hHi, hLo). */
function murmurString(s: string, seed: number): void {
  const len = s.length;
  start(len, seed);
  const blocks = len - (len & 7);
  for (let i = 0; i < blocks; i += 8) {
    const lo = s.charCodeAt(i) | (s.charCodeAt(i + 1) << 8) | (s.charCodeAt(i + 2) << 16) | (s.charCodeAt(i + 3) << 24);
    const hi = s.charCodeAt(i + 4) | (s.charCodeAt(i + 5) << 8) | (s.charCodeAt(i + 6) << 16) | (s.charCodeAt(i + 7) << 24);
    mixBlock(hi, lo);
  }
  const rest = len & 7;
  if (rest !== 0) {
    // The last 1-7 bytes, little endian, into the state before one more multiplication.
    let lo = 0;
    let hi = 0;
    for (let j = rest - 1; j >= 0; j--) {
      const b = s.charCodeAt(blocks + j);
      if (j >= 4) hi |= b << ((j - 4) * 8);
      else lo |= b << (j * 8);
    }
    hHi ^= hi;
    hLo ^= lo;
    mulM(hHi, hLo);
    hHi = rHi;
    hLo = rLo;
  }
  finish();
}

/** MurmurHash64A of 8 bytes holding (hi, lo) little endian (PFSELFTEST's elements). */
function murmurWords(hi: number, lo: number, seed: number): void {
  start(8, seed);
  mixBlock(hi, lo);
  finish();
}

const HLL_SEED = 0xadc83b19 | 0;

/** Register index of the last hashed element (set by patternLength). */
let patIndex = 0;

/** hllPatLen on the hash in (hHi, hLo): the register index (patIndex) and the run length. */
function patternLength(): number {
  patIndex = hLo & HLL_P_MASK;
  // The hash without the index bits, with bit Q set so the run ends there at the latest.
  const lo = (hLo >>> HLL_P) | (hHi << (32 - HLL_P));
  const hi = (hHi >>> HLL_P) | (1 << (HLL_Q - 32));
  return lo !== 0 ? 32 - Math.clz32(lo & -lo) : 64 - Math.clz32(hi & -hi);
}

// ---- Dense representation ---------------------------------------------------------------------

function denseGet(p: Uint8Array, index: number): number {
  const bit = index * HLL_BITS;
  const byte = HLL_HDR_SIZE + (bit >>> 3);
  const fb = bit & 7;
  // The byte after the last register may be missing: undefined reads as 0 in the shift.
  return ((p[byte] >> fb) | (p[byte + 1] << (8 - fb))) & HLL_REGISTER_MAX;
}

function denseSetRegister(p: Uint8Array, index: number, value: number): void {
  const bit = index * HLL_BITS;
  const byte = HLL_HDR_SIZE + (bit >>> 3);
  const fb = bit & 7;
  const fb8 = 8 - fb;
  p[byte] = (p[byte] & ~(HLL_REGISTER_MAX << fb)) | (value << fb);
  if (fb > 2) p[byte + 1] = (p[byte + 1] & ~(HLL_REGISTER_MAX >> fb8)) | (value >> fb8);
}

/** hllDenseSet: raises register index to count; 1 when it changed. */
function denseSet(p: Uint8Array, index: number, count: number): 0 | 1 {
  if (count <= denseGet(p, index)) return 0;
  denseSetRegister(p, index, count);
  return 1;
}

/** Adds the dense registers' values to a histogram (reghisto[value]++). */
function denseHistogram(p: Uint8Array, histo: Float64Array): void {
  // Four registers in every three bytes.
  let r = HLL_HDR_SIZE;
  for (let j = 0; j < HLL_REGISTERS / 4; j++) {
    const b0 = p[r];
    const b1 = p[r + 1];
    const b2 = p[r + 2];
    histo[b0 & 63]++;
    histo[((b0 >> 6) | (b1 << 2)) & 63]++;
    histo[((b1 >> 4) | (b2 << 4)) & 63]++;
    histo[(b2 >> 2) & 63]++;
    r += 3;
  }
}

// ---- Sparse representation --------------------------------------------------------------------

const isZero = (b: number): boolean => (b & 0xc0) === 0;
const isXzero = (b: number): boolean => (b & 0xc0) === 0x40;
const isVal = (b: number): boolean => (b & 0x80) !== 0;
const zeroLen = (b: number): number => (b & 0x3f) + 1;
const xzeroLen = (b: number, next: number): number => (((b & 0x3f) << 8) | next) + 1;
const valValue = (b: number): number => ((b >> 2) & 0x1f) + 1;
const valLen = (b: number): number => (b & 0x3) + 1;
const valByte = (value: number, len: number): number => 0x80 | ((value - 1) << 2) | (len - 1);

/** The opcodes for `len` zero registers (1 to 16384): ZERO when it fits, else XZERO. */
function pushZeros(seq: number[], len: number): void {
  if (len > SPARSE_ZERO_MAX_LEN) seq.push(0x40 | ((len - 1) >> 8), (len - 1) & 0xff);
  else seq.push(len - 1);
}

/**
 * hllSparseToDense: rewrites a sparse value as dense in place (header kept, cached cardinality
 * included). False when the sparse opcodes do not describe exactly 16384 registers (nothing is
 * changed then).
 */
export function sparseToDense(o: ByteString): boolean {
  const p = o.bytes;
  if (p[ENCODING_AT] === HLL_DENSE) return true;
  const dense = Buffer.alloc(HLL_DENSE_SIZE + 1);
  p.copy(dense, 0, 0, HLL_HDR_SIZE);
  dense[ENCODING_AT] = HLL_DENSE;
  let idx = 0;
  const end = o.length;
  let i = HLL_HDR_SIZE;
  while (i < end) {
    const b = p[i];
    if (isZero(b)) {
      idx += zeroLen(b);
      i++;
    } else if (isXzero(b)) {
      idx += xzeroLen(b, p[i + 1]);
      i += 2;
    } else {
      let run = valLen(b);
      const value = valValue(b);
      if (run + idx > HLL_REGISTERS) break;
      while (run-- > 0) denseSetRegister(dense, idx++, value);
      i++;
    }
  }
  if (idx !== HLL_REGISTERS) return false;
  o.bytes = dense;
  o.length = HLL_DENSE_SIZE;
  return true;
}

/**
 * hllSparseSet: raises register index to count in a sparse value, splitting the opcode that
 * covers it and merging equal neighbours as Redis does, or promoting the value to dense when
 * count is over 32 or the value would grow past maxBytes. 1 when a register changed, 0 when
 * not, -1 when the value is corrupt.
 */
function sparseSet(o: ByteString, index: number, count: number, maxBytes: number): -1 | 0 | 1 {
  if (count > SPARSE_VAL_MAX_VALUE) return promote(o, index, count);
  // Splitting one opcode adds 3 bytes at most (XZERO into XZERO VAL XZERO).
  o.reserve(3);
  const p = o.bytes;
  let end = o.length;

  // Step 1: the opcode covering the register, its first register and the opcode before it.
  let at = HLL_HDR_SIZE;
  let first = 0;
  let prev = -1;
  let span = 0;
  while (at < end) {
    const b = p[at];
    let oplen = 1;
    if (isZero(b)) span = zeroLen(b);
    else if (isVal(b)) span = valLen(b);
    else {
      span = xzeroLen(b, p[at + 1]);
      oplen = 2;
    }
    if (index <= first + span - 1) break;
    prev = at;
    at += oplen;
    first += span;
  }
  if (span === 0 || at >= end) return -1;

  const op = p[at];
  let next = isXzero(op) ? at + 2 : at + 1;
  if (next >= end) next = -1;
  const runlen = isZero(op) ? zeroLen(op) : isXzero(op) ? xzeroLen(op, p[at + 1]) : valLen(op);

  // Step 2: the cases that change one byte in place, then the general split.
  let done = false;
  if (isVal(op)) {
    if (valValue(op) >= count) return 0;
    if (runlen === 1) {
      p[at] = valByte(count, 1);
      done = true;
    }
  }
  if (!done && isZero(op) && runlen === 1) {
    p[at] = valByte(count, 1);
    done = true;
  }
  if (!done) {
    const last = first + span - 1;
    const seq: number[] = [];
    if (isVal(op)) {
      const current = valValue(op);
      if (index !== first) seq.push(valByte(current, index - first));
      seq.push(valByte(count, 1));
      if (index !== last) seq.push(valByte(current, last - index));
    } else {
      if (index !== first) pushZeros(seq, index - first);
      seq.push(valByte(count, 1));
      if (index !== last) pushZeros(seq, last - index);
    }
    // Step 3: the new opcodes in place of the old one, moving the rest as needed.
    const delta = seq.length - (isXzero(op) ? 2 : 1);
    if (delta > 0 && o.length + delta > maxBytes) return promote(o, index, count);
    if (delta !== 0 && next !== -1) p.copyWithin(next + delta, next, end);
    o.setLength(end + delta);
    for (let k = 0; k < seq.length; k++) p[at + k] = seq[k];
    end += delta;
  }

  // Step 4: merge adjacent VAL opcodes of the same value, from the opcode before the change,
  // looking at up to five opcodes.
  let q = prev >= 0 ? prev : HLL_HDR_SIZE;
  let scan = 5;
  while (q < end && scan-- > 0) {
    const b = p[q];
    if (isXzero(b)) {
      q += 2;
      continue;
    }
    if (isZero(b)) {
      q++;
      continue;
    }
    if (q + 1 < end && isVal(p[q + 1])) {
      const value = valValue(b);
      if (value === valValue(p[q + 1])) {
        const len = valLen(b) + valLen(p[q + 1]);
        if (len <= SPARSE_VAL_MAX_LEN) {
          p[q + 1] = valByte(value, len);
          p.copyWithin(q, q + 1, end);
          end--;
          o.setLength(end);
          continue;
        }
      }
    }
    q++;
  }
  invalidateCache(p);
  return 1;
}

/** The promotion path of hllSparseSet: to dense, then set the register there. */
function promote(o: ByteString, index: number, count: number): -1 | 0 | 1 {
  if (!sparseToDense(o)) return -1;
  return denseSet(o.bytes, index, count);
}

/** Adds the sparse registers' values to a histogram; false when they are not 16384. */
function sparseHistogram(p: Uint8Array, end: number, histo: Float64Array): boolean {
  let idx = 0;
  let i = HLL_HDR_SIZE;
  while (i < end) {
    const b = p[i];
    if (isZero(b)) {
      const run = zeroLen(b);
      idx += run;
      histo[0] += run;
      i++;
    } else if (isXzero(b)) {
      const run = xzeroLen(b, p[i + 1] | 0);
      idx += run;
      histo[0] += run;
      i += 2;
    } else {
      const run = valLen(b);
      idx += run;
      histo[valValue(b)] += run;
      i++;
    }
  }
  return idx === HLL_REGISTERS;
}

// ---- The estimator ----------------------------------------------------------------------------

/** Ertl's sigma (arXiv:1702.01284). */
function sigma(x: number): number {
  if (x === 1) return Infinity;
  let y = 1;
  let z = x;
  let before: number;
  do {
    x *= x;
    before = z;
    z += x * y;
    y += y;
  } while (before !== z);
  return z;
}

/** Ertl's tau. */
function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let y = 1;
  let z = 1 - x;
  let before: number;
  do {
    x = Math.sqrt(x);
    before = z;
    y *= 0.5;
    const d = 1 - x;
    z -= d * d * y;
  } while (before !== z);
  return z / 3;
}

/** The cardinality a register histogram estimates (hllCount's arithmetic, in doubles). */
function estimate(histo: Float64Array): number {
  const m = HLL_REGISTERS;
  let z = m * tau((m - histo[HLL_Q + 1]) / m);
  for (let j = HLL_Q; j >= 1; j--) {
    z += histo[j];
    z *= 0.5;
  }
  z += m * sigma(histo[0] / m);
  // llroundl: halves away from zero (the value is never negative).
  return Math.round((HLL_ALPHA_INF * m * m) / z);
}

/** The estimated cardinality of an HLL value's registers; -1 when a sparse value is corrupt. */
export function hllCount(p: Uint8Array, length: number): number {
  const histo = new Float64Array(64);
  if (p[ENCODING_AT] === HLL_DENSE) denseHistogram(p, histo);
  else if (!sparseHistogram(p, length, histo)) return -1;
  return estimate(histo);
}

/** The estimated cardinality of 16384 registers held one per byte (PFCOUNT of several keys). */
export function countRegisters(registers: Uint8Array): number {
  const histo = new Float64Array(64);
  for (let i = 0; i < HLL_REGISTERS; i++) histo[registers[i]]++;
  return estimate(histo);
}

// ---- Values -----------------------------------------------------------------------------------

/** isHLLObjectOrReply's test: the magic, a known encoding, and a dense value's exact length. */
export function isHll(p: Uint8Array, length: number): boolean {
  if (length < HLL_HDR_SIZE) return false;
  if (p[0] !== 0x48 || p[1] !== 0x59 || p[2] !== 0x4c || p[3] !== 0x4c) return false; // "HYLL"
  const encoding = p[ENCODING_AT];
  if (encoding > HLL_MAX_ENCODING) return false;
  return encoding !== HLL_DENSE || length === HLL_DENSE_SIZE;
}

/** The encoding byte of a valid HLL value. */
export function hllEncoding(p: Uint8Array): number {
  return p[ENCODING_AT];
}

/** createHLLObject: an empty sparse HLL (one XZERO opcode for all registers). */
export function createHll(): ByteString {
  const o = ByteString.alloc(HLL_HDR_SIZE + 2);
  const p = o.bytes;
  p.write('HYLL', 0, 'latin1');
  p[ENCODING_AT] = HLL_SPARSE;
  p[HLL_HDR_SIZE] = 0x40 | ((SPARSE_XZERO_MAX_LEN - 1) >> 8);
  p[HLL_HDR_SIZE + 1] = (SPARSE_XZERO_MAX_LEN - 1) & 0xff;
  return o;
}

/** hllAdd: adds an element; 1 when a register changed, 0 when not, -1 when the value is corrupt. */
export function hllAdd(o: ByteString, element: string, sparseMaxBytes: number): -1 | 0 | 1 {
  murmurString(element, HLL_SEED);
  const count = patternLength();
  return setRegister(o, patIndex, count, sparseMaxBytes);
}

/** Raises one register to count in either encoding (-1: corrupt value or unknown encoding). */
export function setRegister(o: ByteString, index: number, count: number, sparseMaxBytes: number): -1 | 0 | 1 {
  const encoding = o.bytes[ENCODING_AT];
  if (encoding === HLL_DENSE) return denseSet(o.bytes, index, count);
  if (encoding === HLL_SPARSE) return sparseSet(o, index, count, sparseMaxBytes);
  return -1;
}

/** Marks the cached cardinality stale (its top bit). */
export function invalidateCache(p: Uint8Array): void {
  p[CARD_AT + 7] |= 0x80;
}

/** The cached cardinality, or -1 when it is stale. */
export function cachedCount(p: Uint8Array): number | bigint {
  if (p[CARD_AT + 7] & 0x80) return -1;
  let v = 0n;
  for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(p[CARD_AT + i]);
  return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** Stores a freshly computed cardinality in the header (which makes it valid). */
export function storeCount(p: Uint8Array, count: number): void {
  let v = BigInt(count);
  for (let i = 0; i < 8; i++) {
    p[CARD_AT + i] = Number(v & 0xffn);
    v >>= 8n;
  }
}

/**
 * hllMerge: raises each of 16384 byte registers in max to the HLL value's register. False when
 * a sparse value does not describe exactly 16384 registers.
 */
export function mergeInto(max: Uint8Array, p: Uint8Array, length: number): boolean {
  if (p[ENCODING_AT] === HLL_DENSE) {
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const v = denseGet(p, i);
      if (v > max[i]) max[i] = v;
    }
    return true;
  }
  let i = 0;
  let at = HLL_HDR_SIZE;
  while (at < length) {
    const b = p[at];
    if (isZero(b)) {
      i += zeroLen(b);
      at++;
    } else if (isXzero(b)) {
      i += xzeroLen(b, p[at + 1] | 0);
      at += 2;
    } else {
      let run = valLen(b);
      const value = valValue(b);
      if (run + i > HLL_REGISTERS) break;
      while (run-- > 0) {
        if (value > max[i]) max[i] = value;
        i++;
      }
      at++;
    }
  }
  return i === HLL_REGISTERS;
}

/** Every register of a dense value (PFDEBUG GETREG). */
export function registersOf(p: Uint8Array): number[] {
  const out = new Array<number>(HLL_REGISTERS);
  for (let i = 0; i < HLL_REGISTERS; i++) out[i] = denseGet(p, i);
  return out;
}

/** A sparse value's opcodes as PFDEBUG DECODE prints them: "Z:16384", "z:3 v:2,1" … */
export function decodeSparse(p: Uint8Array, length: number): string {
  const parts: string[] = [];
  let at = HLL_HDR_SIZE;
  while (at < length) {
    const b = p[at];
    if (isZero(b)) {
      parts.push(`z:${zeroLen(b)}`);
      at++;
    } else if (isXzero(b)) {
      parts.push(`Z:${xzeroLen(b, p[at + 1] | 0)}`);
      at += 2;
    } else {
      parts.push(`v:${valValue(b)},${valLen(b)}`);
      at++;
    }
  }
  return parts.join(' ');
}

// ---- PFSELFTEST -------------------------------------------------------------------------------

const SELFTEST_CYCLES = 1000;

/**
 * pfselftestCommand's checks: random register values read back unchanged from the dense layout,
 * and ten million elements added to a dense and a sparse HLL, whose counts must agree and stay
 * within a few standard errors at every power of ten. null on success, else the error text.
 */
export function selfTest(sparseMaxBytes: number, random: () => number = Math.random): string | null {
  const dense = Buffer.alloc(HLL_DENSE_SIZE + 1);
  const bytes = new Uint8Array(HLL_REGISTERS);
  for (let j = 0; j < SELFTEST_CYCLES; j++) {
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const r = Math.floor(random() * 64);
      bytes[i] = r;
      denseSetRegister(dense, i, r);
    }
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const v = denseGet(dense, i);
      if (v !== bytes[i]) return `TESTFAILED Register ${i} should be ${bytes[i]} but is ${v}`;
    }
  }

  dense.fill(0, HLL_HDR_SIZE);
  const o = createHll();
  const relerr = 1.04 / Math.sqrt(HLL_REGISTERS);
  let checkpoint = 1;
  const seedLo = Math.floor(random() * 2 ** 31);
  const seedHi = Math.floor(random() * 2 ** 31);
  for (let j = 1; j <= 10_000_000; j++) {
    // The element is the 64-bit number j ^ seed, hashed as its 8 bytes.
    murmurWords(seedHi, (j ^ seedLo) | 0, HLL_SEED);
    const count = patternLength();
    denseSet(dense, patIndex, count);
    setRegister(o, patIndex, count, sparseMaxBytes);
    if (j !== checkpoint) continue;
    if (j < Math.floor(sparseMaxBytes / 2) && o.bytes[ENCODING_AT] !== HLL_SPARSE) return 'TESTFAILED sparse encoding not used';
    const expected = hllCount(dense, HLL_DENSE_SIZE);
    if (expected !== hllCount(o.bytes, o.length)) return 'TESTFAILED dense/sparse disagree';
    const abserr = Math.abs(checkpoint - expected);
    const maxerr = j === 10 ? 1 : Math.ceil(relerr * 6 * checkpoint);
    if (abserr > maxerr) return `TESTFAILED Too big error. card:${checkpoint} abserr:${abserr}`;
    checkpoint *= 10;
  }
  return null;
}
