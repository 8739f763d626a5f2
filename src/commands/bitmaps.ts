// Bitmap commands (bitops.c): single bits, counts, searches, BITOP and BITFIELD on string values.
//
// A write (SETBIT, BITFIELD SET/INCRBY) turns the value into a ByteString, which later writes
// change in place; reads take a ByteString's bytes as they are and a plain string's bytes by copy
// (only the range they need). Argument checks and their order follow Redis 7 (7.0 is the oracle,
// 7.2 is the same): BITCOUNT and BITPOS look the key up before they read their range, which Redis
// 8 changed.

import { constants as bufferConstants } from 'node:buffer';
import type { CommandSpec } from '../server/command.js';
import type { Client } from '../server/client.js';
import { ERR_NOT_INTEGER, ERR_STRING_TOO_LONG, ERR_SYNTAX, ERR_WRONGTYPE } from '../server/errors.js';
import { ByteString, RawString, typeOf } from '../types/value.js';
import {
  bitop as combine,
  bitpos,
  checkSignedOverflow,
  checkUnsignedOverflow,
  getBit,
  getBitOfString,
  getSigned,
  getUnsigned,
  popcount,
  setBits,
  OVERFLOW_FAIL,
  OVERFLOW_SAT,
  OVERFLOW_WRAP,
  type BitOp,
  type OverflowMode,
} from '../types/bitmap.js';
import { NOTIFY } from '../keyspace/notify.js';
import { parseInt64 } from '../util/numbers.js';
import { optionWord } from '../util/cstring.js';
import { integerArg } from './args.js';
import { IN_PLACE_MIN_LENGTH, readStringOrBytes, settleString, stringOrBytesOf, unshareString } from './lookup.js';

const ERR_BIT_OFFSET = 'ERR bit offset is not an integer or out of range';
const ERR_BIT_VALUE = 'ERR bit is not an integer or out of range';
const ERR_BITPOS_BIT = 'ERR The bit argument must be 1 or 0.';
const ERR_BITOP_NOT = 'ERR BITOP NOT must be called with a single source key.';
const ERR_BITFIELD_TYPE = 'ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.';
const ERR_OVERFLOW_TYPE = 'ERR Invalid OVERFLOW type specified';
const ERR_BITFIELD_RO = 'ERR BITFIELD_RO only supports the GET subcommand';

// ---- Helpers ----------------------------------------------------------------------------------

/**
 * getBitOffsetFromArgument: a bit offset, 0 or more with offset / 8 below proto-max-bulk-len.
 * With hashBits (BITFIELD), "#n" means n * hashBits, multiplied in 64 bits as C does. (Redis
 * lifts the size limit for its primary and the AOF; nodis has neither kind of client yet.)
 */
function bitOffsetArg(c: Client, arg: string, hashBits = 0): number | null {
  const hash = hashBits > 0 && arg[0] === '#';
  let offset = parseInt64(hash ? arg.slice(1) : arg);
  if (offset !== null && hash) offset = BigInt.asIntN(64, offset * BigInt(hashBits));
  if (offset === null || offset < 0n || offset >> 3n >= BigInt(c.server.config.num('proto-max-bulk-len'))) {
    c.error(ERR_BIT_OFFSET);
    return null;
  }
  return Number(offset);
}

/** Whether the last bitmapForWrite created or lengthened the value (Redis's "dirty" flag). */
let grew = false;

/**
 * lookupStringForBitCommand: the key's string value, created or zero-padded so that bit maxBit
 * exists, as a ByteString (settleString() it when done); null after replying WRONGTYPE. Sets
 * `grew`.
 */
function bitmapForWrite(c: Client, key: string, maxBit: number): ByteString | null {
  const db = c.db;
  const size = Math.floor(maxBit / 8) + 1;
  const v = db.lookupWrite(key);
  if (v !== undefined && typeOf(v) !== 'string') {
    c.error(ERR_WRONGTYPE);
    return null;
  }
  if (size >= bufferConstants.MAX_LENGTH) {
    // Only reachable with proto-max-bulk-len raised past what a Buffer can hold.
    c.error(ERR_STRING_TOO_LONG);
    return null;
  }
  if (v === undefined) {
    const created = ByteString.alloc(size);
    db.set(key, created);
    grew = true;
    return created;
  }
  const bytes = unshareString(db, key, v, size);
  grew = bytes.growZero(size);
  return bytes;
}

/**
 * Bytes [start, end) of a string value: a view of a ByteString's own bytes, or a copy of that
 * part of a plain string. Index 0 of the result is byte `start` of the value.
 */
function bytesRange(v: string | ByteString, start: number, end: number): Uint8Array {
  if (typeof v !== 'string') return v.bytes.subarray(start, end);
  return Buffer.from(start === 0 && end === v.length ? v : v.slice(start, end), 'latin1');
}

/** The set bits of one byte. */
function bitsIn(b: number): number {
  return popcount(Uint8Array.of(b), 0, 1);
}

/** The BIT / BYTE option of BITCOUNT and BITPOS: true for BIT, null after a syntax error. */
function bitUnitArg(c: Client, arg: string): boolean | null {
  const unit = optionWord(arg);
  if (unit === 'bit') return true;
  if (unit === 'byte') return false;
  c.error(ERR_SYNTAX);
  return null;
}

// ---- SETBIT, GETBIT ---------------------------------------------------------------------------

function setbit(c: Client, argv: string[]): void {
  const offset = bitOffsetArg(c, argv[2]);
  if (offset === null) return;
  const on = integerArg(c, argv[3], ERR_BIT_VALUE);
  if (on === null) return;
  if (on !== 0 && on !== 1) {
    c.error(ERR_BIT_VALUE);
    return;
  }
  const key = argv[1];
  const b = bitmapForWrite(c, key, offset);
  if (b === null) return;
  const byte = Math.floor(offset / 8);
  const mask = 0x80 >> offset % 8;
  const old = b.bytes[byte] & mask ? 1 : 0;
  // A new or longer value counts as a change even when the bit already had this value.
  if (grew || old !== on) {
    b.bytes[byte] = on ? b.bytes[byte] | mask : b.bytes[byte] & ~mask;
    c.db.changed(key, NOTIFY.STRING, 'setbit');
  }
  settleString(c.db, key, b);
  c.integer(old);
}

function getbit(c: Client, argv: string[]): void {
  const offset = bitOffsetArg(c, argv[2]);
  if (offset === null) return;
  const v = readStringOrBytes(c, argv[1]);
  if (v === null) return;
  if (v === undefined) c.integer(0);
  else c.integer(typeof v === 'string' ? getBitOfString(v, offset) : getBit(v.bytes, v.length, offset));
}

// ---- BITCOUNT, BITPOS -------------------------------------------------------------------------

function bitcount(c: Client, argv: string[]): void {
  const v = readStringOrBytes(c, argv[1]);
  if (v === null) return;
  if (v === undefined) {
    c.integer(0);
    return;
  }
  const length = v.length;
  let start: number;
  let end: number;
  let firstMask = 0;
  let lastMask = 0;
  if (argv.length === 4 || argv.length === 5) {
    const s = integerArg(c, argv[2]);
    if (s === null) return;
    const e = integerArg(c, argv[3]);
    if (e === null) return;
    // Checked before the unit is read, as 7.0 does.
    if (s < 0 && e < 0 && s > e) {
      c.integer(0);
      return;
    }
    let isBit = false;
    if (argv.length === 5) {
      const unit = bitUnitArg(c, argv[4]);
      if (unit === null) return;
      isBit = unit;
    }
    const total = isBit ? length * 8 : length;
    start = s < 0 ? Math.max(0, total + s) : s;
    end = e < 0 ? Math.max(0, total + e) : e;
    if (end >= total) end = total - 1;
    if (isBit && start <= end) {
      // Bits of the first and last bytes outside the range, counted and then taken off.
      firstMask = ~((1 << (8 - (start % 8))) - 1) & 0xff;
      lastMask = (1 << (7 - (end % 8))) - 1;
      start = Math.floor(start / 8);
      end = Math.floor(end / 8);
    }
  } else if (argv.length === 2) {
    start = 0;
    end = length - 1;
  } else {
    c.error(ERR_SYNTAX);
    return;
  }
  if (start > end) {
    c.integer(0);
    return;
  }
  const p = bytesRange(v, start, end + 1);
  let count = popcount(p, 0, p.length);
  if (firstMask !== 0) count -= bitsIn(p[0] & firstMask);
  if (lastMask !== 0) count -= bitsIn(p[p.length - 1] & lastMask);
  c.integer(count);
}

function bitposCommand(c: Client, argv: string[]): void {
  const bitArg = integerArg(c, argv[2]);
  if (bitArg === null) return;
  if (bitArg !== 0 && bitArg !== 1) {
    c.error(ERR_BITPOS_BIT);
    return;
  }
  const bit: 0 | 1 = bitArg;
  // A missing key is an endless run of zero bits.
  const v = readStringOrBytes(c, argv[1]);
  if (v === null) return;
  if (v === undefined) {
    c.integer(bit ? -1 : 0);
    return;
  }
  const length = v.length;
  const argc = argv.length;
  let start: number;
  let end: number;
  let endGiven = false;
  let firstMask = 0;
  let lastMask = 0;
  if (argc >= 4 && argc <= 6) {
    const s = integerArg(c, argv[3]);
    if (s === null) return;
    let isBit = false;
    if (argc === 6) {
      const unit = bitUnitArg(c, argv[5]);
      if (unit === null) return;
      isBit = unit;
    }
    let e: number;
    if (argc >= 5) {
      const given = integerArg(c, argv[4]);
      if (given === null) return;
      e = given;
      endGiven = true;
    } else {
      e = isBit ? length * 8 + 7 : length - 1;
    }
    const total = isBit ? length * 8 : length;
    start = s < 0 ? Math.max(0, total + s) : s;
    end = e < 0 ? Math.max(0, total + e) : e;
    if (end >= total) end = total - 1;
    if (isBit && start <= end) {
      firstMask = ~((1 << (8 - (start % 8))) - 1) & 0xff;
      lastMask = (1 << (7 - (end % 8))) - 1;
      start = Math.floor(start / 8);
      end = Math.floor(end / 8);
    }
  } else if (argc === 3) {
    start = 0;
    end = length - 1;
  } else {
    c.error(ERR_SYNTAX);
    return;
  }
  // An empty range holds neither a 0 nor a 1.
  if (start > end) {
    c.integer(-1);
    return;
  }
  const p = bytesRange(v, start, end + 1);
  let bytes = end - start + 1;
  let at = 0;
  let pos = -1;
  search: {
    if (firstMask !== 0) {
      // The first byte, with the bits before the range made not to match.
      let t = bit ? p[0] & ~firstMask : p[0] | firstMask;
      if (lastMask !== 0 && bytes === 1) t = bit ? t & ~lastMask : t | lastMask;
      pos = bitpos(Uint8Array.of(t), 0, 1, bit);
      if (bytes === 1 || (pos !== -1 && pos !== 8)) break search;
      start++;
      at++;
      bytes--;
    }
    // Whole bytes, leaving out a last byte that has bits outside the range.
    const whole = bytes - (lastMask !== 0 ? 1 : 0);
    if (whole > 0) {
      pos = bitpos(p, at, whole, bit);
      if (bytes === whole || (pos !== -1 && pos !== whole * 8)) break search;
      start += whole;
      at += whole;
      bytes -= whole;
    }
    const last = p[p.length - 1];
    pos = bitpos(Uint8Array.of(bit ? last & ~lastMask : last | lastMask), 0, 1, bit);
  }
  // Looking for a 0 within an explicit range, the padding after it does not count.
  if (endGiven && bit === 0 && pos === bytes * 8) {
    c.integer(-1);
    return;
  }
  c.integer(pos === -1 ? -1 : pos + start * 8);
}

// ---- BITOP ------------------------------------------------------------------------------------

const BIT_OPS = new Set(['and', 'or', 'xor', 'not']);

function bitopCommand(c: Client, argv: string[]): void {
  const op = optionWord(argv[1]);
  if (!BIT_OPS.has(op)) {
    c.error(ERR_SYNTAX);
    return;
  }
  if (op === 'not' && argv.length !== 4) {
    c.error(ERR_BITOP_NOT);
    return;
  }
  const db = c.db;
  const sources: Array<{ bytes: Uint8Array; length: number }> = [];
  let maxLength = 0;
  for (let j = 3; j < argv.length; j++) {
    const found = db.lookupRead(argv[j]);
    if (found === undefined) {
      sources.push({ bytes: new Uint8Array(0), length: 0 });
      continue;
    }
    const v = stringOrBytesOf(c, found);
    if (v === null) return;
    const source = typeof v === 'string' ? { bytes: Buffer.from(v, 'latin1'), length: v.length } : v;
    sources.push(source);
    if (source.length > maxLength) maxLength = source.length;
  }
  const dest = argv[2];
  if (maxLength > 0) {
    const result = combine(op as BitOp, sources, maxLength);
    db.set(dest, maxLength < IN_PLACE_MIN_LENGTH ? new RawString(result.toString('latin1', 0, maxLength)) : new ByteString(result, maxLength));
    db.changed(dest, NOTIFY.STRING, 'set');
  } else if (db.delete(dest)) {
    db.changed(dest, NOTIFY.GENERIC, 'del');
  }
  c.integer(maxLength);
}

// ---- BITFIELD ---------------------------------------------------------------------------------

const OP_GET = 0;
const OP_SET = 1;
const OP_INCRBY = 2;

interface FieldOp {
  op: number;
  offset: number;
  bits: number;
  signed: boolean;
  /** SET's value or INCRBY's increment. */
  value: bigint;
  overflow: OverflowMode;
}

/** getBitfieldTypeFromArgument: i1..i64 or u1..u63 (read as a C string); null after replying. */
function fieldTypeArg(c: Client, arg: string): { signed: boolean; bits: number } | null {
  const signed = arg[0] === 'i';
  if (signed || arg[0] === 'u') {
    const nul = arg.indexOf('\0');
    const bits = parseInt64(arg.slice(1, nul >= 0 ? nul : arg.length));
    if (bits !== null && bits >= 1n && bits <= (signed ? 64n : 63n)) return { signed, bits: Number(bits) };
  }
  c.error(ERR_BITFIELD_TYPE);
  return null;
}

function bitfieldGeneric(c: Client, argv: string[], readOnlyCommand: boolean): void {
  const ops: FieldOp[] = [];
  let overflow: OverflowMode = OVERFLOW_WRAP;
  let readonly = true;
  let highest = 0;
  for (let j = 2; j < argv.length; j++) {
    const remaining = argv.length - j - 1;
    const sub = optionWord(argv[j]);
    let op: number;
    if (sub === 'get' && remaining >= 2) op = OP_GET;
    else if (sub === 'set' && remaining >= 3) op = OP_SET;
    else if (sub === 'incrby' && remaining >= 3) op = OP_INCRBY;
    else if (sub === 'overflow' && remaining >= 1) {
      const mode = optionWord(argv[++j]);
      if (mode === 'wrap') overflow = OVERFLOW_WRAP;
      else if (mode === 'sat') overflow = OVERFLOW_SAT;
      else if (mode === 'fail') overflow = OVERFLOW_FAIL;
      else {
        c.error(ERR_OVERFLOW_TYPE);
        return;
      }
      continue;
    } else {
      c.error(ERR_SYNTAX);
      return;
    }
    const type = fieldTypeArg(c, argv[j + 1]);
    if (type === null) return;
    const offset = bitOffsetArg(c, argv[j + 2], type.bits);
    if (offset === null) return;
    let value = 0n;
    if (op !== OP_GET) {
      readonly = false;
      if (highest < offset + type.bits - 1) highest = offset + type.bits - 1;
      const v = parseInt64(argv[j + 3]);
      if (v === null) {
        c.error(ERR_NOT_INTEGER);
        return;
      }
      value = v;
    }
    ops.push({ op, offset, bits: type.bits, signed: type.signed, value, overflow });
    j += op === OP_GET ? 2 : 3;
  }

  const key = argv[1];
  let target: string | ByteString | undefined;
  let grown = false;
  if (readonly) {
    const found = readStringOrBytes(c, key);
    if (found === null) return;
    target = found;
  } else {
    if (readOnlyCommand) {
      c.error(ERR_BITFIELD_RO);
      return;
    }
    const b = bitmapForWrite(c, key, highest);
    if (b === null) return;
    target = b;
    grown = grew;
  }

  c.arrayLen(ops.length);
  let changes = 0;
  for (const f of ops) {
    if (f.op === OP_GET) {
      c.integer(readField(target, f));
      continue;
    }
    // Writes went through bitmapForWrite: the target is a ByteString long enough.
    const b = target as ByteString;
    const old = f.signed ? getSigned(b.bytes, b.length, f.offset, f.bits) : getUnsigned(b.bytes, b.length, f.offset, f.bits);
    const check = f.signed ? checkSignedOverflow : checkUnsignedOverflow;
    let next: bigint;
    let reply: bigint;
    let failed: boolean;
    if (f.op === OP_INCRBY) {
      const r = check(old, f.value, f.bits, f.overflow);
      next = r.overflow !== 0 ? r.limit : old + f.value;
      reply = next;
      failed = r.overflow !== 0 && f.overflow === OVERFLOW_FAIL;
    } else {
      const r = check(f.value, 0n, f.bits, f.overflow);
      next = r.overflow !== 0 ? r.limit : f.value;
      reply = old;
      failed = r.overflow !== 0 && f.overflow === OVERFLOW_FAIL;
    }
    if (failed) {
      c.nullBulk();
      continue;
    }
    c.integer(reply);
    setBits(b.bytes, f.offset, f.bits, next);
    if (grown || old !== next) changes++;
  }
  if (!readonly) settleString(c.db, key, target as ByteString);
  if (changes > 0) c.db.changed(key, NOTIFY.STRING, 'setbit', changes);
}

/** A GET: the field of a value (zero past its end, or for a missing key). */
function readField(v: string | ByteString | undefined, f: FieldOp): bigint {
  if (v === undefined) return 0n;
  let bytes: Uint8Array;
  let length: number;
  let offset = f.offset;
  if (typeof v === 'string') {
    // The nine bytes a 64-bit field can touch.
    const first = Math.floor(offset / 8);
    bytes = Buffer.from(v.slice(first, first + 9), 'latin1');
    length = bytes.length;
    offset -= first * 8;
  } else {
    bytes = v.bytes;
    length = v.length;
  }
  return f.signed ? getSigned(bytes, length, offset, f.bits) : getUnsigned(bytes, length, offset, f.bits);
}

function bitfield(c: Client, argv: string[]): void {
  bitfieldGeneric(c, argv, false);
}

function bitfieldRo(c: Client, argv: string[]): void {
  bitfieldGeneric(c, argv, true);
}

export const bitmapCommands: CommandSpec[] = [
  { name: 'bitcount', handler: bitcount },
  { name: 'bitfield', handler: bitfield },
  { name: 'bitfield_ro', handler: bitfieldRo },
  { name: 'bitop', handler: bitopCommand },
  { name: 'bitpos', handler: bitposCommand },
  { name: 'getbit', handler: getbit },
  { name: 'setbit', handler: setbit },
];
