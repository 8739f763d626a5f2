// String commands (t_string.c): GET/SET and their variants, counters, ranges and LCS.

import type { CommandSpec } from '../server/command.js';
import type { Client } from '../server/client.js';
import {
  ERR_OVERFLOW,
  ERR_STRING_TOO_LONG,
  errWrongArgs,
} from '../server/errors.js';
import { ByteString, RawString, stringValue, type Value } from '../types/value.js';
import { parseInteger, INT64_MAX, INT64_MIN } from '../util/numbers.js';
import { addLongDouble, formatLongDoubleHuman, LD_ZERO } from '../util/longdouble.js';
import { NOTIFY } from '../keyspace/notify.js';
import { readString, readStringOrBytes, settleString, stringOf, stringOrBytesOf } from './lookup.js';
import {
  ArgCursor,
  EXPIRE_POSITIVE,
  EXPIRE_RELATIVE,
  EXPIRE_SECONDS,
  expireTimeArg,
  int64Arg,
  integerArg,
  longDoubleArg,
} from './args.js';

const ERR_OFFSET_RANGE = 'ERR offset is out of range';
const ERR_INCR_NAN = 'ERR increment would produce NaN or Infinity';
const ERR_DECR_OVERFLOW = 'ERR decrement would overflow';
const ERR_LCS_TYPES = 'ERR The specified keys must contain string values';
const ERR_LCS_LEN_IDX = 'ERR If you want both the length and indexes, please just use IDX.';
const ERR_LCS_TOO_LONG = 'ERR String too long for LCS';
const ERR_LCS_MEMORY_LIMIT = 'ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len';
const ERR_LCS_MEMORY = 'ERR Insufficient memory, failed allocating transient memory for LCS';

/**
 * INCRBYFLOAT's result when it reads as an integer: Redis stores it as a plain string object
 * (embstr), not as an integer, so OBJECT ENCODING must not say "int". Other results are plain
 * strings, whose encoding encodingOf() already reports right.
 */
class FloatResult extends RawString {
  override encoding(): string {
    return 'embstr';
  }
}

/** A value that APPEND/SETRANGE may grow in place: Redis's raw-encoded, unshared string. */
function isRawString(v: Value): v is RawString {
  return v instanceof RawString && !(v instanceof FloatResult);
}

/** GET's reply for a key; false when it replied WRONGTYPE (getGenericCommand). */
function replyGet(c: Client, key: string): boolean {
  const s = readString(c, key);
  if (s === null) return false;
  if (s === undefined) c.nullBulk();
  else c.bulk(s);
  return true;
}

// ---- GET, SET and friends ---------------------------------------------------------------------

function get(c: Client, argv: string[]): void {
  // readString, unrolled for the hottest command.
  const v = c.db.lookupRead(argv[1]);
  if (v === undefined) c.nullBulk();
  else if (typeof v === 'string') c.bulk(v);
  else {
    const s = stringOf(c, v);
    if (s !== null) c.bulk(s);
  }
}

const F_NX = 1;
const F_XX = 2;
const F_GET = 4;
const F_KEEPTTL = 8;
const F_PERSIST = 16;
const F_EX = 32;
const F_PX = 64;
const F_EXAT = 128;
const F_PXAT = 256;
const F_ANY_EXPIRE = F_EX | F_PX | F_EXAT | F_PXAT;

// Results of parseStringOptions (module state, so the parse allocates nothing).
let optFlags = 0;
let optExpire: string | null = null;

/**
 * Parses SET's (from argv[3]) or GETEX's (from argv[2]) options as Redis does: each option is
 * accepted only when it does not conflict with one already seen; repeating one is allowed and
 * the last expire value wins. Replies a syntax error and returns false otherwise.
 */
function parseStringOptions(c: Client, argv: string[], isSet: boolean): boolean {
  let flags = 0;
  let expire: string | null = null;
  const opts = new ArgCursor(c, argv, isSet ? 3 : 2);
  for (let opt = opts.next(); opt !== null; opt = opts.next()) {
    const hasNext = opts.hasValue();
    if (opt === 'nx' && isSet && !(flags & F_XX)) flags |= F_NX;
    else if (opt === 'xx' && isSet && !(flags & F_NX)) flags |= F_XX;
    else if (opt === 'get' && isSet) flags |= F_GET;
    else if (opt === 'keepttl' && isSet && !(flags & (F_PERSIST | F_ANY_EXPIRE))) flags |= F_KEEPTTL;
    else if (opt === 'persist' && !isSet && !(flags & (F_ANY_EXPIRE | F_KEEPTTL))) flags |= F_PERSIST;
    else if (opt === 'ex' && hasNext && !(flags & (F_KEEPTTL | F_PERSIST | F_EXAT | F_PX | F_PXAT))) {
      flags |= F_EX;
      expire = opts.value();
    } else if (opt === 'px' && hasNext && !(flags & (F_KEEPTTL | F_PERSIST | F_EX | F_EXAT | F_PXAT))) {
      flags |= F_PX;
      expire = opts.value();
    } else if (opt === 'exat' && hasNext && !(flags & (F_KEEPTTL | F_PERSIST | F_EX | F_PX | F_PXAT))) {
      flags |= F_EXAT;
      expire = opts.value();
    } else if (opt === 'pxat' && hasNext && !(flags & (F_KEEPTTL | F_PERSIST | F_EX | F_EXAT | F_PX))) {
      flags |= F_PXAT;
      expire = opts.value();
    } else {
      opts.syntaxError();
      return false;
    }
  }
  optFlags = flags;
  optExpire = expire;
  return true;
}

/**
 * The absolute expire time (unix ms) an EX/PX/EXAT/PXAT argument asks for, checked as Redis's
 * getExpireMillisecondsOrReply does (non-positive, or overflowing 64 bits, is invalid); null
 * after replying.
 */
function expireTime(c: Client, arg: string, flags: number, name: string): number | bigint | null {
  let how = EXPIRE_POSITIVE;
  if (flags & (F_EX | F_EXAT)) how |= EXPIRE_SECONDS;
  if (flags & (F_EX | F_PX)) how |= EXPIRE_RELATIVE;
  return expireTimeArg(c, arg, name, how);
}

/**
 * setGenericCommand: validate the expire, reply the old value for GET, honour NX/XX, store.
 * With nxStyleReplies (SETNX) it answers :1 / :0 instead of +OK / null.
 */
function setGeneric(
  c: Client,
  name: string,
  flags: number,
  key: string,
  val: string,
  expire: string | null,
  nxStyleReplies: boolean,
): void {
  let when: number | bigint = 0;
  if (expire !== null) {
    const t = expireTime(c, expire, flags, name);
    if (t === null) return;
    when = t;
  }
  if (flags & F_GET) {
    if (!replyGet(c, key)) return;
  }
  const found = c.db.lookupWrite(key) !== undefined;
  if (((flags & F_NX) && found) || ((flags & F_XX) && !found)) {
    if (!(flags & F_GET)) {
      if (nxStyleReplies) c.integer(0);
      else c.nullBulk();
    }
    return;
  }
  const db = c.db;
  db.set(key, val, (flags & F_KEEPTTL) !== 0 || expire !== null);
  db.changed(key, NOTIFY.STRING, 'set');
  if (expire !== null) {
    db.setExpire(key, when);
    db.changed(key, NOTIFY.GENERIC, 'expire', 0);
    // Propagated with an absolute time, so replicas and the AOF expire it at the same instant.
    if (!(flags & F_PXAT)) c.rewriteArgv(['SET', key, val, 'PXAT', String(when)]);
  }
  if (!(flags & F_GET)) {
    if (nxStyleReplies) c.integer(1);
    else c.ok();
  }
}

function set(c: Client, argv: string[]): void {
  if (argv.length === 3) {
    // The hot path: plain SET. Expire an old volatile key first, as Redis's lookup would.
    const db = c.db;
    if (db.expires.size !== 0) db.expireIfNeeded(argv[1]);
    db.set(argv[1], argv[2]);
    db.changed(argv[1], NOTIFY.STRING, 'set');
    c.ok();
    return;
  }
  if (!parseStringOptions(c, argv, true)) return;
  const flags = optFlags;
  setGeneric(c, 'set', flags, argv[1], argv[2], optExpire, false);
  // The old value is the reply's business, not the effect's: propagated without GET (unless a
  // relative expire already rewrote the whole command).
  if (flags & F_GET && c.propagateArgv === null) c.rewriteArgv(withoutGet(argv));
}

/** argv without its GET options, compared as Redis does: the first three bytes, then a NUL or the end. */
function withoutGet(argv: string[]): string[] {
  return argv.filter((a, j) => j < 3 || !(a.length >= 3 && a.slice(0, 3).toLowerCase() === 'get' && (a.length === 3 || a[3] === '\0')));
}

function setnx(c: Client, argv: string[]): void {
  setGeneric(c, 'setnx', F_NX, argv[1], argv[2], null, true);
}

function setex(c: Client, argv: string[]): void {
  setGeneric(c, 'setex', F_EX, argv[1], argv[3], argv[2], false);
}

function psetex(c: Client, argv: string[]): void {
  setGeneric(c, 'psetex', F_PX, argv[1], argv[3], argv[2], false);
}

function getex(c: Client, argv: string[]): void {
  if (!parseStringOptions(c, argv, false)) return;
  const flags = optFlags;
  const expire = optExpire;
  const key = argv[1];
  const s = readString(c, key);
  if (s === null) return;
  if (s === undefined) {
    c.nullBulk();
    return;
  }
  let when: number | bigint = 0;
  if (expire !== null) {
    const t = expireTime(c, expire, flags, 'getex');
    if (t === null) return;
    when = t;
  }
  c.bulk(s);
  const db = c.db;
  if (flags & (F_EXAT | F_PXAT) && when <= c.server.now()) {
    // An absolute time already past deletes the key.
    db.delete(key);
    db.changed(key, NOTIFY.GENERIC, 'del');
    c.rewriteArgv(['DEL', key]);
  } else if (expire !== null) {
    db.setExpire(key, when);
    db.changed(key, NOTIFY.GENERIC, 'expire');
    c.rewriteArgv(['PEXPIREAT', key, String(when)]);
  } else if (flags & F_PERSIST) {
    if (db.removeExpire(key)) {
      db.changed(key, NOTIFY.GENERIC, 'persist');
      c.rewriteArgv(['PERSIST', key]);
    }
  }
}

function getdel(c: Client, argv: string[]): void {
  if (!replyGet(c, argv[1])) return;
  if (c.db.delete(argv[1])) {
    c.db.changed(argv[1], NOTIFY.GENERIC, 'del');
    c.rewriteArgv(['DEL', argv[1]]);
  }
}

function getset(c: Client, argv: string[]): void {
  if (!replyGet(c, argv[1])) return;
  c.db.set(argv[1], argv[2]);
  c.db.changed(argv[1], NOTIFY.STRING, 'set');
  // Propagated as SET: GETSET's reply is no part of its effect.
  c.rewriteArgv(['SET', argv[1], argv[2]]);
}

function mget(c: Client, argv: string[]): void {
  const db = c.db;
  c.arrayLen(argv.length - 1);
  for (let j = 1; j < argv.length; j++) {
    const v = db.lookupRead(argv[j]);
    if (v === undefined) c.nullBulk();
    else if (typeof v === 'string') c.bulk(v);
    else {
      const s = stringValue(v);
      if (s === null) c.nullBulk();
      else c.bulk(s);
    }
  }
}

function msetGeneric(c: Client, argv: string[], nx: boolean): void {
  if (argv.length % 2 === 0) {
    c.error(errWrongArgs(nx ? 'msetnx' : 'mset'));
    return;
  }
  const db = c.db;
  if (nx) {
    for (let j = 1; j < argv.length; j += 2) {
      if (db.lookupWrite(argv[j]) !== undefined) {
        c.integer(0);
        return;
      }
    }
  }
  for (let j = 1; j < argv.length; j += 2) {
    if (!nx && db.expires.size !== 0) db.expireIfNeeded(argv[j]);
    db.set(argv[j], argv[j + 1]);
    db.changed(argv[j], NOTIFY.STRING, 'set');
  }
  if (nx) c.integer(1);
  else c.ok();
}

function mset(c: Client, argv: string[]): void {
  msetGeneric(c, argv, false);
}

function msetnx(c: Client, argv: string[]): void {
  msetGeneric(c, argv, true);
}

// ---- Counters ---------------------------------------------------------------------------------

/**
 * incrDecrCommand. The increment is incr (|incr| < 10^15) or, when larger, bigIncr. Small values
 * and increments stay on plain numbers; anything that could pass 2^53 goes through BigInt.
 */
function incrDecr(c: Client, key: string, incr: number, bigIncr: bigint | null): void {
  const db = c.db;
  const v = db.lookupWrite(key);
  let s: string;
  if (v === undefined) s = '0';
  else if (typeof v === 'string') s = v;
  else {
    const sv = stringOf(c, v);
    if (sv === null) return;
    s = sv;
  }
  let result: string;
  if (bigIncr === null && s.length <= 15) {
    // Both operands are below 10^15 in magnitude: the sum is exact and within 64 bits.
    const n = integerArg(c, s);
    if (n === null) return;
    const r = n + incr;
    result = String(r);
  } else {
    const n = int64Arg(c, s);
    if (n === null) return;
    const r = BigInt(n) + (bigIncr ?? BigInt(incr));
    if (r > INT64_MAX || r < INT64_MIN) {
      c.error(ERR_OVERFLOW);
      return;
    }
    result = r.toString();
  }
  if (v === undefined) db.set(key, result);
  else db.replace(key, result);
  db.changed(key, NOTIFY.STRING, 'incrby');
  c.integerText(result);
}

function incr(c: Client, argv: string[]): void {
  incrDecr(c, argv[1], 1, null);
}

function decr(c: Client, argv: string[]): void {
  incrDecr(c, argv[1], -1, null);
}

function incrby(c: Client, argv: string[]): void {
  const n = int64Arg(c, argv[2]);
  if (n === null) return;
  if (typeof n === 'number') incrDecr(c, argv[1], n, null);
  else incrDecr(c, argv[1], 0, n);
}

function decrby(c: Client, argv: string[]): void {
  const n = int64Arg(c, argv[2]);
  if (n === null) return;
  if (typeof n === 'number') incrDecr(c, argv[1], n === 0 ? 0 : -n, null);
  else if (n === INT64_MIN) c.error(ERR_DECR_OVERFLOW);
  else incrDecr(c, argv[1], 0, -n);
}

function incrbyfloat(c: Client, argv: string[]): void {
  const db = c.db;
  const key = argv[1];
  const v = db.lookupWrite(key);
  let current = LD_ZERO;
  if (v !== undefined) {
    const s = stringOf(c, v);
    if (s === null) return;
    const parsed = longDoubleArg(c, s);
    if (parsed === null) return;
    current = parsed;
  }
  const by = longDoubleArg(c, argv[2]);
  if (by === null) return;
  const sum = addLongDouble(current, by);
  if (sum.inf) {
    c.error(ERR_INCR_NAN);
    return;
  }
  const text = formatLongDoubleHuman(sum);
  const stored: Value = text.length <= 20 && parseInteger(text) !== null ? new FloatResult(text) : text;
  if (v === undefined) db.set(key, stored);
  else db.replace(key, stored);
  db.changed(key, NOTIFY.STRING, 'incrbyfloat');
  // The result, not the increment, so float rounding cannot differ on a replica.
  c.rewriteArgv(['SET', key, text, 'KEEPTTL']);
  c.bulk(text);
}

// ---- Growing strings in place -----------------------------------------------------------------

/** checkStringLength: false (after replying) when the result would pass proto-max-bulk-len. */
function checkStringLength(c: Client, size: number, append: number): boolean {
  if (size + append > c.server.config.num('proto-max-bulk-len')) {
    c.error(ERR_STRING_TOO_LONG);
    return false;
  }
  return true;
}

/** V8 cannot hold a string this long; Redis could (up to proto-max-bulk-len). */
function tooLongForV8(c: Client, err: unknown): void {
  if (err instanceof RangeError) c.error(ERR_STRING_TOO_LONG);
  else throw err;
}

function append(c: Client, argv: string[]): void {
  const db = c.db;
  const key = argv[1];
  const add = argv[2];
  const v = db.lookupWrite(key);
  let len: number;
  if (v === undefined) {
    db.set(key, add);
    len = add.length;
  } else {
    const s = stringOrBytesOf(c, v);
    if (s === null) return;
    if (!checkStringLength(c, s.length, add.length)) return;
    try {
      if (s instanceof ByteString) {
        // A bitmap or HyperLogLog grows in place too.
        s.reserve(add.length);
        s.bytes.write(add, s.length, 'latin1');
        s.length += add.length;
        len = s.length;
        settleString(db, key, s);
      } else if (isRawString(v)) {
        v.s += add;
        len = v.s.length;
      } else {
        const grown = new RawString(s + add);
        len = grown.s.length;
        db.replace(key, grown);
      }
    } catch (err) {
      tooLongForV8(c, err);
      return;
    }
  }
  db.changed(key, NOTIFY.STRING, 'append');
  c.integer(len);
}

/** s with value written at offset, zero-padded when offset is past the end. */
function overwrite(s: string, offset: number, value: string): string {
  if (offset >= s.length) return s + '\0'.repeat(offset - s.length) + value;
  const end = offset + value.length;
  return end >= s.length ? s.slice(0, offset) + value : s.slice(0, offset) + value + s.slice(end);
}

function setrange(c: Client, argv: string[]): void {
  const db = c.db;
  const key = argv[1];
  const value = argv[3];
  const offset = integerArg(c, argv[2]);
  if (offset === null) return;
  if (offset < 0) {
    c.error(ERR_OFFSET_RANGE);
    return;
  }
  const v = db.lookupWrite(key);
  let result: number;
  try {
    if (v === undefined) {
      if (value.length === 0) {
        c.integer(0);
        return;
      }
      if (!checkStringLength(c, offset, value.length)) return;
      const created = new RawString(overwrite('', offset, value));
      db.set(key, created);
      result = created.s.length;
    } else {
      const s = stringOrBytesOf(c, v);
      if (s === null) return;
      if (value.length === 0) {
        c.integer(s.length);
        return;
      }
      if (!checkStringLength(c, offset, value.length)) return;
      if (s instanceof ByteString) {
        // In place, zero-padded first when the offset is past the end.
        s.growZero(offset + value.length);
        s.bytes.write(value, offset, 'latin1');
        result = s.length;
        settleString(db, key, s);
      } else if (isRawString(v)) {
        v.s = overwrite(s, offset, value);
        result = v.s.length;
      } else {
        const grown = new RawString(overwrite(s, offset, value));
        result = grown.s.length;
        db.replace(key, grown);
      }
    }
  } catch (err) {
    tooLongForV8(c, err);
    return;
  }
  db.changed(key, NOTIFY.STRING, 'setrange');
  c.integer(result);
}

// ---- Reading ----------------------------------------------------------------------------------

function getrange(c: Client, argv: string[]): void {
  let start = integerArg(c, argv[2]);
  if (start === null) return;
  let end = integerArg(c, argv[3]);
  if (end === null) return;
  const s = readStringOrBytes(c, argv[1]);
  if (s === null) return;
  if (s === undefined) {
    c.bulk('');
    return;
  }
  const len = s.length;
  if (start < 0 && end < 0 && start > end) {
    c.bulk('');
    return;
  }
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (start > end || len === 0) c.bulk('');
  else if (typeof s === 'string') c.bulk(s.slice(start, end + 1));
  else c.bulk(s.bytes.toString('latin1', start, end + 1));
}

function strlen(c: Client, argv: string[]): void {
  const s = readStringOrBytes(c, argv[1]);
  if (s === null) return;
  c.integer(s === undefined ? 0 : s.length);
}

// ---- LCS --------------------------------------------------------------------------------------

function lcs(c: Client, argv: string[]): void {
  const db = c.db;
  const va = db.lookupRead(argv[1]);
  const vb = db.lookupRead(argv[2]);
  const a = va === undefined ? '' : stringValue(va);
  const b = vb === undefined ? '' : stringValue(vb);
  if (a === null || b === null) {
    c.error(ERR_LCS_TYPES);
    return;
  }
  let getLen = false;
  let getIdx = false;
  let withMatchLen = false;
  let minMatchLen = 0;
  const opts = new ArgCursor(c, argv, 3);
  for (let opt = opts.next(); opt !== null; opt = opts.next()) {
    if (opt === 'idx') getIdx = true;
    else if (opt === 'len') getLen = true;
    else if (opt === 'withmatchlen') withMatchLen = true;
    else if (opt === 'minmatchlen' && opts.hasValue()) {
      const n = integerArg(c, opts.value());
      if (n === null) return;
      minMatchLen = n < 0 ? 0 : n;
    } else {
      opts.syntaxError();
      return;
    }
  }
  if (getLen && getIdx) {
    c.error(ERR_LCS_LEN_IDX);
    return;
  }
  const alen = a.length;
  const blen = b.length;
  if (alen >= 0xfffffffe || blen >= 0xfffffffe) {
    c.error(ERR_LCS_TOO_LONG);
    return;
  }
  const width = blen + 1;
  const cells = (alen + 1) * width;
  if (cells * 4 > c.server.config.num('proto-max-bulk-len')) {
    c.error(ERR_LCS_MEMORY_LIMIT);
    return;
  }
  let table: Uint32Array;
  try {
    table = new Uint32Array(cells);
  } catch {
    c.error(ERR_LCS_MEMORY);
    return;
  }
  // table[i * width + j] = length of the LCS of a[0, i) and b[0, j). Row 0 and column 0 stay 0.
  for (let i = 1; i <= alen; i++) {
    const ai = a.charCodeAt(i - 1);
    const row = i * width;
    const prev = row - width;
    for (let j = 1; j <= blen; j++) {
      if (ai === b.charCodeAt(j - 1)) table[row + j] = table[prev + j - 1] + 1;
      else {
        const up = table[prev + j];
        const left = table[row + j - 1];
        table[row + j] = up > left ? up : left;
      }
    }
  }
  const total = table[alen * width + blen];
  if (getLen) {
    c.integer(total);
    return;
  }

  // Walk back from the end, collecting the common bytes and, for IDX, the matching ranges
  // (reported from the last to the first, as Redis does).
  const chars = new Array<string>(total);
  const ranges: number[] = [];
  let idx = total;
  let i = alen;
  let j = blen;
  const NONE = alen;
  let aStart = NONE;
  let aEnd = 0;
  let bStart = 0;
  let bEnd = 0;
  while (i > 0 && j > 0) {
    let emit = false;
    if (a.charCodeAt(i - 1) === b.charCodeAt(j - 1)) {
      chars[idx - 1] = a[i - 1];
      if (aStart === NONE) {
        aStart = aEnd = i - 1;
        bStart = bEnd = j - 1;
      } else if (aStart === i && bStart === j) {
        aStart--;
        bStart--;
      } else {
        emit = true;
      }
      if (aStart === 0 || bStart === 0) emit = true;
      idx--;
      i--;
      j--;
    } else {
      if (table[(i - 1) * width + j] > table[i * width + j - 1]) i--;
      else j--;
      if (aStart !== NONE) emit = true;
    }
    if (emit) {
      const matchLen = aEnd - aStart + 1;
      if (minMatchLen === 0 || matchLen >= minMatchLen) ranges.push(aStart, aEnd, bStart, bEnd, matchLen);
      aStart = NONE;
    }
  }
  if (!getIdx) {
    c.bulk(chars.join(''));
    return;
  }
  c.mapLen(2);
  c.bulk('matches');
  const n = ranges.length / 5;
  c.arrayLen(n);
  for (let k = 0; k < ranges.length; k += 5) {
    c.arrayLen(withMatchLen ? 3 : 2);
    c.arrayLen(2);
    c.integer(ranges[k]);
    c.integer(ranges[k + 1]);
    c.arrayLen(2);
    c.integer(ranges[k + 2]);
    c.integer(ranges[k + 3]);
    if (withMatchLen) c.integer(ranges[k + 4]);
  }
  c.bulk('len');
  c.integer(total);
}

export const stringCommands: CommandSpec[] = [
  { name: 'append', handler: append },
  { name: 'decr', handler: decr },
  { name: 'decrby', handler: decrby },
  { name: 'get', handler: get },
  { name: 'getdel', handler: getdel },
  { name: 'getex', handler: getex },
  { name: 'getrange', handler: getrange },
  { name: 'getset', handler: getset },
  { name: 'incr', handler: incr },
  { name: 'incrby', handler: incrby },
  { name: 'incrbyfloat', handler: incrbyfloat },
  { name: 'lcs', handler: lcs },
  { name: 'mget', handler: mget },
  { name: 'mset', handler: mset },
  { name: 'msetnx', handler: msetnx },
  { name: 'psetex', handler: psetex },
  { name: 'set', handler: set },
  { name: 'setex', handler: setex },
  { name: 'setnx', handler: setnx },
  { name: 'setrange', handler: setrange },
  { name: 'strlen', handler: strlen },
  { name: 'substr', handler: getrange },
];
