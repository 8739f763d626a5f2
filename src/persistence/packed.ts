// Redis's compact encodings as they appear inside RDB values (each stored as one string blob):
// listpack (Redis 7+: small hashes, sorted sets, list nodes, 7.2's small sets), ziplist (before
// 7.0), zipmap (hashes before 2.6) and intset (sets of integers). Every one can be read, so files
// and DUMP payloads of any Redis load; listpack and intset are also written, byte for byte as
// Redis writes them, so nodis's DUMP payloads equal Redis's.
//
// Entries are byte strings (one-byte JS strings); integer entries come back as their decimal text.
// A malformed blob calls fail(reason), which throws (the RDB reader reports the place).

/** Reports a malformed blob; never returns. */
export type Fail = (reason: string) => never;

/**
 * string2ll / lpStringToInt64: a canonical 64-bit integer, else null. A number when it has at
 * most 15 digits (exact), else a bigint.
 */
function canonicalInt(s: string): number | bigint | null {
  const n = s.length;
  if (n === 0 || n > 20) return null;
  let i = 0;
  if (s.charCodeAt(0) === 45) {
    if (n === 1) return null;
    i = 1;
  }
  const first = s.charCodeAt(i);
  if (first === 48) return n === 1 ? 0 : null;
  for (let j = i; j < n; j++) {
    const c = s.charCodeAt(j);
    if (c < 48 || c > 57) return null;
  }
  if (n <= 15) return Number(s);
  const v = BigInt(s);
  return v > 0x7fffffffffffffffn || v < -0x8000000000000000n ? null : v;
}

// ---------------------------------------------------------------------------------------------
// listpack

const LP_HDR = 6;
const LP_EOF = 0xff;

/** Bytes of a backlen for an entry of l bytes (lpEncodeBacklen). */
function backlenSize(l: number): number {
  if (l <= 127) return 1;
  if (l < 16383) return 2;
  if (l < 2097151) return 3;
  if (l < 268435455) return 4;
  return 5;
}

function writeBacklen(out: Buffer, at: number, l: number): number {
  const n = backlenSize(l);
  // The first byte holds the highest 7 bits; the others carry the continuation bit.
  for (let i = n - 1; i >= 0; i--) {
    const shift = 7 * (n - 1 - i);
    const bits = Math.floor(l / 2 ** shift) & 127;
    out[at + i] = i === 0 ? bits : bits | 128;
  }
  return n;
}

/** The bytes an entry's encoding takes, without its backlen (lpEncodeGetType). */
function entrySize(s: string, v: number | bigint | null): number {
  if (v !== null) {
    if (v >= 0 && v <= 127) return 1;
    if (v >= -4096 && v <= 4095) return 2;
    if (v >= -32768 && v <= 32767) return 3;
    if (v >= -8388608 && v <= 8388607) return 4;
    if (v >= -2147483648 && v <= 2147483647) return 5;
    return 9;
  }
  const len = s.length;
  return len < 64 ? 1 + len : len < 4096 ? 2 + len : 5 + len;
}

/** Writes an entry's encoding at out[at] (lpEncodeIntegerGetType / lpEncodeString). */
function writeEntry(out: Buffer, at: number, s: string, v: number | bigint | null, size: number): void {
  if (v !== null) {
    const n = Number(v);
    switch (size) {
      case 1:
        out[at] = n;
        return;
      case 2: {
        const u = n < 0 ? 8192 + n : n;
        out[at] = (u >> 8) | 0xc0;
        out[at + 1] = u & 0xff;
        return;
      }
      case 3:
        out[at] = 0xf1;
        out.writeInt16LE(n, at + 1);
        return;
      case 4:
        out[at] = 0xf2;
        out.writeIntLE(n, at + 1, 3);
        return;
      case 5:
        out[at] = 0xf3;
        out.writeInt32LE(n, at + 1);
        return;
      default:
        out[at] = 0xf4;
        out.writeBigInt64LE(BigInt(v), at + 1);
        return;
    }
  }
  const len = s.length;
  if (len < 64) {
    out[at] = 0x80 | len;
    at += 1;
  } else if (len < 4096) {
    out[at] = 0xe0 | (len >> 8);
    out[at + 1] = len & 0xff;
    at += 2;
  } else {
    out[at] = 0xf0;
    out.writeUInt32LE(len, at + 1);
    at += 5;
  }
  out.write(s, at, len, 'latin1');
}

/** A listpack holding entries, in order: the bytes Redis builds with lpAppend. */
export function encodeListpack(entries: readonly string[]): Buffer {
  const n = entries.length;
  const ints = new Array<number | bigint | null>(n);
  const sizes = new Array<number>(n);
  let total = LP_HDR + 1;
  for (let i = 0; i < n; i++) {
    const v = canonicalInt(entries[i]);
    const size = entrySize(entries[i], v);
    ints[i] = v;
    sizes[i] = size;
    total += size + backlenSize(size);
  }
  const out = Buffer.allocUnsafe(total);
  out.writeUInt32LE(total, 0);
  out.writeUInt16LE(n < 65535 ? n : 65535, 4);
  let at = LP_HDR;
  for (let i = 0; i < n; i++) {
    writeEntry(out, at, entries[i], ints[i], sizes[i]);
    at += sizes[i];
    at += writeBacklen(out, at, sizes[i]);
  }
  out[at] = LP_EOF;
  return out;
}

/** The entries of a listpack, checking its structure (lpValidateIntegrity, deep). */
export function decodeListpack(buf: Buffer, fail: Fail): string[] {
  if (buf.length < LP_HDR + 1) fail('listpack too short');
  const total = buf.readUInt32LE(0);
  if (total !== buf.length) fail('listpack size does not match its header');
  const declared = buf.readUInt16LE(4);
  const out: string[] = [];
  let p = LP_HDR;
  const end = buf.length - 1;
  if (buf[end] !== LP_EOF) fail('listpack does not end with its terminator');
  while (p < end) {
    const b = buf[p];
    let header: number;
    let len: number;
    let value = '';
    let isString = false;
    if ((b & 0x80) === 0) {
      header = 1;
      len = 0;
      value = String(b);
    } else if ((b & 0xc0) === 0x80) {
      header = 1;
      len = b & 0x3f;
      isString = true;
    } else if ((b & 0xe0) === 0xc0) {
      if (p + 2 > end) fail('listpack entry out of range');
      header = 2;
      len = 0;
      let v = ((b & 0x1f) << 8) | buf[p + 1];
      if (v >= 4096) v -= 8192;
      value = String(v);
    } else if ((b & 0xf0) === 0xe0) {
      if (p + 2 > end) fail('listpack entry out of range');
      header = 2;
      len = ((b & 0x0f) << 8) | buf[p + 1];
      isString = true;
    } else if (b === 0xf0) {
      if (p + 5 > end) fail('listpack entry out of range');
      header = 5;
      len = buf.readUInt32LE(p + 1);
      isString = true;
    } else if (b >= 0xf1 && b <= 0xf4) {
      const width = b === 0xf1 ? 2 : b === 0xf2 ? 3 : b === 0xf3 ? 4 : 8;
      if (p + 1 + width > end) fail('listpack entry out of range');
      header = 1 + width;
      len = 0;
      if (width === 2) value = String(buf.readInt16LE(p + 1));
      else if (width === 3) value = String(buf.readIntLE(p + 1, 3));
      else if (width === 4) value = String(buf.readInt32LE(p + 1));
      else value = buf.readBigInt64LE(p + 1).toString();
    } else {
      return fail(`invalid listpack entry encoding 0x${b.toString(16)}`);
    }
    const entryLen = header + len;
    if (p + entryLen > end) fail('listpack entry out of range');
    if (isString) value = buf.toString('latin1', p + header, p + entryLen);
    const back = backlenSize(entryLen);
    if (p + entryLen + back > end) fail('listpack backlen out of range');
    // The backlen must read back as the entry's length.
    let decoded = 0;
    for (let i = 0; i < back; i++) decoded = decoded * 128 + (buf[p + entryLen + i] & 127);
    if (decoded !== entryLen) fail('listpack backlen does not match its entry');
    out.push(value);
    p += entryLen + back;
  }
  if (declared !== 65535 && declared !== out.length) fail('listpack count does not match its entries');
  return out;
}

// ---------------------------------------------------------------------------------------------
// ziplist (read only: Redis 7 converts ziplists to listpacks on load and never writes them)

const ZL_HDR = 10;
const ZL_END = 0xff;

/** The entries of a ziplist, checking its structure (ziplistValidateIntegrity, deep). */
export function decodeZiplist(buf: Buffer, fail: Fail): string[] {
  if (buf.length < ZL_HDR + 1) fail('ziplist too short');
  if (buf.readUInt32LE(0) !== buf.length) fail('ziplist size does not match its header');
  const tail = buf.readUInt32LE(4);
  const declared = buf.readUInt16LE(8);
  const end = buf.length - 1;
  if (buf[end] !== ZL_END) fail('ziplist does not end with its terminator');
  const out: string[] = [];
  let p = ZL_HDR;
  let prevLen = 0;
  let last = -1;
  while (p < end) {
    let q = p;
    let prev = buf[q++];
    if (prev === 0xfe) {
      if (q + 4 > end) fail('ziplist entry out of range');
      prev = buf.readUInt32LE(q);
      q += 4;
    } else if (prev === 0xff) {
      fail('invalid ziplist prevlen');
    }
    if (prev !== prevLen) fail('ziplist prevlen does not match the previous entry');
    if (q >= end) fail('ziplist entry out of range');
    const b = buf[q];
    let value: string;
    let size: number;
    const kind = b >> 6;
    if (kind === 0) {
      size = b & 0x3f;
      q += 1;
      if (q + size > end) fail('ziplist entry out of range');
      value = buf.toString('latin1', q, q + size);
    } else if (kind === 1) {
      if (q + 2 > end) fail('ziplist entry out of range');
      size = ((b & 0x3f) << 8) | buf[q + 1];
      q += 2;
      if (q + size > end) fail('ziplist entry out of range');
      value = buf.toString('latin1', q, q + size);
    } else if (kind === 2) {
      if (b !== 0x80 || q + 5 > end) fail('invalid ziplist entry encoding');
      size = buf.readUInt32BE(q + 1);
      q += 5;
      if (q + size > end) fail('ziplist entry out of range');
      value = buf.toString('latin1', q, q + size);
    } else {
      q += 1;
      if (b === 0xc0) {
        size = 2;
        if (q + size > end) fail('ziplist entry out of range');
        value = String(buf.readInt16LE(q));
      } else if (b === 0xd0) {
        size = 4;
        if (q + size > end) fail('ziplist entry out of range');
        value = String(buf.readInt32LE(q));
      } else if (b === 0xe0) {
        size = 8;
        if (q + size > end) fail('ziplist entry out of range');
        value = buf.readBigInt64LE(q).toString();
      } else if (b === 0xf0) {
        size = 3;
        if (q + size > end) fail('ziplist entry out of range');
        value = String(buf.readIntLE(q, 3));
      } else if (b === 0xfe) {
        size = 1;
        if (q + size > end) fail('ziplist entry out of range');
        value = String(buf.readInt8(q));
      } else if (b >= 0xf1 && b <= 0xfd) {
        size = 0;
        value = String((b & 0x0f) - 1);
      } else {
        return fail(`invalid ziplist entry encoding 0x${b.toString(16)}`);
      }
    }
    q += size;
    out.push(value);
    last = p;
    prevLen = q - p;
    p = q;
  }
  if (out.length > 0 && tail !== last) fail('ziplist tail offset does not match its last entry');
  if (declared !== 0xffff && declared !== out.length) fail('ziplist count does not match its entries');
  return out;
}

// ---------------------------------------------------------------------------------------------
// zipmap (read only: hashes written by Redis before 2.6)

/** The [field, value …] pairs of a zipmap (zipmapValidateIntegrity, deep). */
export function decodeZipmap(buf: Buffer, fail: Fail): string[] {
  if (buf.length < 2 || buf[buf.length - 1] !== 0xff) fail('zipmap does not end with its terminator');
  const end = buf.length - 1;
  const out: string[] = [];
  let p = 1;
  const length = (): number => {
    if (p >= end) fail('zipmap entry out of range');
    const b = buf[p];
    if (b < 254) {
      p += 1;
      return b;
    }
    if (b === 255 || p + 5 > end) fail('zipmap entry out of range');
    const n = buf.readUInt32LE(p + 1);
    p += 5;
    return n;
  };
  while (buf[p] !== 0xff) {
    const klen = length();
    if (p + klen > end) fail('zipmap entry out of range');
    const field = buf.toString('latin1', p, p + klen);
    p += klen;
    const vlen = length();
    if (p >= end) fail('zipmap entry out of range');
    const free = buf[p++];
    if (p + vlen + free > end) fail('zipmap entry out of range');
    out.push(field, buf.toString('latin1', p, p + vlen));
    p += vlen + free;
  }
  const count = out.length / 2;
  if (count === 0) fail('empty zipmap');
  if (buf[0] !== 254 && buf[0] !== count) fail('zipmap count does not match its entries');
  return out;
}

// ---------------------------------------------------------------------------------------------
// intset

/** An intset of canonical integer strings sorted by value, with width bytes per integer (2, 4, 8). */
export function encodeIntset(sorted: readonly string[], width: number): Buffer {
  const out = Buffer.allocUnsafe(8 + sorted.length * width);
  out.writeUInt32LE(width, 0);
  out.writeUInt32LE(sorted.length, 4);
  let at = 8;
  for (const s of sorted) {
    if (width === 2) out.writeInt16LE(Number(s), at);
    else if (width === 4) out.writeInt32LE(Number(s), at);
    else if (s.length <= 15) out.writeBigInt64LE(BigInt(Number(s)), at);
    else out.writeBigInt64LE(BigInt(s), at);
    at += width;
  }
  return out;
}

/** The integers of an intset in order, and its width (intsetValidateIntegrity, deep). */
export function decodeIntset(buf: Buffer, fail: Fail): { members: string[]; width: number } {
  if (buf.length < 8) fail('intset too short');
  const width = buf.readUInt32LE(0);
  if (width !== 2 && width !== 4 && width !== 8) fail(`invalid intset encoding ${width}`);
  const count = buf.readUInt32LE(4);
  if (8 + count * width !== buf.length) fail('intset size does not match its header');
  if (count === 0) fail('empty intset');
  const members = new Array<string>(count);
  let prev: number | bigint = -Infinity;
  for (let i = 0; i < count; i++) {
    const at = 8 + i * width;
    const v = width === 2 ? buf.readInt16LE(at) : width === 4 ? buf.readInt32LE(at) : buf.readBigInt64LE(at);
    if (v <= prev) fail('intset members out of order or repeated');
    prev = v;
    members[i] = String(v);
  }
  return { members, width };
}
