// The stream type (Redis's t_stream.c and stream.h): entries with IDs that only grow, kept in
// nodes the way Redis keeps them in listpacks under a radix tree, plus consumer groups.
//
// Entry IDs. An ID is two unsigned 64-bit numbers (ms, seq); both may go up to 2^64-1, which a
// double cannot hold. Each ID is held as a 16-character one-byte string: ms then seq, each as 8
// big-endian bytes. Why this form: comparing two IDs is one string comparison (one-byte strings
// compare by char code, which is the byte order, so the string order is the ID order), an ID is
// a valid Map key (the PELs), it is immutable and shareable, and it is what Redis's rax keys and
// RDB PEL records hold byte for byte. Turning one into "ms-seq" text takes four 32-bit reads;
// numbers are used when a half fits in 53 bits (always, for real clocks), a bigint otherwise.
//
// Nodes. Redis appends entries to the tail listpack until it would pass stream-node-max-bytes or
// holds stream-node-max-entries entries (live and deleted), then starts a new one whose first
// entry becomes the node's "master entry". That is observable: XTRIM/XADD with `~` remove only
// whole nodes, XINFO reports radix-tree-keys, and DUMP writes the listpacks. So nodes here
// follow the same rules, and each keeps its exact listpack size (computed from the listpack
// entry sizes, without building the listpack) so the boundaries fall where Redis's do; the
// listpack bytes themselves are built only for RDB/DUMP (encodeNode).
//
// Each node holds its entries' IDs (as 32-bit words, not ID strings), flags and where their
// strings start in one typed array, and their strings in one flat array, so XADD is an append
// (amortised O(1)), a lookup is a binary search over the nodes and then over one node's IDs
// (O(log n)), and a range reads on from there (O(log n + count)); an entry's ID string is made
// when it is handed out. Deleting marks an entry as deleted, as Redis does; a node whose last
// live entry goes is removed.

import { RObject } from './value.js';
import { lpPrepare, lpWritePrepared, lpWriteHeader, LP_HDR_SIZE, LP_EOF } from './listpack.js';

export type StreamId = string;

const TWO32 = 4294967296;

/**
 * The ID of four big-endian 32-bit words (ms high, ms low, seq high, seq low), made in one piece.
 * Joining shorter strings would make a rope (V8 joins strings of 13 or more characters lazily),
 * which every comparison of IDs would then flatten again: an XADD compares its new ID twice.
 */
function idOfWords(a: number, b: number, c: number, d: number): StreamId {
  return String.fromCharCode(
    a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255,
    b >>> 24, (b >>> 16) & 255, (b >>> 8) & 255, b & 255,
    c >>> 24, (c >>> 16) & 255, (c >>> 8) & 255, c & 255,
    d >>> 24, (d >>> 16) & 255, (d >>> 8) & 255, d & 255,
  );
}

/** 0-0 */
export const ID_MIN: StreamId = idOfWords(0, 0, 0, 0);
/** 18446744073709551615-18446744073709551615 */
export const ID_MAX: StreamId = idOfWords(-1, -1, -1, -1);

/** Entry flags, as in the listpack. */
const FLAG_DELETED = 1;
const FLAG_SAMEFIELDS = 2;

/** The largest a listpack may get (STREAM_LISTPACK_MAX_SIZE). */
export const STREAM_LISTPACK_MAX_SIZE = 2 ** 30;

/** Group entries_read when unknown (SCG_INVALID_ENTRIES_READ). */
export const ENTRIES_READ_INVALID = -1;

// ---- IDs --------------------------------------------------------------------------------------

/** The high 32-bit word of a 64-bit half (a number below 2^53, or a bigint). */
function highWord(v: number | bigint): number {
  if (typeof v === 'bigint') return Number(v >> 32n);
  return v < TWO32 ? 0 : Math.floor(v / TWO32);
}

/** The low 32-bit word of a 64-bit half. */
function lowWord(v: number | bigint): number {
  return typeof v === 'bigint' ? Number(v & 0xffffffffn) : v >>> 0;
}

/** The ID (ms, seq) of two halves, each an exact number below 2^53 or an unsigned 64-bit bigint. */
function idOfHalves(ms: number | bigint, seq: number | bigint): StreamId {
  return idOfWords(highWord(ms), lowWord(ms), highWord(seq), lowWord(seq));
}

/** The ID (ms, seq) of two exact non-negative numbers below 2^53. */
export function makeId(ms: number, seq: number): StreamId {
  return idOfHalves(ms, seq);
}

/** The ID (ms, seq) of two unsigned 64-bit bigints. */
export function makeBigId(ms: bigint, seq: bigint): StreamId {
  return idOfHalves(ms, seq);
}

function word(id: string, at: number): number {
  return ((id.charCodeAt(at) << 24) | (id.charCodeAt(at + 1) << 16) | (id.charCodeAt(at + 2) << 8) | id.charCodeAt(at + 3)) >>> 0;
}

/** One half (0: ms, 8: seq) as a number when exact, else a bigint. */
function half(id: string, at: number): number | bigint {
  const hi = word(id, at);
  const lo = word(id, at + 4);
  if (hi < 2097152) return hi * TWO32 + lo;
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** The ms part (a number when below 2^53). */
export function idMs(id: StreamId): number | bigint {
  return half(id, 0);
}

/** The seq part. */
export function idSeq(id: StreamId): number | bigint {
  return half(id, 8);
}

/** The ms part as a bigint. */
function bigHalf(id: string, at: number): bigint {
  return (BigInt(word(id, at)) << 32n) | BigInt(word(id, at + 4));
}

/** "ms-seq", as Redis writes an ID. */
export function idText(id: StreamId): string {
  return half(id, 0) + '-' + half(id, 8);
}

/** The next ID, or null after the last possible one (streamIncrID). */
export function idIncr(id: StreamId): StreamId | null {
  return idStep(id, 1);
}

/** The previous ID, or null before 0-0 (streamDecrID). */
export function idDecr(id: StreamId): StreamId | null {
  return idStep(id, -1);
}

/** id + step (±1) as a 128-bit number, with the carry or borrow through its words; null past either end. */
function idStep(id: StreamId, step: 1 | -1): StreamId | null {
  // A word that passes its end wraps to the other end and carries into the word above.
  const wrapped = step === 1 ? 0 : TWO32 - 1;
  const a = word(id, 0);
  const b = word(id, 4);
  const c = word(id, 8);
  const d = word(id, 12) + step;
  if (d >= 0 && d < TWO32) return idOfWords(a, b, c, d);
  const c2 = c + step;
  if (c2 >= 0 && c2 < TWO32) return idOfWords(a, b, c2, wrapped);
  const b2 = b + step;
  if (b2 >= 0 && b2 < TWO32) return idOfWords(a, b2, wrapped, wrapped);
  const a2 = a + step;
  if (a2 >= 0 && a2 < TWO32) return idOfWords(a2, wrapped, wrapped, wrapped);
  return null;
}

const UINT64_LIMIT = 2n ** 64n;

/** Redis's string2ull over a C string: canonical integers, else strtoull's syntax; null if invalid. */
function parseUint64(s: string): number | bigint | null {
  const n = s.length;
  if (n === 0) return null;
  // Fast path: plain digits without a leading zero, short enough to be exact.
  if (n <= 15) {
    let v = 0;
    let i = 0;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) break;
      v = v * 10 + (c - 48);
    }
    // Leading zeros are strtoull's business, and it takes them.
    if (i === n) return v;
  }
  // strtoull: leading blanks, a sign, digits to the end; '-' negates modulo 2^64.
  let i = 0;
  while (i < n && (s.charCodeAt(i) === 32 || (s.charCodeAt(i) >= 9 && s.charCodeAt(i) <= 13))) i++;
  let neg = false;
  if (i < n && (s[i] === '+' || s[i] === '-')) {
    neg = s[i] === '-';
    i++;
  }
  if (i === n) return null;
  for (let j = i; j < n; j++) {
    const c = s.charCodeAt(j);
    if (c < 48 || c > 57) return null;
  }
  let v = BigInt(s.slice(i));
  if (v >= UINT64_LIMIT) return null;
  if (neg) {
    // string2ll accepts a canonical negative number first, and string2ull then rejects it.
    const canonical = /^-[1-9][0-9]*$/.test(s) && v <= 2n ** 63n;
    if (canonical) return null;
    v = (UINT64_LIMIT - v) % UINT64_LIMIT;
  }
  return v <= 9007199254740991n ? Number(v) : v;
}

/** Whether the last parseId left the sequence to be generated ("ms-*"). */
export let parsedSeqGiven = true;

/**
 * Parses an ID as streamGenericParseIDOrReply: "-" and "+" (unless strict), "ms" (seq is
 * missingSeq: 0 or the maximum) or "ms-seq", and with allowSeqStar "ms-*" (parsedSeqGiven is
 * then false). null when invalid.
 */
export function parseId(arg: string, maxSeq: boolean, strict: boolean, allowSeqStar = false): StreamId | null {
  parsedSeqGiven = true;
  if (arg.length > 127) return null;
  // A C string: it ends at the first NUL.
  const nul = arg.indexOf('\0');
  const s = nul >= 0 ? arg.slice(0, nul) : arg;
  if (s.length === 1) {
    if (s === '-') return strict ? null : ID_MIN;
    if (s === '+') return strict ? null : ID_MAX;
  }
  const dash = s.indexOf('-');
  const ms = parseUint64(dash >= 0 ? s.slice(0, dash) : s);
  if (ms === null) return null;
  let seq: number | bigint;
  if (dash < 0) {
    return idOfHalves(ms, maxSeq ? 0xffffffffffffffffn : 0);
  }
  const rest = s.slice(dash + 1);
  if (allowSeqStar && rest === '*') {
    parsedSeqGiven = false;
    seq = 0;
  } else {
    const v = parseUint64(rest);
    if (v === null) return null;
    seq = v;
  }
  return idOfHalves(ms, seq);
}

// ---- Listpack sizes ---------------------------------------------------------------------------

/** Bytes a listpack integer entry takes (encoding, data, backlen). */
function lpIntBytes(v: number | bigint): number {
  if (typeof v === 'bigint') return 10;
  if (v >= 0 && v <= 127) return 2;
  if (v >= -4096 && v <= 4095) return 3;
  if (v >= -32768 && v <= 32767) return 4;
  if (v >= -8388608 && v <= 8388607) return 5;
  if (v >= -2147483648 && v <= 2147483647) return 6;
  return 10;
}

/** a - b of two 64-bit halves (each as high and low words) as Redis stores it: a signed 64-bit integer. */
function halfDiff(aHi: number, aLo: number, bHi: number, bLo: number): number | bigint {
  const dHi = aHi - bHi;
  if (dHi > -1048576 && dHi < 1048576) return dHi * TWO32 + (aLo - bLo);
  return BigInt.asIntN(64, ((BigInt(aHi) << 32n) | BigInt(aLo)) - ((BigInt(bHi) << 32n) | BigInt(bLo)));
}

// ---- Nodes ------------------------------------------------------------------------------------

/**
 * Per entry, the node's numbers are kept in one Uint32Array, ENTRY_WORDS words an entry: the ID's
 * four words (ms high, ms low, seq high, seq low), then where its strings start in data times 4
 * plus its flags (FLAG_DELETED, FLAG_SAMEFIELDS: two bits; a node has fewer than 2^29 strings,
 * each taking at least two of its listpack's at most 2^30 bytes). Why not an array of ID strings and arrays of numbers: every entry of a growing stream outlives
 * the young generation, and V8's scavenger copies each surviving string and array slot (twice,
 * once more when promoting it); a typed array's bytes live outside the heap and are never copied.
 */
const ENTRY_WORDS = 5;
const W_INFO = 4;
const FLAG_BITS = 3;
/**
 * A stream's first node starts with room for FIRST_CAPACITY entries and doubles, so that many
 * small streams each cost little. Once a stream has filled a node it is a growing one: its later
 * nodes are made for stream-node-max-entries entries at once when that is at most WHOLE_CAPACITY
 * (one allocation a node: each typed array's own memory is costly to allocate).
 */
const WHOLE_CAPACITY = 1024;
/** The longest packed string made (V8's longest is just under 2^29 characters). */
const PACKED_MAX_LENGTH = 2 ** 28;
const FIRST_CAPACITY = 16;

/** One listpack of Redis's stream: its master entry, then entries in ID order. */
export class StreamNode {
  /** The master entry's ID: the first entry added to the node (the rax key). */
  readonly masterId: StreamId;
  readonly masterFields: string[];
  /** Entries in the node, live and deleted. */
  count = 0;
  /** The entry table (see ENTRY_WORDS), with room for words.length / ENTRY_WORDS entries. */
  private words: Uint32Array;
  /**
   * Every entry's strings, one entry after another, as the listpack holds them: an entry with the
   * master entry's fields has only its values here, any other its fields and values. One flat
   * array rather than an array per entry: an entry then costs its strings and one slot each.
   * Made with room for a full node's values (see the constructor): its first dataLength slots
   * are used. Empty once the node is packed (see packed).
   */
  private data: string[];
  dataLength = 0;
  /**
   * A sealed node's strings joined into one (pack), and where each ends in it; ends is null while
   * the strings are in data. Why: a full node's strings would otherwise each outlive the young
   * generation and be copied by V8's scavenger, and each costs a string header and a slot; packed,
   * the node holds one string, and the separate ones die young. An entry's strings are made again
   * (sliced) when read.
   */
  private packed = '';
  private ends: Uint32Array | null = null;
  /** Live and deleted entries (the master entry's count and deleted). */
  live = 0;
  dead = 0;
  /** Bytes of the master entry's fields part (num-fields, the fields, the 0 terminator). */
  private readonly masterBytes: number;
  /** Bytes of all the entries. */
  private entryBytes = 0;
  /** The master ID's words, which each entry's listpack size and encoding are relative to. */
  private readonly m0: number;
  private readonly m1: number;
  private readonly m2: number;
  private readonly m3: number;
  /** The most entries the node will hold (stream-node-max-entries when it made it; 0: no limit). */
  private readonly maxEntries: number;

  /** sizeForFull: make room for maxEntries entries at once (see WHOLE_CAPACITY). */
  constructor(masterId: StreamId, masterFields: string[], maxEntries = 0, sizeForFull = false) {
    this.masterId = masterId;
    this.masterFields = masterFields;
    this.m0 = word(masterId, 0);
    this.m1 = word(masterId, 4);
    this.m2 = word(masterId, 8);
    this.m3 = word(masterId, 12);
    this.maxEntries = maxEntries;
    const whole = sizeForFull && maxEntries > 0 && maxEntries <= WHOLE_CAPACITY;
    this.words = new Uint32Array((whole ? maxEntries : FIRST_CAPACITY) * ENTRY_WORDS);
    // Room for maxEntries entries of the master entry's fields, rather than growing by copies.
    this.data = whole ? new Array<string>(maxEntries * masterFields.length) : [];
    let b = lpIntBytes(masterFields.length) + 2;
    for (const f of masterFields) b += lpPrepare(f);
    this.masterBytes = b;
  }

  /** The listpack's total size (lpBytes). */
  get bytes(): number {
    return LP_HDR_SIZE + 1 + lpIntBytes(this.live) + lpIntBytes(this.dead) + this.masterBytes + this.entryBytes;
  }

  /** Whether the fields of fv (from fv[from]) are the master entry's. */
  private sameFields(fv: readonly string[], from: number): boolean {
    const m = this.masterFields;
    if (fv.length - from !== m.length * 2) return false;
    for (let i = 0; i < m.length; i++) if (fv[from + i * 2] !== m[i]) return false;
    return true;
  }

  /** Room for one more entry in the table: double it, up to the node's entry limit. */
  private grow(): void {
    const old = this.words;
    let capacity = Math.max(FIRST_CAPACITY, (old.length / ENTRY_WORDS) * 2);
    if (this.maxEntries > this.count && capacity > this.maxEntries) capacity = this.maxEntries;
    const words = new Uint32Array(capacity * ENTRY_WORDS);
    words.set(old);
    this.words = words;
  }

  /**
   * Gives back the table's unused room once the node is full (no longer the tail), when at
   * least half of it is unused: a node ended early by stream-node-max-bytes holds few entries.
   */
  seal(): void {
    const used = this.count * ENTRY_WORDS;
    if (used * 2 <= this.words.length) this.words = this.words.slice(0, used);
    this.pack();
  }

  /** Joins the strings into packed (see there), unless they would pass V8's longest string. */
  private pack(): void {
    const n = this.dataLength;
    if (this.ends !== null || n === 0) return;
    const data = this.data;
    const ends = new Uint32Array(n);
    let total = 0;
    for (let j = 0; j < n; j++) {
      total += data[j].length;
      ends[j] = total;
    }
    // (Trimmed either way: a node ended early by stream-node-max-bytes leaves room unused.)
    data.length = n;
    if (total > PACKED_MAX_LENGTH) return;
    this.packed = data.join('');
    this.ends = ends;
    this.data = [];
  }

  /** Back from packed to one string a slot (before an append: see StreamValue.append). */
  private unpack(): void {
    const n = this.dataLength;
    const data: string[] = new Array<string>(n);
    for (let j = 0; j < n; j++) data[j] = this.str(j);
    this.data = data;
    this.packed = '';
    this.ends = null;
  }

  /** The node's string j (entryStart(i) to entryEnd(i) are entry i's). */
  str(j: number): string {
    const ends = this.ends;
    if (ends === null) return this.data[j];
    return this.packed.slice(j === 0 ? 0 : ends[j - 1], ends[j]);
  }

  /**
   * Appends an entry (streamAppendItem's listpack part): fields and values from fv[from] on.
   * same: whether it is stored as having the master entry's fields (by default, when it has).
   */
  append(id: StreamId, fv: readonly string[], from = 0, same = this.sameFields(fv, from)): void {
    const numfields = (fv.length - from) / 2;
    if (this.ends !== null) this.unpack();
    const data = this.data;
    let end = this.dataLength;
    const w0 = word(id, 0);
    const w1 = word(id, 4);
    const w2 = word(id, 8);
    const w3 = word(id, 12);
    if ((this.count + 1) * ENTRY_WORDS > this.words.length) this.grow();
    const words = this.words;
    const at = this.count * ENTRY_WORDS;
    words[at] = w0;
    words[at + 1] = w1;
    words[at + 2] = w2;
    words[at + 3] = w3;
    words[at + W_INFO] = end * 4 + (same ? FLAG_SAMEFIELDS : 0);
    let b = 2 + lpIntBytes(halfDiff(w0, w1, this.m0, this.m1)) + lpIntBytes(halfDiff(w2, w3, this.m2, this.m3));
    if (same) {
      // The field names are the master entry's (one copy per node, as in the listpack).
      for (let i = from + 1; i < fv.length; i += 2) {
        b += lpPrepare(fv[i]);
        data[end++] = fv[i];
      }
      b += lpIntBytes(numfields + 3);
    } else {
      b += lpIntBytes(numfields);
      for (let i = from; i < fv.length; i++) {
        b += lpPrepare(fv[i]);
        data[end++] = fv[i];
      }
      b += lpIntBytes(numfields * 2 + 4);
    }
    this.dataLength = end;
    this.entryBytes += b;
    this.count++;
    this.live++;
  }

  /** Entry i's ID. */
  idAt(i: number): StreamId {
    const words = this.words;
    const at = i * ENTRY_WORDS;
    return idOfWords(words[at], words[at + 1], words[at + 2], words[at + 3]);
  }

  /** Entry i's ID compared with the ID of words a, b, c, d: negative, 0 or positive. */
  compareAt(i: number, a: number, b: number, c: number, d: number): number {
    const words = this.words;
    const at = i * ENTRY_WORDS;
    return words[at] - a || words[at + 1] - b || words[at + 2] - c || words[at + 3] - d;
  }

  /** Entry i's ID compared with id: negative, 0 or positive. */
  compareWith(i: number, id: StreamId): number {
    return this.compareAt(i, word(id, 0), word(id, 4), word(id, 8), word(id, 12));
  }

  /** Whether entry i is stored with the master entry's fields (values only). */
  isSame(i: number): boolean {
    return (this.words[i * ENTRY_WORDS + W_INFO] & FLAG_SAMEFIELDS) !== 0;
  }

  /** Where entry i's strings start in data. */
  entryStart(i: number): number {
    return this.words[i * ENTRY_WORDS + W_INFO] >>> 2;
  }

  /** Where entry i's strings end in data. */
  entryEnd(i: number): number {
    return i + 1 < this.count ? this.words[(i + 1) * ENTRY_WORDS + W_INFO] >>> 2 : this.dataLength;
  }

  /** Entry i's fields and values as a new array [f1, v1, ...]. */
  entry(i: number): string[] {
    const start = this.entryStart(i);
    const end = this.entryEnd(i);
    if (!this.isSame(i)) {
      const fv: string[] = new Array(end - start);
      for (let j = start; j < end; j++) fv[j - start] = this.str(j);
      return fv;
    }
    const m = this.masterFields;
    const fv: string[] = new Array(m.length * 2);
    for (let k = 0; k < m.length; k++) {
      fv[2 * k] = m[k];
      fv[2 * k + 1] = this.str(start + k);
    }
    return fv;
  }

  /** Marks entry i deleted. */
  markDeleted(i: number): void {
    this.words[i * ENTRY_WORDS + W_INFO] |= FLAG_DELETED;
    this.live--;
    this.dead++;
  }

  isDeleted(i: number): boolean {
    return (this.words[i * ENTRY_WORDS + W_INFO] & FLAG_DELETED) !== 0;
  }

  /** The first index whose ID is >= the ID of words a, b, c, d (count when none). */
  lowerBoundWords(a: number, b: number, c: number, d: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.compareAt(mid, a, b, c, d) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The first index whose ID is >= id (count when none). */
  lowerBound(id: StreamId): number {
    return this.lowerBoundWords(word(id, 0), word(id, 4), word(id, 8), word(id, 12));
  }

  /** The node's last entry ID (deleted or not). */
  get lastId(): StreamId {
    return this.idAt(this.count - 1);
  }

  /** A copy (COPY). */
  dup(): StreamNode {
    const n = new StreamNode(this.masterId, this.masterFields, this.maxEntries);
    n.words = this.words.slice();
    // A packed node's string and ends are never changed, only replaced: the copy shares them.
    n.packed = this.packed;
    n.ends = this.ends;
    if (this.ends === null) for (let i = 0; i < this.dataLength; i++) n.data[i] = this.data[i];
    n.dataLength = this.dataLength;
    n.count = this.count;
    n.live = this.live;
    n.dead = this.dead;
    n.entryBytes = this.entryBytes;
    return n;
  }

  /** The node's listpack, byte for byte as Redis builds it (for RDB and DUMP). */
  encode(): Buffer {
    const total = this.bytes;
    const buf = Buffer.allocUnsafe(total);
    let p = LP_HDR_SIZE;
    let count = 0;
    const put = (s: string): void => {
      lpPrepare(s);
      p = lpWritePrepared(buf, p, s);
      count++;
    };
    const putInt = (v: number | bigint): void => put(String(v));
    const m = this.masterFields;
    putInt(this.live);
    putInt(this.dead);
    putInt(m.length);
    for (const f of m) put(f);
    putInt(0);
    const words = this.words;
    for (let i = 0; i < this.count; i++) {
      const at = i * ENTRY_WORDS;
      const flags = words[at + W_INFO] & FLAG_BITS;
      const start = this.entryStart(i);
      const end = this.entryEnd(i);
      putInt(flags);
      putInt(halfDiff(words[at], words[at + 1], this.m0, this.m1));
      putInt(halfDiff(words[at + 2], words[at + 3], this.m2, this.m3));
      if (flags & FLAG_SAMEFIELDS) {
        for (let j = start; j < end; j++) put(this.str(j));
        putInt(end - start + 3);
      } else {
        const numfields = (end - start) / 2;
        putInt(numfields);
        for (let j = start; j < end; j++) put(this.str(j));
        putInt(numfields * 2 + 4);
      }
    }
    buf[p++] = LP_EOF;
    lpWriteHeader(buf, 0, p - LP_HDR_SIZE - 1, count);
    return p === total ? buf : buf.subarray(0, p);
  }

  /**
   * A node from a listpack read from RDB (its master ID is the rax key): null when the listpack
   * does not hold a valid stream node.
   */
  static decode(masterId: StreamId, elements: readonly string[]): StreamNode | null {
    let p = 0;
    const next = (): string | undefined => elements[p++];
    const int = (): number | null => {
      const s = next();
      if (s === undefined || !/^-?[0-9]+$/.test(s)) return null;
      return Number(s);
    };
    const live = int();
    const dead = int();
    const mcount = int();
    if (live === null || dead === null || mcount === null || mcount < 0 || mcount > elements.length) return null;
    const masterFields: string[] = [];
    for (let i = 0; i < mcount; i++) {
      const f = next();
      if (f === undefined) return null;
      masterFields.push(f);
    }
    if (int() !== 0) return null;
    const node = new StreamNode(masterId, masterFields);
    const mMs = bigHalf(masterId, 0);
    const mSeq = bigHalf(masterId, 8);
    while (p < elements.length) {
      const flags = int();
      const dms = next();
      const dseq = next();
      if (flags === null || dms === undefined || dseq === undefined || !/^-?[0-9]+$/.test(dms) || !/^-?[0-9]+$/.test(dseq)) return null;
      const id = makeBigId(BigInt.asUintN(64, mMs + BigInt(dms)), BigInt.asUintN(64, mSeq + BigInt(dseq)));
      const fv: string[] = [];
      if (flags & FLAG_SAMEFIELDS) {
        for (let i = 0; i < mcount; i++) {
          const v = next();
          if (v === undefined) return null;
          fv.push(masterFields[i], v);
        }
      } else {
        const n = int();
        if (n === null || n < 0 || p + 2 * n > elements.length) return null;
        for (let i = 0; i < 2 * n; i++) fv.push(next()!);
      }
      // lp-count: the entry's own elements after its flags (values + 3 with SAMEFIELDS, else
      // fields and values + 4), as Redis's deep check requires.
      const lpCount = int();
      if (lpCount === null || lpCount !== (flags & FLAG_SAMEFIELDS ? mcount + 3 : fv.length + 4)) return null;
      if (node.count !== 0 && id <= node.lastId) return null;
      // Stored as the file says (SAMEFIELDS or not), so it is written back the same.
      node.append(id, fv, 0, (flags & FLAG_SAMEFIELDS) !== 0);
      if (flags & FLAG_DELETED) node.markDeleted(node.count - 1);
    }
    if (node.live !== live || node.dead !== dead) return null;
    node.seal();
    return node;
  }
}

// ---- Consumer groups --------------------------------------------------------------------------

/** The first index of a sorted array whose ID is >= id (> id when strict). */
function boundIn(order: readonly StreamId[], id: StreamId, strict: boolean): number {
  let lo = 0;
  let hi = order.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (order[mid] < id || (strict && order[mid] === id)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A pending entry (Redis's streamNACK): delivered, not yet acknowledged. */
export class StreamNack {
  constructor(
    public consumer: StreamConsumer | null,
    public deliveryTime: number,
    public deliveryCount: number,
  ) {}
}

/**
 * A pending entries list: IDs in order (XPENDING ranges, XAUTOCLAIM, history reads) and by key.
 * The order is kept in an array of IDs that only grows at the end in the common case (entries
 * delivered in ID order); a removed ID stays in it until enough accumulate to compact it, and
 * an ID added out of order marks the array for sorting before its next ordered use.
 */
export class PendingList {
  readonly map = new Map<StreamId, StreamNack>();
  private order: StreamId[] = [];
  private stale = 0;
  private unsorted = false;

  get size(): number {
    return this.map.size;
  }

  get(id: StreamId): StreamNack | undefined {
    return this.map.get(id);
  }

  set(id: StreamId, nack: StreamNack): void {
    if (this.map.has(id)) {
      this.map.set(id, nack);
      return;
    }
    this.map.set(id, nack);
    const order = this.order;
    if (order.length !== 0 && order[order.length - 1] >= id) this.unsorted = true;
    order.push(id);
  }

  delete(id: StreamId): boolean {
    if (!this.map.delete(id)) return false;
    if (++this.stale > 32 && this.stale > this.map.size) this.compact();
    return true;
  }

  private compact(): void {
    if (this.unsorted) {
      this.sortNow();
      return;
    }
    const map = this.map;
    this.order = this.order.filter((id) => map.has(id));
    this.stale = 0;
  }

  private sortNow(): void {
    this.order = [...this.map.keys()].sort();
    this.stale = 0;
    this.unsorted = false;
  }

  /** The IDs in order (live ones, and possibly removed ones that callers skip). */
  private sorted(): StreamId[] {
    if (this.unsorted) this.sortNow();
    return this.order;
  }

  /** Iterates the pending IDs >= start in order. The list may change between steps. */
  *from(start: StreamId = ID_MIN): Generator<[StreamId, StreamNack]> {
    let order = this.sorted();
    let i = boundIn(order, start, false);
    let last: StreamId | null = null;
    for (;;) {
      if (order !== this.order) {
        // Compacted or sorted meanwhile: find the place again.
        order = this.sorted();
        i = last === null ? boundIn(order, start, false) : boundIn(order, last, true);
      }
      if (i >= order.length) return;
      const id = order[i++];
      const nack = this.map.get(id);
      if (nack === undefined) continue;
      last = id;
      yield [id, nack];
    }
  }

  first(): StreamId | null {
    const order = this.sorted();
    for (let i = 0; i < order.length; i++) if (this.map.has(order[i])) return order[i];
    return null;
  }

  last(): StreamId | null {
    const order = this.sorted();
    for (let i = order.length - 1; i >= 0; i--) if (this.map.has(order[i])) return order[i];
    return null;
  }
}

export class StreamConsumer {
  readonly pel = new PendingList();
  constructor(
    readonly name: string,
    /** When the consumer last asked for entries (XREADGROUP, XCLAIM, XAUTOCLAIM), unix ms. */
    public seenTime: number,
    /** When it last got one (7.2's active time), or -1 before that. */
    public activeTime = -1,
  ) {}
}

export class ConsumerGroup {
  readonly pel = new PendingList();
  readonly consumers = new Map<string, StreamConsumer>();
  constructor(
    public lastId: StreamId,
    /** The logical read counter of lastId; ENTRIES_READ_INVALID when unknown. */
    public entriesRead: number,
  ) {}

  /** The consumers in name order (as Redis's rax lists them). */
  sortedConsumers(): StreamConsumer[] {
    return [...this.consumers.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Removes a consumer and its pending entries from the group's PEL (streamDelConsumer). */
  deleteConsumer(consumer: StreamConsumer): void {
    for (const id of consumer.pel.map.keys()) this.pel.delete(id);
    this.consumers.delete(consumer.name);
  }
}

// ---- The stream -------------------------------------------------------------------------------

/** Where an entry is: a node index and an index in it. */
export interface EntryRef {
  node: StreamNode;
  index: number;
}

export class StreamValue extends RObject {
  readonly type = 'stream';
  /** The nodes in ID order (Redis's rax of listpacks). */
  nodes: StreamNode[] = [];
  /** Live entries. */
  length = 0;
  lastId: StreamId = ID_MIN;
  /** recorded-first-entry-id */
  firstId: StreamId = ID_MIN;
  maxDeletedId: StreamId = ID_MIN;
  entriesAdded = 0;
  /** Consumer groups by name; null until the first is created. */
  groups: Map<string, ConsumerGroup> | null = null;

  encoding(): string {
    return 'stream';
  }

  /** The next automatic ID after lastId at time nowMs (streamNextID); null if none is left. */
  nextId(nowMs: number): StreamId | null {
    // nowMs-0 when that is past the last ID, i.e. when nowMs is past its ms (compared by words).
    const last = this.lastId;
    const hi = highWord(nowMs);
    const lo = lowWord(nowMs);
    const lastHi = word(last, 0);
    if (hi > lastHi || (hi === lastHi && lo > word(last, 4))) return idOfWords(hi, lo, 0, 0);
    return idIncr(last);
  }

  /**
   * Appends an entry with a given ID (greater than lastId: the caller checked), as
   * streamAppendItem: into the tail node unless that is full by stream-node-max-bytes /
   * stream-node-max-entries.
   */
  append(id: StreamId, fv: readonly string[], maxBytes: number, maxEntries: number, from = 0): void {
    const nodes = this.nodes;
    let tail = nodes.length === 0 ? null : nodes[nodes.length - 1];
    if (tail !== null) {
      let total = 0;
      for (let i = from; i < fv.length; i++) total += fv[i].length;
      const limit = maxBytes === 0 || maxBytes > STREAM_LISTPACK_MAX_SIZE ? STREAM_LISTPACK_MAX_SIZE : maxBytes;
      if (tail.bytes + total >= limit || (maxEntries !== 0 && tail.live + tail.dead >= maxEntries)) {
        tail.seal();
        tail = null;
      }
    }
    if (tail === null) {
      const m: string[] = [];
      for (let i = from; i < fv.length; i += 2) m.push(fv[i]);
      tail = new StreamNode(id, m, maxEntries, nodes.length !== 0);
      nodes.push(tail);
    }
    tail.append(id, fv, from);
    this.length++;
    this.entriesAdded++;
    this.lastId = id;
    if (this.length === 1) this.firstId = id;
  }

  /** The index of the last node whose master ID is <= id (0 when none). */
  private nodeFor(id: StreamId): number {
    const nodes = this.nodes;
    let lo = 0;
    let hi = nodes.length - 1;
    let found = 0;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (nodes[mid].masterId <= id) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  /** Where the live entry id is, or null. */
  find(id: StreamId): EntryRef | null {
    if (this.nodes.length === 0) return null;
    const node = this.nodes[this.nodeFor(id)];
    const i = node.lowerBound(id);
    if (i < node.count && node.compareWith(i, id) === 0 && !node.isDeleted(i)) return { node, index: i };
    return null;
  }

  /** The live entry id (streamEntryExists and the entry), or null. */
  get(id: StreamId): EntryRef | null {
    return this.find(id);
  }

  /**
   * Calls fn with each live entry in [start, end] in order (reversed with rev), until count
   * entries (0: all) or fn returns false. Returns how many were visited.
   */
  range(start: StreamId, end: StreamId, count: number, rev: boolean, fn: (id: StreamId, node: StreamNode, index: number) => boolean | void): number {
    const nodes = this.nodes;
    if (nodes.length === 0 || start > end) return 0;
    let n = 0;
    // The bounds' words, compared with the nodes' entries without making their ID strings.
    const s0 = word(start, 0);
    const s1 = word(start, 4);
    const s2 = word(start, 8);
    const s3 = word(start, 12);
    const e0 = word(end, 0);
    const e1 = word(end, 4);
    const e2 = word(end, 8);
    const e3 = word(end, 12);
    if (!rev) {
      for (let ni = this.nodeFor(start); ni < nodes.length; ni++) {
        const node = nodes[ni];
        if (node.masterId > end) break;
        const entries = node.count;
        for (let i = node.lowerBoundWords(s0, s1, s2, s3); i < entries; i++) {
          if (node.compareAt(i, e0, e1, e2, e3) > 0) return n;
          if (node.isDeleted(i)) continue;
          n++;
          if (fn(node.idAt(i), node, i) === false) return n;
          if (count !== 0 && n >= count) return n;
        }
      }
      return n;
    }
    for (let ni = this.nodeFor(end); ni >= 0; ni--) {
      const node = nodes[ni];
      const entries = node.count;
      if (entries !== 0 && node.compareAt(entries - 1, s0, s1, s2, s3) < 0) break;
      let i = node.lowerBoundWords(e0, e1, e2, e3);
      if (i === entries || node.compareAt(i, e0, e1, e2, e3) > 0) i--;
      for (; i >= 0; i--) {
        if (node.compareAt(i, s0, s1, s2, s3) < 0) return n;
        if (node.isDeleted(i)) continue;
        n++;
        if (fn(node.idAt(i), node, i) === false) return n;
        if (count !== 0 && n >= count) return n;
      }
    }
    return n;
  }

  /** The first (or last) live entry's ID, or null when empty. */
  edge(first: boolean): StreamId | null {
    let found: StreamId | null = null;
    this.range(ID_MIN, ID_MAX, 1, !first, (id) => {
      found = id;
    });
    return found;
  }

  /** The last live entry's ID (streamLastValidID); 0-0 when empty. */
  lastValidId(): StreamId {
    return this.edge(false) ?? ID_MIN;
  }

  /** Deletes the live entry id (streamDeleteItem); false when there is none. */
  delete(id: StreamId): boolean {
    if (this.nodes.length === 0) return false;
    const ni = this.nodeFor(id);
    const node = this.nodes[ni];
    const i = node.lowerBound(id);
    if (i >= node.count || node.compareWith(i, id) !== 0 || node.isDeleted(i)) return false;
    if (node.live === 1) this.nodes.splice(ni, 1);
    else node.markDeleted(i);
    this.length--;
    return true;
  }

  /** XDEL of several IDs: deletes them, updating the first and max-deleted IDs. */
  deleteIds(ids: readonly StreamId[]): number {
    let deleted = 0;
    let firstGone = false;
    for (const id of ids) {
      if (!this.delete(id)) continue;
      if (id === this.firstId) firstGone = true;
      if (id > this.maxDeletedId) this.maxDeletedId = id;
      deleted++;
    }
    if (deleted !== 0) {
      if (this.length === 0) this.firstId = ID_MIN;
      else if (firstGone) this.firstId = this.edge(true) ?? ID_MAX;
    }
    return deleted;
  }

  /**
   * Trims from the head (streamTrim): by length (maxlen >= 0) or by ID (minid), exactly or (approx)
   * only whole nodes, doing at most limit entries' work (0: no limit). Returns how many went.
   */
  trim(maxlen: number, minid: StreamId | null, approx: boolean, limit: number): number {
    const nodes = this.nodes;
    let deleted = 0;
    let removeNodes = 0;
    for (let ni = 0; ni < nodes.length; ni++) {
      if (minid === null && this.length <= maxlen) break;
      const node = nodes[ni];
      const entries = node.live;
      if (limit !== 0 && deleted + entries > limit) break;
      const whole = minid === null ? this.length - entries >= maxlen : node.lastId < minid;
      if (whole) {
        removeNodes++;
        this.length -= entries;
        deleted += entries;
        continue;
      }
      if (approx) break;
      let fromNode = 0;
      for (let i = 0; i < node.count; i++) {
        if (minid === null ? this.length <= maxlen : node.compareWith(i, minid) >= 0) break;
        if (!node.isDeleted(i)) {
          node.markDeleted(i);
          fromNode++;
          this.length--;
        }
      }
      deleted += fromNode;
      break;
    }
    if (removeNodes !== 0) nodes.splice(0, removeNodes);
    if (this.length === 0) this.firstId = ID_MIN;
    else if (deleted !== 0) this.firstId = this.edge(true) ?? ID_MAX;
    return deleted;
  }

  /** The first entry's ID including deleted ones (streamGetEdgeID(first, no skip)), or max. */
  firstIdWithTombstones(): StreamId {
    return this.nodes.length === 0 ? ID_MAX : this.nodes[0].idAt(0);
  }

  // ---- Groups ----

  group(name: string): ConsumerGroup | undefined {
    return this.groups?.get(name);
  }

  /** Creates a group (streamCreateCG); null when one has that name already. */
  createGroup(name: string, lastId: StreamId, entriesRead: number): ConsumerGroup | null {
    const groups = (this.groups ??= new Map());
    if (groups.has(name)) return null;
    const g = new ConsumerGroup(lastId, entriesRead);
    groups.set(name, g);
    return g;
  }

  /** The groups in name order. */
  sortedGroups(): Array<[string, ConsumerGroup]> {
    if (this.groups === null) return [];
    return [...this.groups.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }

  /** Whether [start, end] may hold a deleted entry (streamRangeHasTombstones). */
  rangeHasTombstones(start: StreamId, end: StreamId = ID_MAX): boolean {
    if (this.length === 0 || this.maxDeletedId === ID_MIN) return false;
    if (this.firstId > this.maxDeletedId) return false;
    return start <= this.maxDeletedId && this.maxDeletedId <= end;
  }

  /** streamEstimateDistanceFromFirstEverEntry: id's read counter, or ENTRIES_READ_INVALID. */
  estimateDistance(id: StreamId): number {
    if (this.entriesAdded === 0) return 0;
    if (this.length === 0 && id <= this.lastId) return this.entriesAdded;
    if (id === this.lastId) return this.entriesAdded;
    if (id > this.lastId) return ENTRIES_READ_INVALID;
    if (this.maxDeletedId === ID_MIN || this.maxDeletedId < this.firstId) {
      if (id < this.firstId) return this.entriesAdded - this.length;
      if (id === this.firstId) return this.entriesAdded - this.length + 1;
    }
    return ENTRIES_READ_INVALID;
  }

  /** A group's lag (streamReplyWithCGLag), or null when it cannot be known. */
  lag(g: ConsumerGroup): number | null {
    if (this.entriesAdded === 0) return 0;
    if (g.entriesRead !== ENTRIES_READ_INVALID && !this.rangeHasTombstones(g.lastId)) return this.entriesAdded - g.entriesRead;
    const read = this.estimateDistance(g.lastId);
    return read === ENTRIES_READ_INVALID ? null : this.entriesAdded - read;
  }

  /** The group's read counter after delivering id (streamReplyWithRange's update). */
  advanceGroup(g: ConsumerGroup, id: StreamId): void {
    if (g.entriesRead !== ENTRIES_READ_INVALID && !this.rangeHasTombstones(id)) g.entriesRead++;
    else if (this.entriesAdded !== 0) g.entriesRead = this.estimateDistance(id);
    g.lastId = id;
  }

  /** The number of nodes of Redis's rax holding the nodes' keys (XINFO radix-tree-nodes). */
  raxNodes(): number {
    return raxNodeCount(this.nodes.map((n) => n.masterId));
  }

  override dup(): StreamValue {
    const s = new StreamValue();
    s.nodes = this.nodes.map((n) => n.dup());
    s.length = this.length;
    s.lastId = this.lastId;
    s.firstId = this.firstId;
    s.maxDeletedId = this.maxDeletedId;
    s.entriesAdded = this.entriesAdded;
    if (this.groups !== null) {
      s.groups = new Map();
      for (const [name, g] of this.groups) {
        const copy = new ConsumerGroup(g.lastId, g.entriesRead);
        const nacks = new Map<StreamNack, StreamNack>();
        for (const [id, nack] of g.pel.from()) {
          const n = new StreamNack(null, nack.deliveryTime, nack.deliveryCount);
          nacks.set(nack, n);
          copy.pel.set(id, n);
        }
        for (const c of g.consumers.values()) {
          const cc = new StreamConsumer(c.name, c.seenTime, c.activeTime);
          for (const [id, nack] of c.pel.from()) {
            const n = nacks.get(nack)!;
            n.consumer = cc;
            cc.pel.set(id, n);
          }
          copy.consumers.set(c.name, cc);
        }
        s.groups.set(name, copy);
      }
    }
    return s;
  }
}

/**
 * How many nodes Redis's rax uses for a set of distinct 16-byte keys (sorted): the root, each
 * branching point and each leaf, and one node for each chain of single-child steps (which rax
 * compresses into one node). Computed over the sorted keys from the lengths of their common
 * prefixes, without building the tree.
 */
export function raxNodeCount(sortedKeys: readonly string[]): number {
  const n = sortedKeys.length;
  if (n === 0) return 1;
  const lcp: number[] = [];
  for (let i = 0; i + 1 < n; i++) {
    const a = sortedKeys[i];
    const b = sortedKeys[i + 1];
    let d = 0;
    while (d < 16 && a.charCodeAt(d) === b.charCodeAt(d)) d++;
    lcp.push(d);
  }
  // Walk the trie of the keys recursively over ranges [lo, hi) whose keys share depth `depth`.
  // count(range, depth) counts the rax nodes from the trie node at `depth` (the start of a rax node).
  const count = (lo: number, hi: number, depth: number): number => {
    if (hi - lo === 1) return depth === 16 ? 1 : 2; // a chain to the leaf, then the leaf
    // The depth at which the range branches: the smallest common prefix inside it.
    let branch = 16;
    for (let i = lo; i + 1 < hi; i++) if (lcp[i] < branch) branch = lcp[i];
    let nodes = branch === depth ? 1 : 2; // a chain down to the branching node, then it
    let start = lo;
    for (let i = lo; i + 1 < hi; i++) {
      if (lcp[i] === branch) {
        nodes += count(start, i + 1, branch + 1);
        start = i + 1;
      }
    }
    nodes += count(start, hi, branch + 1);
    return nodes;
  };
  return count(0, n, 0);
}
