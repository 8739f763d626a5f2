// RDB, Redis's snapshot format: whole snapshots (SAVE, DEBUG RELOAD, start-up, and later
// BGSAVE and full resynchronisation of replicas) and single values (DUMP / RESTORE).
//
// A file is "REDIS" and a 4-digit version, then opcodes: AUX fields (name/value strings), one
// FUNCTION2 record per function library (its FUNCTION LOAD code), SELECTDB and RESIZEDB before
// each non-empty database, then per key its optional
// EXPIRETIME_MS / IDLE / FREQ, its value type byte, the key and the value; EOF, and a CRC-64 of
// everything before it (zero when checksums are off). A DUMP payload is a type byte and a value,
// the 2-byte RDB version and the CRC-64, both little endian.
//
// Value encodings live in a registry keyed by RDB object type: each data type registers the
// types it reads and how it writes itself (strings below; lists, hashes … register theirs).

import { closeSync, fsyncSync, openSync, readFileSync, readSync, renameSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Server } from '../server/server.js';
import type { Database } from '../keyspace/db.js';
import { stringValue, typeOf, type TypeName, type Value } from '../types/value.js';
import { ByteWriter } from '../util/bytes.js';
import { Crc64 } from '../util/crc64.js';
import { lzfCompress, lzfDecompress } from '../util/lzf.js';
import { atoi, d2string, parseInteger, strtodPrefix } from '../util/numbers.js';
import { strerror } from '../server/config.js';
import { REDIS_VERSION } from '../commands/server.js';
import { HashValue } from '../types/hash.js';
import { SetValue } from '../types/set.js';
import type { Config } from '../server/config.js';
import { decodeIntset, decodeListpack, decodeZiplist, decodeZipmap, encodeIntset, encodeListpack, type Fail } from './packed.js';
import { ListValue, getPackedThreshold } from '../types/list.js';
import { ConsumerGroup, ENTRIES_READ_INVALID, StreamConsumer, StreamNack, StreamNode, StreamValue, idMs, idSeq, makeBigId, type StreamId } from '../types/stream.js';
import { LP_EOF, LP_HDR_SIZE, lpCheck, lpPrepare, lpWriteHeader, lpWritePrepared } from '../types/listpack.js';
import { ZSetValue, DEFAULT_ZSET_LIMITS, type ZSetLimits } from '../types/zset.js';
import { scriptingIfUsed, scriptingOf } from '../scripting/lua.js';
import { FunctionLibraries } from '../scripting/functions.js';
import { removeQuietly } from '../util/files.js';
import { snapshotHistory } from '../replication/replica.js';
import { latin1Slice, latin1Text } from '../util/latin1.js';

/** The version nodis writes (Redis 7.0's). */
export const RDB_VERSION = 10;
/** The newest version nodis reads (Redis 7.2's). */
export const RDB_MAX_VERSION = 11;

// Opcodes (rdb.h)
const OP_FUNCTION2 = 245;
const OP_FUNCTION = 246;
const OP_MODULE_AUX = 247;
const OP_IDLE = 248;
const OP_FREQ = 249;
const OP_AUX = 250;
const OP_RESIZEDB = 251;
const OP_EXPIRETIME_MS = 252;
const OP_EXPIRETIME = 253;
const OP_SELECTDB = 254;
const OP_EOF = 255;

// Length encodings: the top two bits of the first byte.
const LEN_6BIT = 0;
const LEN_14BIT = 1;
const LEN_32BIT = 0x80;
const LEN_64BIT = 0x81;
const LEN_ENCVAL = 3;

// Special string encodings (after an ENCVAL length byte).
const ENC_INT8 = 0;
const ENC_INT16 = 1;
const ENC_INT32 = 2;
const ENC_LZF = 3;

export const RDB_TYPE_STRING = 0;

/** What each RDB object type holds, for error messages. */
const RDB_TYPE_NAMES: Record<number, string> = {
  0: 'string',
  1: 'list',
  2: 'set',
  3: 'zset',
  4: 'hash',
  5: 'zset, version 2',
  6: 'module',
  7: 'module, version 2',
  9: 'hash, zipmap',
  10: 'list, ziplist',
  11: 'set, intset',
  12: 'zset, ziplist',
  13: 'hash, ziplist',
  14: 'list, quicklist',
  15: 'stream, listpacks',
  16: 'hash, listpack',
  17: 'zset, listpack',
  18: 'list, quicklist 2',
  19: 'stream, listpacks 2',
  20: 'set, listpack',
  21: 'stream, listpacks 3',
};

/** rdbIsObjectType, as of RDB version 11: the bytes that may start a value. */
export function isObjectType(t: number): boolean {
  return (t >= 0 && t <= 7) || (t >= 9 && t <= 21);
}

function typeLabel(t: number): string {
  const name = RDB_TYPE_NAMES[t];
  return name ? `RDB type ${t} (${name})` : `RDB type ${t}`;
}

/** C's strtoll on a prefix of s (0 when there is no number), as Redis reads numeric AUX fields. */
function strtoll(s: string): number {
  const m = /^[ \t\n\v\f\r]*[+-]?\d+/.exec(s);
  return m ? Number(m[0].trim()) : 0;
}

/** A key or string as it appears in an error message: quoted, escaped, and cut when long. */
function printable(s: string, max = 64): string {
  let out = '';
  for (let i = 0; i < s.length && i < max; i++) {
    const b = s.charCodeAt(i);
    if (b === 0x5c || b === 0x27) out += '\\' + s[i];
    else if (b >= 0x20 && b < 0x7f) out += s[i];
    else out += `\\x${b.toString(16).padStart(2, '0')}`;
  }
  return `'${out}${s.length > max ? '...' : ''}'`;
}

// ---------------------------------------------------------------------------------------------
// Errors

/**
 * What went wrong reading RDB data: eof (the data ends early), corrupt (a byte that cannot be
 * there), checksum, signature and version (of a file or DUMP payload), unsupported (valid RDB
 * that nodis cannot hold yet: a type not built, module data), duplicate (a key loaded twice),
 * dbindex (more databases than configured), function (a library that cannot be created).
 */
export type RdbErrorKind =
  | 'eof'
  | 'function'
  | 'corrupt'
  | 'checksum'
  | 'signature'
  | 'version'
  | 'unsupported'
  | 'duplicate'
  | 'dbindex';

export class RdbError extends Error {
  constructor(
    readonly kind: RdbErrorKind,
    /** What is wrong, without the place. */
    readonly reason: string,
    /** Byte offset in the file or payload where it was found. */
    readonly offset: number,
    /** What was being read. */
    readonly context = '',
  ) {
    super(`${reason} at offset ${offset}${context ? ` (${context})` : ''}`);
    this.name = 'RdbError';
  }
}

// ---------------------------------------------------------------------------------------------
// Writing

/** Writes RDB data into a growing buffer. */
export class RdbWriter extends ByteWriter {
  /** Scratch space for LZF: the string's bytes and the compressed output. */
  private lzfIn: Buffer | null = null;
  private lzfOut: Buffer | null = null;

  constructor(
    /** rdbcompression: LZF for strings over 20 bytes when it saves at least 4. */
    readonly compress: boolean,
    initialSize = 1024,
  ) {
    super(initialSize);
  }

  /** rdbSaveLen: a 6-bit, 14-bit, 32-bit (big endian) or 64-bit length. */
  len(n: number): void {
    if (n < 1 << 6) {
      this.byte((LEN_6BIT << 6) | n);
    } else if (n < 1 << 14) {
      this.reserve(2);
      this.buf[this.pos++] = (LEN_14BIT << 6) | (n >>> 8);
      this.buf[this.pos++] = n & 0xff;
    } else if (n <= 0xffffffff) {
      this.reserve(5);
      this.buf[this.pos++] = LEN_32BIT;
      this.buf.writeUInt32BE(n, this.pos);
      this.pos += 4;
    } else {
      this.reserve(9);
      this.buf[this.pos++] = LEN_64BIT;
      this.buf.writeBigUInt64BE(BigInt(n), this.pos);
      this.pos += 8;
    }
  }

  /** A signed 64-bit little-endian integer (expiry times). */
  int64LE(v: number | bigint): void {
    this.reserve(8);
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) {
      this.buf.writeUInt32LE(v % 0x100000000, this.pos);
      this.buf.writeUInt32LE(Math.floor(v / 0x100000000), this.pos + 4);
    } else {
      this.buf.writeBigInt64LE(BigInt.asIntN(64, BigInt(v)), this.pos);
    }
    this.pos += 8;
  }

  /**
   * rdbSaveRawString: a string as Redis writes keys and string values. Up to 11 bytes that
   * spell a 32-bit integer exactly are stored as one (INT8/16/32); with compression on, over
   * 20 bytes, LZF when it saves at least 4 bytes; else the length and the bytes.
   */
  string(s: string): void {
    const n = s.length;
    if (n <= 11 && n > 0) {
      const v = parseInteger(s);
      if (v !== null && this.integer(v)) return;
    }
    if (this.compress && n > 20 && this.lzf(s)) return;
    this.len(n);
    if (n > 0) this.latin1(s);
  }

  /** rdbEncodeInteger: writes v as INT8/16/32 and returns true, or false when it does not fit. */
  integer(v: number): boolean {
    if (v >= -128 && v <= 127) {
      this.reserve(2);
      this.buf[this.pos++] = (LEN_ENCVAL << 6) | ENC_INT8;
      this.buf[this.pos++] = v & 0xff;
    } else if (v >= -32768 && v <= 32767) {
      this.reserve(3);
      this.buf[this.pos++] = (LEN_ENCVAL << 6) | ENC_INT16;
      this.buf.writeInt16LE(v, this.pos);
      this.pos += 2;
    } else if (v >= -2147483648 && v <= 2147483647) {
      this.reserve(5);
      this.buf[this.pos++] = (LEN_ENCVAL << 6) | ENC_INT32;
      this.buf.writeInt32LE(v, this.pos);
      this.pos += 4;
    } else {
      return false;
    }
    return true;
  }

  /** rdbSaveLzfStringObject: true if s was written compressed. */
  private lzf(s: string): boolean {
    const n = s.length;
    const outLen = n - 4;
    if (!this.lzfIn || this.lzfIn.length < n) {
      this.lzfIn = Buffer.allocUnsafe(Math.max(n, 256));
      this.lzfOut = Buffer.allocUnsafe(Math.max(n, 256));
    }
    const input = this.lzfIn;
    const out = this.lzfOut!;
    input.write(s, 0, 'latin1');
    const clen = lzfCompress(input, n, out, outLen);
    if (clen === 0) return false;
    this.byte((LEN_ENCVAL << 6) | ENC_LZF);
    this.len(clen);
    this.len(n);
    this.bytes(out, 0, clen);
    return true;
  }

  /** The bytes written so far (sharing memory with the writer). */
  finish(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

// ---------------------------------------------------------------------------------------------
// Reading

/**
 * The settings that decide a loaded collection's encoding (a value converts, as in Redis, when it
 * holds more than the compact encoding allows).
 */
export interface EncodingLimits {
  hashMaxListpackEntries: number;
  hashMaxListpackValue: number;
  setMaxIntsetEntries: number;
  /** list-max-listpack-size: how full a loaded list's nodes may get. */
  listMaxListpackSize: number;
  /** zset-max-listpack-entries/-value: the server's live object, which loaded sets keep. */
  zset: ZSetLimits;
}

/** Redis's defaults. */
export const DEFAULT_ENCODING_LIMITS: EncodingLimits = {
  hashMaxListpackEntries: 512,
  hashMaxListpackValue: 64,
  setMaxIntsetEntries: 512,
  listMaxListpackSize: -2,
  zset: DEFAULT_ZSET_LIMITS,
};

/** The encoding limits a server is configured with (zset: its live zsetLimits). */
export function encodingLimits(config: Config, zset: ZSetLimits): EncodingLimits {
  return {
    hashMaxListpackEntries: config.num('hash-max-listpack-entries'),
    hashMaxListpackValue: config.num('hash-max-listpack-value'),
    setMaxIntsetEntries: config.num('set-max-intset-entries'),
    listMaxListpackSize: config.num('list-max-listpack-size'),
    zset,
  };
}

/** Reads RDB data; every failure is an RdbError naming the offset. */
export class RdbReader {
  pos: number;
  /** What decides the encoding of the collections read. */
  limits: EncodingLimits = DEFAULT_ENCODING_LIMITS;
  /** What is being read, for error messages (a function when costly to build: called on failure). */
  doing: string | (() => string) = '';
  /** Set by lenOrEncoding(): the byte was an ENCVAL and the result is a string encoding. */
  encoded = false;

  constructor(
    readonly buf: Buffer,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  fail(kind: RdbErrorKind, reason: string, at = this.pos): never {
    throw new RdbError(kind, reason, at, typeof this.doing === 'string' ? this.doing : this.doing());
  }

  need(n: number): void {
    if (n > this.end - this.pos) this.fail('eof', 'Unexpected EOF');
  }

  byte(): number {
    if (this.pos >= this.end) this.fail('eof', 'Unexpected EOF');
    return this.buf[this.pos++];
  }

  /** n bytes, sharing memory with the input. */
  bytes(n: number): Buffer {
    this.need(n);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  int32LE(): number {
    this.need(4);
    const v = this.buf.readInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  int64LE(): bigint {
    this.need(8);
    const v = this.buf.readBigInt64LE(this.pos);
    this.pos += 8;
    return v;
  }

  uint64LE(): bigint {
    this.need(8);
    const v = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    return v;
  }

  /**
   * rdbLoadLenByRef: a length, or (encoded set) a special string encoding number. A 64-bit
   * length beyond 2^53 comes back rounded, which is still too large for any data to follow.
   */
  lenOrEncoding(): number {
    const at = this.pos;
    const first = this.byte();
    const type = first >>> 6;
    this.encoded = false;
    if (type === LEN_ENCVAL) {
      this.encoded = true;
      return first & 0x3f;
    }
    if (type === LEN_6BIT) return first & 0x3f;
    if (type === LEN_14BIT) return ((first & 0x3f) << 8) | this.byte();
    if (first === LEN_32BIT) {
      this.need(4);
      const v = this.buf.readUInt32BE(this.pos);
      this.pos += 4;
      return v;
    }
    if (first === LEN_64BIT) {
      this.need(8);
      const v = this.buf.readBigUInt64BE(this.pos);
      this.pos += 8;
      return Number(v);
    }
    return this.fail('corrupt', `Unknown length encoding ${type} in rdbLoadLen()`, at);
  }

  /** rdbLoadLen: like lenOrEncoding, but an encoding byte is taken as a 6-bit length, as Redis does. */
  len(): number {
    return this.lenOrEncoding();
  }

  /** rdbGenericLoadStringObject: a string in any of its encodings, as a one-byte JS string. */
  string(): string {
    const at = this.pos;
    const len = this.lenOrEncoding();
    if (this.encoded) {
      switch (len) {
        case ENC_INT8:
          this.need(1);
          return String(this.buf.readInt8(this.pos++));
        case ENC_INT16: {
          this.need(2);
          const v = this.buf.readInt16LE(this.pos);
          this.pos += 2;
          return String(v);
        }
        case ENC_INT32:
          return String(this.int32LE());
        case ENC_LZF:
          return this.lzfString();
        default:
          return this.fail('corrupt', `Unknown RDB string encoding type ${len}`, at);
      }
    }
    this.need(len);
    checkStringLength(this, len);
    const s = latin1Text(this.buf, this.pos, len);
    this.pos += len;
    return s;
  }

  /** rdbLoadLzfStringObject */
  private lzfString(): string {
    const clen = this.len();
    const len = this.len();
    const at = this.pos;
    this.need(clen);
    // A back reference of 3 bytes expands to at most 264: a longer result cannot be valid, and
    // checking first keeps a corrupt length from allocating gigabytes.
    if (len > clen * 88 + 32) this.fail('corrupt', 'Invalid LZF compressed string', at);
    checkStringLength(this, len);
    const out = Buffer.allocUnsafe(len);
    const n = lzfDecompress(this.buf, this.pos, this.pos + clen, out, len);
    if (n !== len) this.fail('corrupt', 'Invalid LZF compressed string', at);
    this.pos += clen;
    return latin1Slice(out, 0, len);
  }
}

/** V8 strings hold at most 2^29 - 24 one-byte characters. */
const MAX_STRING_LENGTH = 2 ** 29 - 24;

function checkStringLength(r: RdbReader, len: number): void {
  if (len > MAX_STRING_LENGTH) {
    r.fail('unsupported', `A string of ${len} bytes is longer than nodis can hold (${MAX_STRING_LENGTH})`);
  }
}

// ---------------------------------------------------------------------------------------------
// The value registry

/** How one data type is written to and read from RDB. */
export interface RdbTypeCodec {
  /** The value type (TYPE command) this codec writes. */
  readonly valueType: TypeName;
  /** The RDB object types it reads. */
  readonly rdbTypes: readonly number[];
  /** The RDB object type it writes for v (rdbSaveObjectType). */
  rdbType(v: Value): number;
  /** Writes v (rdbSaveObject). */
  save(w: RdbWriter, v: Value): void;
  /**
   * Reads a value of RDB object type rdbType (rdbLoadObject); errors through r.fail(). null for
   * an empty collection, which Redis skips in a file and refuses in a DUMP payload.
   */
  load(r: RdbReader, rdbType: number): Value | null;
}

const codecsByRdbType = new Map<number, RdbTypeCodec>();
const codecsByValueType = new Map<TypeName, RdbTypeCodec>();

/** Registers a data type's RDB encoding (later types replace earlier ones for the same keys). */
export function registerRdbType(codec: RdbTypeCodec): void {
  codecsByValueType.set(codec.valueType, codec);
  for (const t of codec.rdbTypes) codecsByRdbType.set(t, codec);
}

function codecFor(v: Value): RdbTypeCodec {
  const type = typeOf(v);
  const codec = codecsByValueType.get(type);
  if (!codec) throw new Error(`no RDB encoding for ${type} values yet`);
  return codec;
}

/** Reads one value of RDB object type `type` (the type byte already read); null: an empty collection. */
function loadValue(r: RdbReader, type: number, typeAt: number): Value | null {
  const codec = codecsByRdbType.get(type);
  if (!codec) {
    if (isObjectType(type)) r.fail('unsupported', `${typeLabel(type)} is not supported by nodis yet`, typeAt);
    r.fail('corrupt', `Unknown RDB encoding type ${type}`, typeAt);
  }
  return codec.load(r, type);
}

// Strings: type 0, written with rdbSaveStringObject (integer, LZF or plain encoding).
registerRdbType({
  valueType: 'string',
  rdbTypes: [RDB_TYPE_STRING],
  rdbType: () => RDB_TYPE_STRING,
  save(w, v) {
    w.string(stringValue(v)!);
  },
  load(r) {
    return r.string();
  },
});

// Lists: written as quicklist 2 (type 18): the node count, then per node its container (2: a
// listpack of the node's entries, stored as they are held; 1: one element past the packed
// threshold, "plain") and its bytes. Read from every type Redis has written: linked list (1),
// ziplist (10), quicklist of ziplists (14), quicklist 2 (18). Empty lists are skipped.
const RDB_TYPE_LIST = 1;
const RDB_TYPE_LIST_ZIPLIST = 10;
const RDB_TYPE_LIST_QUICKLIST = 14;
const RDB_TYPE_LIST_QUICKLIST_2 = 18;
const QUICKLIST_NODE_CONTAINER_PLAIN = 1;
const QUICKLIST_NODE_CONTAINER_PACKED = 2;

registerRdbType({
  valueType: 'list',
  rdbTypes: [RDB_TYPE_LIST, RDB_TYPE_LIST_ZIPLIST, RDB_TYPE_LIST_QUICKLIST, RDB_TYPE_LIST_QUICKLIST_2],
  rdbType: () => RDB_TYPE_LIST_QUICKLIST_2,
  save(w, v) {
    const first = (v as ListValue).nodes();
    let n = 0;
    for (let node = first; node !== null; node = node.next) n++;
    w.len(n);
    const threshold = getPackedThreshold();
    for (let node = first; node !== null; node = node.next) {
      if (node.plain !== null && node.plain.length >= threshold) {
        w.len(QUICKLIST_NODE_CONTAINER_PLAIN);
        w.string(node.plain);
        continue;
      }
      // A listpack: header, the entries, the terminator.
      let entries: Buffer;
      let start: number;
      let end: number;
      if (node.plain !== null) {
        entries = Buffer.allocUnsafe(lpPrepare(node.plain));
        start = 0;
        end = lpWritePrepared(entries, 0, node.plain);
      } else {
        entries = node.buf;
        start = node.start;
        end = node.end;
      }
      const lp = Buffer.allocUnsafe(end - start + LP_HDR_SIZE + 1);
      lpWriteHeader(lp, 0, end - start, node.count);
      entries.copy(lp, LP_HDR_SIZE, start, end);
      lp[lp.length - 1] = LP_EOF;
      w.len(QUICKLIST_NODE_CONTAINER_PACKED);
      w.string(lp.toString('latin1'));
    }
  },
  load(r, type) {
    // Nodes as the configured list-max-listpack-size makes them, as Redis's quicklistSetOptions.
    const list = new ListValue(r.limits.listMaxListpackSize);
    if (type === RDB_TYPE_LIST) {
      const n = r.len();
      for (let i = 0; i < n; i++) list.pushTail(r.string());
    } else if (type === RDB_TYPE_LIST_ZIPLIST) {
      const [zl, fail] = readBlob(r, 'List ziplist integrity check failed.');
      for (const s of decodeZiplist(zl, fail)) list.pushTail(s);
    } else {
      const nodes = r.len();
      for (let i = 0; i < nodes; i++) {
        const at = r.pos;
        let container = QUICKLIST_NODE_CONTAINER_PACKED;
        if (type === RDB_TYPE_LIST_QUICKLIST_2) {
          container = r.len();
          if (container !== QUICKLIST_NODE_CONTAINER_PACKED && container !== QUICKLIST_NODE_CONTAINER_PLAIN) {
            r.fail('corrupt', 'Quicklist integrity check failed.', at);
          }
        }
        const plain = container === QUICKLIST_NODE_CONTAINER_PLAIN;
        const [data, fail] = readBlob(
          r,
          plain || type === RDB_TYPE_LIST_QUICKLIST_2 ? 'Listpack integrity check failed.' : 'Ziplist integrity check failed.',
        );
        if (data.length === 0) fail('Quicklist node of zero bytes');
        if (container === QUICKLIST_NODE_CONTAINER_PLAIN) {
          list.appendPlain(data.toString('latin1'));
        } else if (type === RDB_TYPE_LIST_QUICKLIST_2) {
          const lp = lpCheck(data, 0, data.length);
          if (lp === null) return fail('Listpack integrity check failed.');
          // An empty listpack is skipped (an empty list in the end is an empty key).
          list.appendEntries(data, lp[0], lp[1], lp[2]);
        } else {
          // Each ziplist becomes one node, as Redis converts it.
          list.appendNode(decodeZiplist(data, fail));
        }
      }
    }
    if (list.length === 0) return null;
    list.loaded();
    return list;
  },
});

// ---------------------------------------------------------------------------------------------
// Hashes and sets (Redis 7.0's rdbSaveObject / rdbLoadObject for them)

const RDB_TYPE_SET = 2;
const RDB_TYPE_HASH = 4;
const RDB_TYPE_HASH_ZIPMAP = 9;
const RDB_TYPE_SET_INTSET = 11;
const RDB_TYPE_HASH_ZIPLIST = 13;
const RDB_TYPE_HASH_LISTPACK = 16;
const RDB_TYPE_SET_LISTPACK = 20;

/**
 * A blob (listpack, ziplist …) stored as an RDB string, as bytes (shared with the input when not
 * compressed), with a fail() that names where it started. label is Redis's report for a blob of
 * this kind that fails its integrity check ("Ziplist integrity check failed."): every failure
 * starts with it, so logs read as Redis's (its tests look for them), the detail following.
 */
function readBlob(r: RdbReader, label: string): [Buffer, Fail] {
  const at = r.pos;
  const fail = (reason: string): never => r.fail('corrupt', reason === label ? label : `${label} (${reason})`, at);
  const len = r.lenOrEncoding();
  if (!r.encoded) return [r.bytes(len), fail];
  r.pos = at;
  return [Buffer.from(r.string(), 'latin1'), fail];
}

/** True if a field of [field, value …] appears twice (a scan for small hashes, a Set for others). */
function hasRepeatedField(pairs: readonly string[]): boolean {
  if (pairs.length <= 32) {
    for (let i = 2; i < pairs.length; i += 2) for (let j = 0; j < i; j += 2) if (pairs[i] === pairs[j]) return true;
    return false;
  }
  const seen = new Set<string>();
  for (let i = 0; i < pairs.length; i += 2) {
    if (seen.has(pairs[i])) return true;
    seen.add(pairs[i]);
  }
  return false;
}

/**
 * A hash from [field, value …] read from a compact encoding: a listpack unless it holds more
 * pairs than hash-max-listpack-entries (or, for a zipmap, a longer field or value than
 * hash-max-listpack-value). Repeated fields are an error.
 */
function hashFromPairs(r: RdbReader, pairs: string[], fail: Fail, checkValues: boolean): HashValue | null {
  if (pairs.length % 2 !== 0) fail('Hash with an odd number of entries');
  if (pairs.length === 0) return null;
  if (hasRepeatedField(pairs)) fail('Hash with dup elements');
  let longest = 0;
  for (let i = 0; i < pairs.length; i++) if (pairs[i].length > longest) longest = pairs[i].length;
  const limits = r.limits;
  const listpack = pairs.length / 2 <= limits.hashMaxListpackEntries && (!checkValues || longest <= limits.hashMaxListpackValue);
  return HashValue.fromPairs(pairs, listpack);
}

registerRdbType({
  valueType: 'hash',
  rdbTypes: [RDB_TYPE_HASH, RDB_TYPE_HASH_ZIPMAP, RDB_TYPE_HASH_ZIPLIST, RDB_TYPE_HASH_LISTPACK],
  rdbType: (v) => ((v as HashValue).isListpack ? RDB_TYPE_HASH_LISTPACK : RDB_TYPE_HASH),
  save(w, v) {
    const h = v as HashValue;
    const pairs = h.pairs();
    if (h.isListpack) {
      w.string(encodeListpack(pairs).toString('latin1'));
      return;
    }
    w.len(h.size);
    for (const s of pairs) w.string(s);
  },
  load(r, type) {
    if (type === RDB_TYPE_HASH) {
      const len = r.len();
      if (len === 0) return null;
      const limits = r.limits;
      // Too many pairs for a listpack: a hashtable from the start; else a listpack until a field
      // or value is too long for one.
      let listpack = len <= limits.hashMaxListpackEntries;
      const at = r.pos;
      const pairs: string[] = [];
      for (let i = 0; i < len; i++) {
        const field = r.string();
        const value = r.string();
        if (field.length > limits.hashMaxListpackValue || value.length > limits.hashMaxListpackValue) listpack = false;
        pairs.push(field, value);
      }
      if (hasRepeatedField(pairs)) r.fail('corrupt', 'Duplicate hash fields detected', at);
      return HashValue.fromPairs(pairs, listpack);
    }
    const [blob, fail] = readBlob(
      r,
      type === RDB_TYPE_HASH_ZIPMAP
        ? 'Zipmap integrity check failed.'
        : type === RDB_TYPE_HASH_ZIPLIST
          ? 'Hash ziplist integrity check failed.'
          : 'Hash listpack integrity check failed.',
    );
    if (type === RDB_TYPE_HASH_ZIPMAP) return hashFromPairs(r, decodeZipmap(blob, fail), fail, true);
    if (type === RDB_TYPE_HASH_ZIPLIST) return hashFromPairs(r, decodeZiplist(blob, fail), fail, false);
    return hashFromPairs(r, decodeListpack(blob, fail), fail, false);
  },
});

registerRdbType({
  valueType: 'set',
  rdbTypes: [RDB_TYPE_SET, RDB_TYPE_SET_INTSET, RDB_TYPE_SET_LISTPACK],
  rdbType: (v) => ((v as SetValue).isIntset ? RDB_TYPE_SET_INTSET : RDB_TYPE_SET),
  save(w, v) {
    const s = v as SetValue;
    const members = s.members();
    if (s.isIntset) {
      w.string(encodeIntset(members, s.intWidth).toString('latin1'));
      return;
    }
    w.len(s.size);
    for (const m of members) w.string(m);
  },
  load(r, type) {
    const max = r.limits.setMaxIntsetEntries;
    if (type === RDB_TYPE_SET_INTSET) {
      const [blob, fail] = readBlob(r, 'Intset integrity check failed.');
      const { members, width } = decodeIntset(blob, fail);
      const s = SetValue.fromIntset(members, width);
      if (s.size > max) s.toHashtable();
      return s;
    }
    if (type === RDB_TYPE_SET) {
      const len = r.len();
      if (len === 0) return null;
      // Too many members for an intset: a hashtable from the start.
      const s = len > Math.min(max, 2 ** 30) ? SetValue.hashtable() : SetValue.intset();
      for (let i = 0; i < len; i++) {
        const at = r.pos;
        if (!s.add(r.string(), max)) r.fail('corrupt', 'Duplicate set members detected', at);
      }
      return s;
    }
    // Redis 7.2's listpack-encoded small set: held as 7.0 holds it (an intset or a hashtable).
    const [blob, fail] = readBlob(r, 'Set listpack integrity check failed.');
    const members = decodeListpack(blob, fail);
    if (members.length === 0) return null;
    const s = SetValue.forMember(members[0]);
    for (const m of members) if (!s.add(m, max)) fail('Duplicate set members detected');
    return s;
  },
});

// ---------------------------------------------------------------------------------------------
// Streams: RDB_TYPE_STREAM_LISTPACKS_2 as Redis 7.0 writes it; _1 (6.x) and _3 (7.2) are read.
//
//   nodes (len), then per node: its master ID (16 bytes) and its listpack
//   length, last ID (ms, seq), [_2+: first ID, max deleted ID, entries added]
//   groups (len), per group: name, last ID, [_2+: entries read], the PEL (len; per entry the ID
//   (16 bytes), delivery time (ms, 8 bytes LE), delivery count), consumers (len; per consumer:
//   name, seen time, [_3: active time], its PEL as IDs)

const RDB_TYPE_STREAM_LISTPACKS = 15;
const RDB_TYPE_STREAM_LISTPACKS_2 = 19;
const RDB_TYPE_STREAM_LISTPACKS_3 = 21;

/** rdbSaveLen of an unsigned 64-bit value (a number when exact, else a bigint). */
function lenU64(w: RdbWriter, v: number | bigint): void {
  if (typeof v === 'number') {
    w.len(v);
    return;
  }
  const b = Buffer.allocUnsafe(9);
  b[0] = LEN_64BIT;
  b.writeBigUInt64BE(BigInt.asUintN(64, v), 1);
  w.bytes(b);
}

/** rdbLoadLen exactly, as a bigint (IDs and counters up to 2^64-1). */
function readLenU64(r: RdbReader): bigint {
  const at = r.pos;
  if (r.byte() === LEN_64BIT) return r.bytes(8).readBigUInt64BE(0);
  r.pos = at;
  return BigInt(r.len());
}

function writeId(w: RdbWriter, id: StreamId): void {
  lenU64(w, idMs(id));
  lenU64(w, idSeq(id));
}

function readId(r: RdbReader): StreamId {
  const ms = readLenU64(r);
  return makeBigId(ms, readLenU64(r));
}

registerRdbType({
  valueType: 'stream',
  rdbTypes: [RDB_TYPE_STREAM_LISTPACKS, RDB_TYPE_STREAM_LISTPACKS_2, RDB_TYPE_STREAM_LISTPACKS_3],
  rdbType: () => RDB_TYPE_STREAM_LISTPACKS_2,
  save(w, v) {
    const s = v as StreamValue;
    w.len(s.nodes.length);
    for (const node of s.nodes) {
      w.string(node.masterId);
      w.string(node.encode().toString('latin1'));
    }
    w.len(s.length);
    writeId(w, s.lastId);
    writeId(w, s.firstId);
    writeId(w, s.maxDeletedId);
    w.len(s.entriesAdded);
    const groups = s.sortedGroups();
    w.len(groups.length);
    for (const [name, g] of groups) {
      w.string(name);
      writeId(w, g.lastId);
      lenU64(w, g.entriesRead === ENTRIES_READ_INVALID ? 2n ** 64n - 1n : g.entriesRead);
      w.len(g.pel.size);
      for (const [id, nack] of g.pel.from()) {
        w.latin1(id);
        w.int64LE(nack.deliveryTime);
        w.len(nack.deliveryCount);
      }
      const consumers = g.sortedConsumers();
      w.len(consumers.length);
      for (const consumer of consumers) {
        w.string(consumer.name);
        w.int64LE(consumer.seenTime);
        w.len(consumer.pel.size);
        for (const [id] of consumer.pel.from()) w.latin1(id);
      }
    }
  },
  load(r, type) {
    const s = new StreamValue();
    const nodes = r.len();
    for (let i = 0; i < nodes; i++) {
      const at = r.pos;
      const masterId = r.string();
      if (masterId.length !== 16) r.fail('corrupt', 'Stream node key entry is not the size of a stream ID', at);
      const [blob, fail] = readBlob(r, 'Stream listpack integrity check failed.');
      const elements = decodeListpack(blob, fail);
      if (elements.length === 0) fail('Empty listpack inside stream');
      const node = StreamNode.decode(masterId, elements);
      if (node === null || (s.nodes.length !== 0 && masterId <= s.nodes[s.nodes.length - 1].lastId)) {
        return fail('Bad data format');
      }
      s.nodes.push(node);
    }
    const lengthAt = r.pos;
    s.length = r.len();
    // Redis refuses a length with no nodes; nodis also one that differs from the entries the
    // nodes hold (XLEN and the entries would disagree).
    let live = 0;
    for (const node of s.nodes) live += node.live;
    if (s.length !== live) r.fail('corrupt', 'Stream length inconsistent with rax entries', lengthAt);
    const lastIdAt = r.pos;
    s.lastId = readId(r);
    // New IDs start after the last one: an entry beyond it would be overtaken by XADD *.
    const tail = s.nodes.length === 0 ? null : s.nodes[s.nodes.length - 1];
    if (tail !== null && tail.count !== 0 && tail.lastId > s.lastId) {
      r.fail('corrupt', "Stream's last ID is smaller than its last entry's", lastIdAt);
    }
    if (type === RDB_TYPE_STREAM_LISTPACKS) {
      s.entriesAdded = s.length;
      s.firstId = s.edge(true) ?? s.firstId;
    } else {
      s.firstId = readId(r);
      s.maxDeletedId = readId(r);
      s.entriesAdded = Number(readLenU64(r));
    }
    const ngroups = r.len();
    for (let i = 0; i < ngroups; i++) {
      const at = r.pos;
      const name = r.string();
      const lastId = readId(r);
      let entriesRead: number;
      if (type === RDB_TYPE_STREAM_LISTPACKS) entriesRead = s.estimateDistance(lastId);
      else entriesRead = Number(BigInt.asIntN(64, readLenU64(r)));
      const g: ConsumerGroup | null = s.createGroup(name, lastId, entriesRead);
      if (g === null) return r.fail('corrupt', `Duplicated consumer group name ${name}`, at);
      const pelSize = r.len();
      for (let j = 0; j < pelSize; j++) {
        const id = r.bytes(16).toString('latin1');
        const time = Number(r.int64LE());
        const count = r.len();
        if (g.pel.get(id) !== undefined) r.fail('corrupt', 'Duplicated global PEL entry loading stream consumer group');
        g.pel.set(id, new StreamNack(null, time, count));
      }
      const nconsumers = r.len();
      for (let j = 0; j < nconsumers; j++) {
        const cname = r.string();
        const seen = Number(r.int64LE());
        // 7.2 stores the active time; older files take the seen time for it, as 7.2 does.
        const active = type === RDB_TYPE_STREAM_LISTPACKS_3 ? Number(r.int64LE()) : seen;
        const consumer = new StreamConsumer(cname, seen, active);
        if (g.consumers.has(cname)) r.fail('corrupt', 'Duplicate stream consumer detected.');
        g.consumers.set(cname, consumer);
        const n = r.len();
        for (let k = 0; k < n; k++) {
          const id = r.bytes(16).toString('latin1');
          const nack = g.pel.get(id);
          if (nack === undefined) return r.fail('corrupt', 'Consumer entry not found in group global PEL');
          if (consumer.pel.get(id) !== undefined) r.fail('corrupt', 'Duplicated consumer PEL entry  loading a stream consumer group');
          nack.consumer = consumer;
          consumer.pel.set(id, nack);
        }
      }
      // Every pending entry must have an owner (Redis checks this under deep sanitization;
      // here always, as an entry without one has nothing to report to XPENDING).
      for (const [, nack] of g.pel.from()) if (nack.consumer === null) r.fail('corrupt', 'Stream CG PEL entry without consumer');
    }
    return s;
  },
});

// Sorted sets (Redis 7.0's rdbSaveObject / rdbLoadObject for them)
//
// A listpack-encoded set is written as a listpack (type 17) of member, score, member, score …
// in order, each score as the text Redis's listpack holds (d2string); a skiplist-encoded one as
// ZSET_2 (type 5): the count, then from the highest element down, each member and its score as a
// little-endian binary double. Read from every type Redis has written: ZSET (3, scores as
// length-prefixed text), ZSET_2, ziplist (12) and listpack (17).

const RDB_TYPE_ZSET = 3;
const RDB_TYPE_ZSET_2 = 5;
const RDB_TYPE_ZSET_ZIPLIST = 12;
const RDB_TYPE_ZSET_LISTPACK = 17;

/** rdbLoadDoubleValue: a length byte (253 NaN, 254 +inf, 255 -inf), then that many bytes of text read with %lg. */
function loadTextDouble(r: RdbReader): number {
  const len = r.byte();
  if (len === 255) return -Infinity;
  if (len === 254) return Infinity;
  if (len === 253) return NaN;
  r.need(len);
  const text = r.buf.toString('latin1', r.pos, r.pos + len);
  r.pos += len;
  if (!/^[ \t\n\v\f\r]*[+-]?(\d|\.\d|inf|nan|0x)/i.test(text)) r.fail('corrupt', 'Invalid double value', r.pos - len);
  return strtodPrefix(text);
}

/** Sorts [member, score] pairs into a set's order. */
function sortPairs(members: string[], scores: number[]): [string[], number[]] {
  const order = members.map((_, i) => i);
  order.sort((a, b) => {
    const sa = scores[a];
    const sb = scores[b];
    if (sa !== sb) return sa < sb ? -1 : 1;
    return members[a] < members[b] ? -1 : members[a] > members[b] ? 1 : 0;
  });
  return [order.map((i) => members[i]), order.map((i) => scores[i])];
}

/**
 * A sorted set from a listpack's or ziplist's flat [member, score …] entries: listpack-encoded
 * unless it holds more than zset-max-listpack-entries (member lengths are not checked, as
 * Redis does not). Repeated members, an odd count or a NaN score are corruption.
 */
function zsetFromPacked(r: RdbReader, entries: string[], fail: Fail, what: string): ZSetValue | null {
  if (entries.length % 2 !== 0) fail(`${what} integrity check failed.`);
  if (entries.length === 0) return null;
  const members: string[] = [];
  const scores: number[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < entries.length; i += 2) {
    const m = entries[i];
    if (seen.has(m)) fail(`${what} integrity check failed.`);
    seen.add(m);
    // zzlGetScore: strtod of the text (an integer entry comes back as its digits).
    const s = strtodPrefix(entries[i + 1].slice(0, 127));
    if (s !== s) fail('Zset with NAN score detected');
    members.push(m);
    scores.push(s);
  }
  const limits = r.limits.zset;
  const [sm, ss] = sortPairs(members, scores);
  return ZSetValue.fromSorted(limits, sm, ss, sm.length <= limits.maxListpackEntries);
}

registerRdbType({
  valueType: 'zset',
  rdbTypes: [RDB_TYPE_ZSET, RDB_TYPE_ZSET_2, RDB_TYPE_ZSET_ZIPLIST, RDB_TYPE_ZSET_LISTPACK],
  rdbType: (v) => ((v as ZSetValue).isListpack ? RDB_TYPE_ZSET_LISTPACK : RDB_TYPE_ZSET_2),
  save(w, v) {
    const z = v as ZSetValue;
    if (z.isListpack) {
      const entries: string[] = [];
      z.forEach((m, s) => entries.push(m, d2string(s)));
      w.string(encodeListpack(entries).toString('latin1'));
      return;
    }
    w.len(z.size);
    const c = z.seekRank(z.size - 1);
    for (let n = z.size; n > 0; n--) {
      w.string(c.member);
      w.reserve(8);
      w.buf.writeDoubleLE(c.score, w.pos);
      w.pos += 8;
      c.prev();
    }
  },
  load(r, type) {
    if (type === RDB_TYPE_ZSET || type === RDB_TYPE_ZSET_2) {
      const len = r.len();
      if (len === 0) return null;
      const at = r.pos;
      const members: string[] = [];
      const scores: number[] = [];
      const seen = new Set<string>();
      let longest = 0;
      for (let i = 0; i < len; i++) {
        const m = r.string();
        let s: number;
        if (type === RDB_TYPE_ZSET_2) {
          r.need(8);
          s = r.buf.readDoubleLE(r.pos);
          r.pos += 8;
        } else {
          s = loadTextDouble(r);
        }
        if (s !== s) r.fail('corrupt', 'Zset with NAN score detected');
        if (seen.has(m)) r.fail('corrupt', 'Duplicate zset fields detected', at);
        seen.add(m);
        if (m.length > longest) longest = m.length;
        members.push(m);
        scores.push(s);
      }
      // A skiplist, converted once loaded when small enough (sets are not stored in order).
      const limits = r.limits.zset;
      const [sm, ss] = sortPairs(members, scores);
      const listpack = len <= limits.maxListpackEntries && longest <= limits.maxListpackValue;
      return ZSetValue.fromSorted(limits, sm, ss, listpack);
    }
    const [blob, fail] = readBlob(
      r,
      type === RDB_TYPE_ZSET_ZIPLIST ? 'Zset ziplist integrity check failed.' : 'Zset listpack integrity check failed.',
    );
    if (type === RDB_TYPE_ZSET_ZIPLIST) return zsetFromPacked(r, decodeZiplist(blob, fail), fail, 'Zset ziplist');
    return zsetFromPacked(r, decodeListpack(blob, fail), fail, 'Zset listpack');
  },
});

// ---------------------------------------------------------------------------------------------
// DUMP / RESTORE payloads

/** A value's DUMP payload: type, value, RDB version (2 bytes LE), CRC-64 (8 bytes LE). */
export function dumpPayload(value: Value, opts: { compress?: boolean } = {}): Buffer {
  const w = new RdbWriter(opts.compress ?? true, 64);
  const codec = codecFor(value);
  w.byte(codec.rdbType(value));
  codec.save(w, value);
  w.byte(RDB_VERSION & 0xff);
  w.byte(RDB_VERSION >>> 8);
  const crc = new Crc64().update(w.buf, 0, w.pos);
  w.reserve(8);
  crc.writeLE(w.buf, w.pos);
  w.pos += 8;
  return w.finish();
}

/**
 * The value in a DUMP payload, checked as RESTORE checks it (verifyDumpPayload, then
 * rdbLoadObjectType and rdbLoadObject). Throws an RdbError: kind version or checksum for
 * "DUMP payload version or checksum are wrong", unsupported for a type nodis lacks, any other
 * kind for "Bad data format". Bytes after the value
 * are ignored, and a corrupt value may read into the footer, exactly as Redis reads it.
 */
export function parseDumpPayload(payload: Buffer, opts: { verifyChecksum?: boolean; limits?: EncodingLimits } = {}): Value {
  const len = payload.length;
  if (len < 10) throw new RdbError('checksum', 'DUMP payload too short', 0);
  const footer = len - 10;
  const version = payload[footer] | (payload[footer + 1] << 8);
  if (version > RDB_MAX_VERSION) throw new RdbError('version', `DUMP payload of RDB version ${version}`, footer);
  if (opts.verifyChecksum !== false) {
    // Unlike a file's, a payload's zero checksum is checked too (Redis 7.0 and 7.2).
    const crc = new Crc64().update(payload, 0, len - 8).value();
    if (crc !== payload.readBigUInt64LE(len - 8)) throw new RdbError('checksum', 'DUMP payload checksum mismatch', len - 8);
  }
  const r = new RdbReader(payload);
  if (opts.limits) r.limits = opts.limits;
  r.doing = 'reading a DUMP payload';
  const type = r.byte();
  if (!isObjectType(type)) r.fail('corrupt', `Unknown RDB object type ${type}`, 0);
  const value = loadValue(r, type, 0);
  if (value === null) return r.fail('corrupt', 'Empty keys are not allowed', 0);
  return value;
}

/** FUNCTION DUMP's payload: each library's code as an RDB function record, then the footer. */
export function functionsDumpPayload(codes: readonly string[], compress: boolean): Buffer {
  const w = new RdbWriter(compress, 64);
  for (const code of codes) {
    w.byte(OP_FUNCTION2);
    w.string(code);
  }
  w.byte(RDB_VERSION & 0xff);
  w.byte(RDB_VERSION >>> 8);
  const crc = new Crc64().update(w.buf, 0, w.pos);
  w.reserve(8);
  crc.writeLE(w.buf, w.pos);
  w.pos += 8;
  return w.finish();
}

/**
 * The libraries' code in a FUNCTION RESTORE payload, or Redis's error (without "ERR "): the
 * footer checked as verifyDumpPayload does, then function records up to it.
 */
export function parseFunctionsPayload(payload: Buffer): string[] | { error: string } {
  const len = payload.length;
  if (len < 10) return { error: 'DUMP payload version or checksum are wrong' };
  const version = payload[len - 10] | (payload[len - 9] << 8);
  const crc = new Crc64().update(payload, 0, len - 8).value();
  if (version > RDB_MAX_VERSION || crc !== payload.readBigUInt64LE(len - 8)) {
    return { error: 'DUMP payload version or checksum are wrong' };
  }
  const r = new RdbReader(payload, 0, len - 10);
  const codes: string[] = [];
  try {
    while (len - r.pos > 10) {
      const type = r.byte();
      if (type !== OP_FUNCTION && type !== OP_FUNCTION2) return { error: 'given type is not a function' };
      // (The first format, OP_FUNCTION, held a name, an engine and a description first.)
      if (type === OP_FUNCTION) return { error: 'Pre-GA function format not supported' };
      codes.push(r.string());
    }
  } catch (e) {
    if (e instanceof RdbError) return { error: 'failed loading the given functions payload' };
    throw e;
  }
  return codes;
}

/** DEBUG OBJECT's serializedlength: the bytes of the value's RDB encoding (rdbSavedObjectLen). */
export function rdbSerializedLength(value: Value, compress: boolean): number {
  const codec = codecsByValueType.get(typeOf(value));
  if (!codec) return 0;
  const w = new RdbWriter(compress, 64);
  codec.save(w, value);
  return w.pos;
}

// ---------------------------------------------------------------------------------------------
// Snapshots

export interface RdbSaveOptions {
  /**
   * The replication aux fields (repl-stream-db, repl-id, repl-offset), which Redis writes for a
   * replica's full resynchronisation and when it keeps a replication backlog.
   */
  repl?: { streamDb: number; replId: string; offset: number | bigint };
  /** aof-base 1: the snapshot is the base of an append-only file. */
  aofBase?: boolean;
  /** Overrides the rdbcompression config. */
  compress?: boolean;
  /** Overrides the rdbchecksum config (false writes a zero checksum). */
  checksum?: boolean;
}

function auxField(w: RdbWriter, name: string, value: string | number | bigint): void {
  w.byte(OP_AUX);
  w.string(name);
  w.string(String(value));
}

/** Memory in use, as INFO used_memory reports it (the RDB used-mem aux field). */
function usedMemory(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

/** LFU_INIT_VAL: nodis keeps no access-frequency counter, so every key saves this one. */
const LFU_INIT_VAL = 5;

/** How key records are written: the access-time opcodes the eviction policy calls for. */
export interface KeyRecordMeta {
  /** An LRU policy: each key saves its idle time (OP_IDLE). */
  saveLru: boolean;
  /** An LFU policy: each key saves a frequency (OP_FREQ). */
  saveLfu: boolean;
  /** The time idle times count to (unix ms). */
  now: number;
}

export function keyRecordMeta(server: Server): KeyRecordMeta {
  const policy = server.config.get('maxmemory-policy');
  return { saveLru: policy.endsWith('-lru'), saveLfu: policy.endsWith('-lfu'), now: server.clock.now() };
}

/** The magic, the version and the aux fields that open a snapshot. */
export function writeRdbHeader(w: RdbWriter, server: Server, opts: RdbSaveOptions = {}): void {
  w.latin1(`REDIS${String(RDB_VERSION).padStart(4, '0')}`);
  auxField(w, 'redis-ver', REDIS_VERSION);
  auxField(w, 'redis-bits', 64);
  auxField(w, 'ctime', Math.floor(server.clock.now() / 1000));
  auxField(w, 'used-mem', usedMemory());
  const repl = opts.repl ?? (opts.aofBase ? null : (server.replicaSide.saveInfo() ?? server.replication.saveInfo()));
  if (repl) {
    auxField(w, 'repl-stream-db', repl.streamDb);
    auxField(w, 'repl-id', repl.replId);
    auxField(w, 'repl-offset', repl.offset);
  }
  auxField(w, 'aof-base', opts.aofBase ? 1 : 0);
}

/** SELECTDB and the RESIZEDB hint that open a database's keys. */
export function writeDbHeader(w: RdbWriter, id: number, keys: number, volatile: number): void {
  w.byte(OP_SELECTDB);
  w.len(id);
  w.byte(OP_RESIZEDB);
  w.len(keys);
  w.len(volatile);
}

/** A value already encoded (its RDB type byte and its bytes), kept aside by a snapshot. */
export interface EncodedValue {
  readonly type: number;
  readonly bytes: Buffer;
  /** Its access time when encoded (for OP_IDLE). */
  readonly lru: number;
}

/** Encodes a collection's value on its own (a copy that later changes to it do not touch). */
export function encodeValue(value: Value, compress: boolean): EncodedValue {
  const w = new RdbWriter(compress, 64);
  const codec = codecFor(value);
  codec.save(w, value);
  return { type: codec.rdbType(value), bytes: Buffer.from(w.finish()), lru: typeof value === 'string' ? 0 : value.lru };
}

function writeKeyPrefix(w: RdbWriter, expire: number | bigint | undefined, lru: number, meta: KeyRecordMeta): void {
  if (expire !== undefined) {
    w.byte(OP_EXPIRETIME_MS);
    w.int64LE(expire);
  }
  if (meta.saveLru) {
    w.byte(OP_IDLE);
    w.len(lru === 0 ? 0 : Math.max(0, Math.floor((meta.now - lru) / 1000)));
  }
  if (meta.saveLfu) {
    w.byte(OP_FREQ);
    w.byte(LFU_INIT_VAL);
  }
}

/** One key's record: its expiry time (unix ms) if any, access-time opcodes, type, key, value. */
export function writeKeyRecord(w: RdbWriter, key: string, value: Value, expire: number | bigint | undefined, meta: KeyRecordMeta): void {
  // A plain string value keeps no access time: it saves as just used.
  writeKeyPrefix(w, expire, typeof value === 'string' ? 0 : value.lru, meta);
  const codec = codecFor(value);
  w.byte(codec.rdbType(value));
  w.string(key);
  codec.save(w, value);
}

/** writeKeyRecord for a value encoded earlier (encodeValue). */
export function writeEncodedRecord(w: RdbWriter, key: string, enc: EncodedValue, expire: number | bigint | undefined, meta: KeyRecordMeta): void {
  writeKeyPrefix(w, expire, enc.lru, meta);
  w.byte(enc.type);
  w.string(key);
  w.bytes(enc.bytes);
}

/** The value an encodeValue() result holds (for a snapshot written as commands). */
export function decodeEncodedValue(enc: EncodedValue): Value {
  const r = new RdbReader(enc.bytes);
  r.doing = 'reading a kept value';
  const value = loadValue(r, enc.type, 0);
  if (value === null) return r.fail('corrupt', 'Empty keys are not allowed', 0);
  return value;
}

/** The EOF opcode (the checksum follows it). */
export function writeRdbEof(w: RdbWriter): void {
  w.byte(OP_EOF);
}

/**
 * The whole dataset as an RDB file (rdbSaveRio): aux fields, every non-empty database, EOF and
 * the checksum. Keys whose time passed but that were not removed yet are written too, as Redis
 * does; the loader drops them.
 */
export function encodeRdb(server: Server, opts: RdbSaveOptions = {}): Buffer {
  const config = server.config;
  let total = 0;
  for (const db of server.dbs) total += db.dict.size;
  const w = new RdbWriter(opts.compress ?? config.bool('rdbcompression'), 4096 + total * 32);
  writeRdbHeader(w, server, opts);
  writeRdbFunctions(w, server);
  const meta = keyRecordMeta(server);
  for (const db of server.dbs) {
    if (db.dict.size === 0) continue;
    writeDbHeader(w, db.id, db.dict.size, db.expires.size);
    const volatile = db.expires.size !== 0;
    for (const [key, value] of db.dict) {
      let when: number | bigint | undefined;
      if (volatile) {
        when = db.expires.get(key);
        if (when !== undefined && !Number.isSafeInteger(when)) when = db.getExpireExact(key)!;
      }
      writeKeyRecord(w, key, value, when, meta);
    }
  }
  w.byte(OP_EOF);
  w.reserve(8);
  if (opts.checksum ?? config.bool('rdbchecksum')) {
    new Crc64().update(w.buf, 0, w.pos).writeLE(w.buf, w.pos);
  } else {
    w.buf.fill(0, w.pos, w.pos + 8);
  }
  w.pos += 8;
  return w.finish();
}

/** One key read from a snapshot. */
export interface RdbEntry {
  db: number;
  key: string;
  value: Value;
  /** Expiry time in unix ms, or null. */
  expire: bigint | null;
  /** IDLE opcode: seconds since last access, or -1. */
  idle: number;
  /** FREQ opcode: LFU counter, or -1. */
  freq: number;
}

export interface RdbParseOptions {
  /** Check the CRC-64 footer (a zero checksum is never checked). Default true. */
  verifyChecksum?: boolean;
  /** Number of databases: a SELECTDB beyond it is an error. Default 16. */
  databases?: number;
  /** Called for every AUX field, in order. */
  onAux?(name: string, value: string): void;
  /** Called when the stored checksum is zero and checksums were to be verified. */
  onNoChecksum?(): void;
  /** Called for a key holding an empty collection, which is skipped (as Redis does). */
  onEmptyKey?(key: string): void;
  /** What decides the encoding of loaded collections (default: Redis's defaults). */
  limits?: EncodingLimits;
  /**
   * Called with each function library's code (FUNCTION LOAD's payload) and the record's offset.
   * Without it, a file holding libraries cannot be loaded.
   */
  onFunction?(code: string, at: number): void;
}

export interface RdbParseResult {
  version: number;
  /** Offset just past the checksum (or the EOF opcode for versions before 5). */
  end: number;
}

/**
 * A library in 7.0-rc1/rc2's record (OP_FUNCTION): its name, engine, an optional description and
 * the code without a shebang; as Redis 7.0 does, made into the FUNCTION LOAD payload it stands for
 * (the description is dropped: the payload has no place for it).
 */
function readPreGaFunction(r: RdbReader): string {
  const name = r.string();
  const engine = r.string();
  if (r.len() !== 0) r.string();
  const code = r.string();
  return `#!${engine} name=${name}\n${code}`;
}

/** One FUNCTION2 record per function library (rdbSaveFunctions), written after the aux fields. */
export function writeRdbFunctions(w: RdbWriter, server: Server): void {
  const s = scriptingIfUsed(server);
  if (s === null) return;
  for (const lib of s.functions.libraries.values()) {
    w.byte(OP_FUNCTION2);
    w.string(lib.payload);
  }
}

/**
 * Reads a snapshot from the start of buf (rdbLoadRio), handing every key to onEntry in file
 * order. Throws an RdbError on anything malformed; onEntry may throw too.
 */
export function parseRdb(buf: Buffer, onEntry: (e: RdbEntry) => void, opts: RdbParseOptions = {}): RdbParseResult {
  const r = new RdbReader(buf);
  if (opts.limits) r.limits = opts.limits;
  r.doing = 'reading the header';
  r.need(9);
  if (buf.toString('latin1', 0, 5) !== 'REDIS') {
    r.fail('signature', 'Wrong signature trying to load DB from file', 0);
  }
  const version = atoi(buf.toString('latin1', 5, 9));
  if (version < 1 || version > RDB_MAX_VERSION) {
    r.fail('version', `Can't handle RDB format version ${version}`, 5);
  }
  r.pos = 9;
  const databases = opts.databases ?? 16;
  let db = 0;
  let key = '';
  let type = 0;
  const readingValue = (): string => `reading the value of key ${printable(key)}, ${typeLabel(type)}`;
  let expire: bigint | null = null;
  let idle = -1;
  let freq = -1;
  for (;;) {
    const at = r.pos;
    r.doing = 'reading an opcode';
    type = r.byte();
    if (type === OP_EXPIRETIME) {
      r.doing = 'reading an expire time';
      expire = BigInt(r.int32LE()) * 1000n;
    } else if (type === OP_EXPIRETIME_MS) {
      r.doing = 'reading an expire time';
      expire = r.int64LE();
    } else if (type === OP_FREQ) {
      r.doing = 'reading an LFU frequency';
      freq = r.byte();
    } else if (type === OP_IDLE) {
      r.doing = 'reading an LRU idle time';
      idle = r.len();
    } else if (type === OP_EOF) {
      break;
    } else if (type === OP_SELECTDB) {
      r.doing = 'reading a database number';
      const id = r.len();
      if (id >= databases) {
        r.fail(
          'dbindex',
          `Data file was created with a Redis server configured to handle more than ${databases} databases`,
          at,
        );
      }
      db = id;
    } else if (type === OP_RESIZEDB) {
      r.doing = 'reading a RESIZEDB hint';
      r.len();
      r.len();
    } else if (type === OP_AUX) {
      r.doing = 'reading an AUX field';
      const name = r.string();
      const value = r.string();
      opts.onAux?.(name, value);
    } else if (type === OP_MODULE_AUX) {
      r.fail('unsupported', 'Module AUX data is not supported by nodis', at);
    } else if (type === OP_FUNCTION || type === OP_FUNCTION2) {
      r.doing = 'reading a function library';
      const code = type === OP_FUNCTION2 ? r.string() : readPreGaFunction(r);
      if (opts.onFunction) opts.onFunction(code, at);
      else r.fail('unsupported', 'Function libraries cannot be loaded here', at);
    } else {
      r.doing = 'reading a key';
      key = r.string();
      r.doing = readingValue;
      const value = loadValue(r, type, at);
      if (value === null) opts.onEmptyKey?.(key);
      else onEntry({ db, key, value, expire, idle, freq });
      expire = null;
      idle = -1;
      freq = -1;
    }
  }
  if (version >= 5) {
    r.doing = 'reading the checksum';
    const sumAt = r.pos;
    const stored = r.uint64LE();
    if (opts.verifyChecksum !== false) {
      if (stored === 0n) {
        opts.onNoChecksum?.();
      } else {
        const expected = new Crc64().update(buf, 0, sumAt).value();
        if (expected !== stored) {
          r.fail(
            'checksum',
            `Wrong RDB checksum expected: (${expected.toString(16)}) but got (${stored.toString(16)})`,
            sumAt,
          );
        }
      }
    }
  }
  return { version, end: r.pos };
}

export interface RdbLoadOptions {
  /** Keep keys whose time has passed (a replica keeps what its primary sent). Default false. */
  keepExpired?: boolean;
  /** DEBUG RELOAD MERGE: a key already present is replaced, instead of failing the load. */
  merge?: boolean;
  /** Check the checksum; default: the rdbchecksum config. */
  verifyChecksum?: boolean;
  /** A primary starting up: each key skipped as expired goes into the replication stream as a DEL. */
  feedExpired?: boolean;
}

export interface RdbLoadResult {
  /** Keys added to the dataset. */
  keys: number;
  /** Keys skipped because their time had passed. */
  expired: number;
  version: number;
  aux: Map<string, string>;
  /** Where the snapshot ended in the buffer (an AOF's commands may follow). */
  end: number;
}

/** A database's keys as read, before they replace or join what is there. */
interface Staged {
  dict: Map<string, Value>;
  expires: Map<string, bigint>;
}

/**
 * Loads a snapshot into the server's databases (rdbLoadRio), logging as Redis does. All or
 * nothing: the file is read and checked completely before the dataset changes, so a corrupt
 * file throws an RdbError and leaves every database as it was. A key that is already present
 * (or twice in the file) fails the load unless merge is set, where the later one wins.
 * Updates INFO's rdb_last_load_keys_loaded / rdb_last_load_keys_expired.
 */
export function loadRdb(server: Server, buf: Buffer, opts: RdbLoadOptions = {}): RdbLoadResult {
  const log = server.log;
  const now = server.clock.now();
  const nowBig = BigInt(Math.floor(now));
  const staged = new Map<number, Staged>();
  const aux = new Map<string, string>();
  let keys = 0;
  let expired = 0;
  let empty = 0;
  server.rdbLastLoadKeysLoaded = 0;
  server.rdbLastLoadKeysExpired = 0;

  const onAux = (name: string, value: string): void => {
    aux.set(name, value);
    const lower = name.toLowerCase();
    if (name.startsWith('%')) log.notice(`RDB '${name}': ${value}`);
    else if (lower === 'redis-ver') log.notice(`Loading RDB produced by version ${value}`);
    else if (lower === 'ctime') {
      const age = Math.max(0, Math.floor(now / 1000) - strtoll(value));
      log.notice(`RDB age ${age} seconds`);
    } else if (lower === 'used-mem') {
      log.notice(`RDB memory usage when created ${(strtoll(value) / (1024 * 1024)).toFixed(2)} Mb`);
    } else if (lower === 'aof-preamble') {
      if (strtoll(value) !== 0) log.notice('RDB has an AOF tail');
    } else if (lower === 'aof-base') {
      if (strtoll(value) !== 0) log.notice('RDB is base AOF');
    } else if (!['repl-stream-db', 'repl-id', 'repl-offset', 'lua', 'redis-bits'].includes(lower)) {
      log.debug(`Unrecognized RDB AUX field: '${name}'`);
    }
  };

  // Function libraries, created as read (each checks its code by running it) and joined to the
  // server's with the keys, once the whole file has been read.
  let libraries: FunctionLibraries | null = null;
  const merge = opts.merge === true;
  const libraryFailed = (reason: string, at: number): never => {
    log.warning(`Failed loading library, ${reason}`);
    throw new RdbError('function', reason, at);
  };
  const onFunction = (code: string, at: number): void => {
    const s = scriptingOf(server);
    if (!s.ready) libraryFailed('the Lua engine is not loaded', at);
    libraries ??= new FunctionLibraries();
    // MERGE (RDBFLAGS_ALLOW_DUP): a library of the same name is replaced, in the file or loaded.
    const r = libraries.load(s, code, merge);
    if ('error' in r) libraryFailed(r.error.replace(/^ERR /, ''), at);
    else if (!merge && s.functions.libraries.has(r.name)) libraryFailed(`Library '${r.name}' already exists`, at);
  };

  const parsed = parseRdb(
    buf,
    (e) => {
      if (!opts.keepExpired && e.expire !== null && e.expire < nowBig) {
        expired++;
        if (opts.feedExpired) server.replication.feed(e.db, [server.config.bool('lazyfree-lazy-expire') ? 'UNLINK' : 'DEL', e.key]);
        return;
      }
      let s = staged.get(e.db);
      if (!s) {
        s = { dict: new Map(), expires: new Map() };
        staged.set(e.db, s);
      }
      if (typeof e.value !== 'string') {
        e.value.lru = e.idle >= 0 ? now - e.idle * 1000 : now;
      }
      // Set first: a size that did not grow finds a duplicate with one lookup instead of two.
      const dict = s.dict;
      const size = dict.size;
      dict.set(e.key, e.value);
      const live = server.dbs[e.db].dict;
      if (dict.size === size || (!opts.merge && live.size !== 0 && live.has(e.key))) {
        if (!opts.merge) {
          log.warning(`RDB has duplicated key ${printable(e.key, 128)} in DB ${e.db}`);
          throw new RdbError('duplicate', `Duplicated key ${printable(e.key)} in DB ${e.db}`, 0);
        }
        // (MERGE: the later value has replaced the earlier; so does its time to live.)
        s.expires.delete(e.key);
      }
      if (e.expire !== null) s.expires.set(e.key, e.expire);
      keys++;
    },
    {
      verifyChecksum: opts.verifyChecksum ?? (server.config.bool('rdbchecksum') && !server.skipChecksumValidation),
      databases: server.dbs.length,
      onAux,
      onNoChecksum: () => log.warning('RDB file was saved with checksum disabled: no check performed.'),
      limits: encodingLimits(server.config, server.zsetLimits),
      onEmptyKey: (key) => {
        if (empty++ < 10) log.warning(`rdbLoadObject skipping empty key: ${key}`);
      },
      onFunction,
    },
  );

  if (libraries !== null) {
    const err = scriptingOf(server).functions.join(libraries, merge);
    if (err !== null) libraryFailed(err.replace(/^ERR /, ''), 0);
  }
  for (const [id, s] of staged) applyStaged(server.dbs[id], s);
  server.rdbLastLoadKeysLoaded = keys;
  server.rdbLastLoadKeysExpired = expired;
  log.notice(
    `Done loading RDB, keys loaded: ${keys}, keys expired: ${expired}` + (empty ? `, empty keys skipped: ${empty}.` : '.'),
  );
  return { keys, expired, version: parsed.version, aux, end: parsed.end };
}

function applyStaged(db: Database, s: Staged): void {
  if (db.dict.size === 0) {
    // The common case (start-up, DEBUG RELOAD): the staged map becomes the database. A running
    // background save keeps the maps it had.
    if (db.snap !== null) {
      db.snap.detach();
      db.snap = null;
      db.expires = new Map();
      db.exactExpires = new Map();
    }
    db.dict = s.dict;
  } else {
    for (const [key, value] of s.dict) {
      db.keepForSnapshot(key);
      if (db.dict.has(key)) db.removeExpire(key); // MERGE: the file's key replaces it whole.
      db.dict.set(key, value);
    }
  }
  for (const [key, when] of s.expires) {
    db.setExpire(key, Number.isSafeInteger(Number(when)) ? Number(when) : when);
  }
  db.resetCursors();
}

// ---------------------------------------------------------------------------------------------
// Files

/** Why writing a snapshot file failed, with the step that failed (for Redis's log lines). */
export class RdbSaveError extends Error {
  constructor(
    readonly step: 'open' | 'write' | 'fsync' | 'rename',
    readonly tempFile: string,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'RdbSaveError';
  }
}

function errnoOf(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException).code;
}

/**
 * Writes a snapshot to path as Redis's rdbSave does: into temp-<pid>.rdb in the same
 * directory, flushed to disk with fsync, then renamed into place (and the directory synced), so
 * the file at path is always a whole snapshot. Throws an RdbSaveError.
 */
export function saveRdbFile(server: Server, path: string, opts: RdbSaveOptions = {}): void {
  const data = encodeRdb(server, opts);
  const dir = dirname(path);
  const tmp = join(dir, `temp-${process.pid}.rdb`);
  let fd: number;
  try {
    fd = openSync(tmp, 'w');
  } catch (e) {
    throw new RdbSaveError('open', tmp, errnoOf(e), `cannot open ${tmp}: ${strerror(errnoOf(e))}`);
  }
  let step: 'write' | 'fsync' = 'write';
  try {
    let off = 0;
    while (off < data.length) off += writeSync(fd, data, off, data.length - off);
    step = 'fsync';
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    removeQuietly(tmp);
    throw new RdbSaveError(step, tmp, errnoOf(e), `cannot ${step} ${tmp}: ${strerror(errnoOf(e))}`);
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (e) {
    removeQuietly(tmp);
    throw new RdbSaveError('rename', tmp, errnoOf(e), `cannot rename ${tmp} to ${path}: ${strerror(errnoOf(e))}`);
  }
  try {
    // The rename itself must reach the disk too.
    const dfd = openSync(dir, 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch (e) {
    throw new RdbSaveError('fsync', tmp, errnoOf(e), `cannot fsync directory ${dir}: ${strerror(errnoOf(e))}`);
  }
}


/** dir + dbfilename: where SAVE writes and start-up reads. */
export function rdbFilePath(server: Server): string {
  return join(server.config.get('dir'), server.config.get('dbfilename'));
}

/**
 * Redis's rdbSave for SAVE, DEBUG RELOAD and shutdown: writes dir/dbfilename, logs, and on
 * success resets the changes counter, LASTSAVE and the last save status. False on failure
 * (logged, as Redis logs it).
 */
export function rdbSave(server: Server, opts: RdbSaveOptions = {}): boolean {
  const path = rdbFilePath(server);
  try {
    saveRdbFile(server, path, opts);
  } catch (e) {
    if (!(e instanceof RdbSaveError)) throw e;
    const dir = server.config.get('dir');
    const tmp = basename(e.tempFile);
    const err = strerror(e.code);
    if (e.step === 'open') {
      server.log.warning(`Failed opening the temp RDB file ${tmp} (in server root dir ${dir}) for saving: ${err}`);
    } else if (e.step === 'rename') {
      server.log.warning(
        `Error moving temp DB file ${tmp} on the final destination ${path} (in server root dir ${dir}): ${err}`,
      );
    } else {
      server.log.warning(`Write error saving DB on disk(${e.step === 'write' ? 'rdbSaveRio' : 'fsync'}): ${err}`);
    }
    return false;
  }
  server.log.notice('DB saved on disk');
  server.dirty = 0;
  server.lastSave = Math.floor(server.clock.now() / 1000);
  server.lastBgsaveOk = true;
  return true;
}

/**
 * Reads and loads a snapshot file. Returns null when there is no file (ENOENT); throws an
 * RdbError for bad contents and the file system's error for any other failure to read it.
 */
export function loadRdbFile(server: Server, path: string, opts: RdbLoadOptions = {}): RdbLoadResult | null {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    if (errnoOf(e) === 'ENOENT') return null;
    throw e;
  }
  return loadRdb(server, buf, opts);
}

/** How much of a snapshot snapshotHasFunctions reads: its aux fields are far smaller. */
const HEAD_BYTES = 64 * 1024;

/**
 * Whether the snapshot at path may hold a function library, from its head alone: the libraries
 * follow the aux fields and come before the first database (rdbSaveRio's order). Start-up loads
 * the Lua engine before the snapshot only then. Anything unexpected in the head answers true (the
 * engine loads, to be safe); a missing or unreadable file, or one that is not an RDB, answers
 * false, since loading it fails or finds nothing without the engine's help.
 */
export function snapshotHasFunctions(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return false;
  }
  try {
    const head = Buffer.allocUnsafe(HEAD_BYTES);
    return headHasFunctions(head.subarray(0, readSync(fd, head, 0, HEAD_BYTES, 0)));
  } catch {
    return true;
  } finally {
    closeSync(fd);
  }
}

function headHasFunctions(head: Buffer): boolean {
  if (head.length < 9 || head.toString('latin1', 0, 5) !== 'REDIS') return false;
  const r = new RdbReader(head, 9);
  for (;;) {
    const op = r.byte();
    if (op !== OP_AUX) return op !== OP_SELECTDB && op !== OP_EOF;
    r.string();
    r.string();
  }
}

/**
 * Before a snapshot loads at start-up: a primary keeps the stream from the start, since the keys
 * it finds expired go into it as DELs (its replicas may still hold them), and loads expired keys
 * out; a replica keeps them for its primary's DELs.
 */
export function startupLoadOptions(server: Server): RdbLoadOptions {
  const primary = !server.replicaSide.active;
  if (primary) server.replication.createBacklog();
  return { keepExpired: !primary, feedExpired: primary };
}

/**
 * After a snapshot loaded at start-up (null: there was none): the replication history it records
 * (loadDataFromDisk). A primary without one drops the stream it kept for the load.
 */
export function restoreReplicationHistory(server: Server, aux: ReadonlyMap<string, string> | null): void {
  const history = aux === null ? null : snapshotHistory(aux);
  if (history === null) {
    if (!server.replicaSide.active) server.replication.freeBacklog();
    return;
  }
  // A replica continues from it as a cached primary; a primary lets its replicas continue.
  if (server.replicaSide.active) server.replicaSide.restoreHistory(history);
  else server.replication.continueHistory(history.replId, history.offset);
}

/**
 * Start-up (loadDataFromDisk): loads dir/dbfilename if it exists, with Redis's log lines.
 * Returns false when the server must not start (the reason is logged), as redis-server exits 1.
 */
export function loadDataFromDisk(server: Server): boolean {
  const log = server.log;
  const start = performance.now();
  if (server.config.bool('appendonly')) {
    // The append-only file, not the snapshot, then: load it, and open it for writing.
    const status = server.aof.load();
    if (status === 'failed') return false;
    if (status !== 'not-exist') log.notice(`DB loaded from append only file: ${((performance.now() - start) / 1000).toFixed(3)} seconds`);
    return server.aof.openOnStart();
  }
  try {
    // A replica keeps what its primary will expire (as Redis loads only a primary's expired keys out).
    const loaded = loadRdbFile(server, rdbFilePath(server), startupLoadOptions(server));
    restoreReplicationHistory(server, loaded?.aux ?? null);
    if (loaded === null) return true;
  } catch (e) {
    if (e instanceof RdbError) {
      if (e.kind === 'signature' || e.kind === 'version') {
        log.warning(e.reason);
        log.warning('Fatal error loading the DB: Invalid argument. Exiting.');
      } else {
        if (e.kind === 'eof' || e.kind === 'function') log.warning('Short read or OOM loading DB. Unrecoverable error, aborting now.');
        if (e.kind === 'checksum') {
          // Redis names the two checksums, then reports "RDB CRC error" as the corruption.
          log.warning(`${e.reason}. Aborting now.`);
          log.warning(`Internal error in RDB reading offset ${e.offset} -> RDB CRC error`);
        } else {
          log.warning(`Internal error in RDB reading offset ${e.offset} -> ${e.reason}${e.context ? ` (${e.context})` : ''}`);
        }
        log.warning('Terminating server after rdb file reading failure.');
      }
      return false;
    }
    const code = errnoOf(e);
    if (code === undefined) throw e;
    log.warning(`Fatal error loading the DB: ${strerror(code)}. Exiting.`);
    return false;
  }
  log.notice(`DB loaded from disk: ${((performance.now() - start) / 1000).toFixed(3)} seconds`);
  return true;
}
