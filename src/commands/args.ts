// Argument helpers with Redis's replies: the *OrReply functions of object.c, timeout.c, expire.c
// and t_string.c. Each reads one argument, and when it is not valid replies the error itself and
// returns null, so handlers read:
//
//   const n = integerArg(c, argv[2]);
//   if (n === null) return;
//
// msg, where a helper takes one, replaces the default error text (with its code: "ERR ..."), as
// the msg argument of Redis's functions does.

import type { Client } from '../server/client.js';
import type { Database } from '../keyspace/db.js';
import { ERR_DB_INDEX, ERR_NOT_FLOAT, ERR_NOT_INTEGER, ERR_SYNTAX, errValueRange } from '../server/errors.js';
import { parseDouble, parseInt64, parseInteger, INT64_MAX } from '../util/numbers.js';
import { ceilLongDouble, mulLongDoubleInt, parseLongDouble, type LongDouble } from '../util/longdouble.js';
import { cString, optionWord } from '../util/cstring.js';

/** C's INT_MIN and INT_MAX: the range of getIntFromObjectOrReply. */
export const INT_MIN = -2147483648;
export const INT_MAX = 2147483647;

export const ERR_NOT_POSITIVE = 'ERR value is out of range, must be positive';
export const ERR_TIMEOUT_NOT_FLOAT = 'ERR timeout is not a float or out of range';
export const ERR_TIMEOUT_NOT_INTEGER = 'ERR timeout is not an integer or out of range';
export const ERR_TIMEOUT_NEGATIVE = 'ERR timeout is negative';
export const ERR_TIMEOUT_RANGE = 'ERR timeout is out of range';

/** Redis's addReplyErrorExpireTime. */
export function errInvalidExpire(name: string): string {
  return `ERR invalid expire time in '${name}' command`;
}

// ---- Integers ---------------------------------------------------------------------------------

/**
 * getLongLongFromObjectOrReply: a signed 64-bit integer written as string2ll accepts it, as a
 * number (exact up to 2^53; larger values are rounded, which is fine for counts, indexes and
 * offsets).
 */
export function integerArg(c: Client, arg: string, msg: string = ERR_NOT_INTEGER): number | null {
  const v = parseInteger(arg);
  if (v === null) c.error(msg);
  return v;
}

/**
 * getLongLongFromObjectOrReply, exactly: a number when the argument has at most 15 characters
 * (|v| < 10^15, so sums with other such numbers stay exact), else a bigint.
 */
export function int64Arg(c: Client, arg: string, msg: string = ERR_NOT_INTEGER): number | bigint | null {
  const v = arg.length <= 15 ? parseInteger(arg) : parseInt64(arg);
  if (v === null) c.error(msg);
  return v;
}

/**
 * getRangeLongFromObjectOrReply: an integer within [min, max], else errValueRange (msg replaces
 * both errors). Bounds are exact integers, or ±Infinity for none.
 */
export function rangeArg(c: Client, arg: string, min: number, max: number, msg?: string): number | null {
  const v = parseInteger(arg);
  if (v === null) {
    c.error(msg ?? ERR_NOT_INTEGER);
    return null;
  }
  if (v < min || v > max) {
    c.error(msg ?? errValueRange(min, max));
    return null;
  }
  return v;
}

/** getIntFromObjectOrReply: a C int (32 bits). */
export function intArg(c: Client, arg: string, msg?: string): number | null {
  return rangeArg(c, arg, INT_MIN, INT_MAX, msg);
}

/** getPositiveLongFromObjectOrReply: 0 or more; one error for malformed and negative numbers. */
export function positiveArg(c: Client, arg: string, msg: string = ERR_NOT_POSITIVE): number | null {
  return rangeArg(c, arg, 0, Infinity, msg);
}

/** A database by its index (MOVE, COPY DB): getIntFromObjectOrReply, then ERR_DB_INDEX. */
export function dbArg(c: Client, arg: string): Database | null {
  const id = intArg(c, arg);
  if (id === null) return null;
  if (id < 0 || id >= c.server.dbs.length) {
    c.error(ERR_DB_INDEX);
    return null;
  }
  return c.server.dbs[id];
}

/** isspace() in the C locale. */
function isCSpace(b: number): boolean {
  return b === 32 || (b >= 9 && b <= 13);
}

const ULONG_LIMIT = 2n ** 64n;

/**
 * A SCAN cursor as Redis reads it with strtoul(): an unsigned 64-bit decimal, where a leading
 * '-' wraps around ("-1" is 2^64-1), an empty string is 0, and only leading blanks, trailing
 * junk and overflow are rejected. null when invalid.
 */
export function parseScanCursor(arg: string): bigint | null {
  const s = cString(arg);
  if (s.length === 0) return 0n;
  if (isCSpace(s.charCodeAt(0))) return null;
  let i = 0;
  const neg = s[0] === '-';
  if (neg || s[0] === '+') i = 1;
  if (i === s.length) return null;
  for (let j = i; j < s.length; j++) {
    const b = s.charCodeAt(j);
    if (b < 48 || b > 57) return null;
  }
  const v = BigInt(s.slice(i));
  if (v >= ULONG_LIMIT) return null;
  return neg ? (ULONG_LIMIT - v) % ULONG_LIMIT : v;
}

/** parseScanCursorOrReply: a SCAN/HSCAN/SSCAN/ZSCAN cursor, else "ERR invalid cursor". */
export function scanCursorArg(c: Client, arg: string): bigint | null {
  const cursor = parseScanCursor(arg);
  if (cursor === null) c.error('ERR invalid cursor');
  return cursor;
}

// ---- Floating point ---------------------------------------------------------------------------

/** getDoubleFromObjectOrReply: strtod's syntax over the whole argument; inf allowed, NaN not. */
export function doubleArg(c: Client, arg: string, msg: string = ERR_NOT_FLOAT): number | null {
  const v = parseDouble(arg);
  if (v === null) c.error(msg);
  return v;
}

/** getLongDoubleFromObjectOrReply: strtold's syntax, as an exact x87 long double. */
export function longDoubleArg(c: Client, arg: string, msg: string = ERR_NOT_FLOAT): LongDouble | null {
  const v = parseLongDouble(arg);
  if (v === null) c.error(msg);
  return v;
}

// ---- Times ------------------------------------------------------------------------------------

/**
 * getTimeoutFromObjectOrReply as in Redis 7.2: a blocking timeout in seconds (a long double,
 * decimals allowed; BLPOP …) or in milliseconds (an integer; WAIT, XREAD BLOCK), as the
 * absolute unix time in ms it ends at, or 0 for "no timeout". Seconds are scaled to ms in long
 * double and rounded up. Redis 7.0 (the test oracle) instead truncated, and did not check the
 * range, so a timeout past 2^63 ms read as negative there.
 */
export function timeoutArg(c: Client, arg: string, unit: 'seconds' | 'milliseconds'): number | null {
  let ms: bigint;
  if (unit === 'seconds') {
    const seconds = longDoubleArg(c, arg, ERR_TIMEOUT_NOT_FLOAT);
    if (seconds === null) return null;
    const scaled = mulLongDoubleInt(seconds, 1000n);
    const up = ceilLongDouble(scaled);
    if (up === null ? !scaled.neg : up > INT64_MAX) {
      c.error(ERR_TIMEOUT_RANGE);
      return null;
    }
    // ceill(-inf) converted to long long is LLONG_MIN on x86: negative, like any negative value.
    ms = up ?? -1n;
  } else {
    const v = int64Arg(c, arg, ERR_TIMEOUT_NOT_INTEGER);
    if (v === null) return null;
    ms = BigInt(v);
  }
  if (ms < 0n) {
    c.error(ERR_TIMEOUT_NEGATIVE);
    return null;
  }
  if (ms === 0n) return 0;
  const now = Math.floor(c.server.now());
  if (ms > INT64_MAX - BigInt(now)) {
    c.error(ERR_TIMEOUT_RANGE);
    return null;
  }
  return Number(ms) + now;
}

/** expireTimeArg: the argument counts seconds (EX, EXAT, EXPIRE, EXPIREAT); else milliseconds. */
export const EXPIRE_SECONDS = 1;
/** expireTimeArg: the time counts from now (EX, PX, EXPIRE, PEXPIRE); else it is a unix time. */
export const EXPIRE_RELATIVE = 2;
/**
 * expireTimeArg: zero and negative times are invalid (SET's and GETEX's options, SETEX, PSETEX);
 * else they are allowed (EXPIRE and friends, where a time already past deletes the key).
 */
export const EXPIRE_POSITIVE = 4;

const INT64_MAX_SECONDS = INT64_MAX / 1000n;
const INT64_MIN_SECONDS = -INT64_MAX_SECONDS;

/**
 * An expire time as an absolute unix time in ms, checked as Redis's getExpireMillisecondsOrReply
 * (with EXPIRE_POSITIVE) and expireGenericCommand (without) do: not an integer is ERR_NOT_INTEGER;
 * a non-positive time where one is required, or one whose conversion to ms or addition of now
 * would pass 64 bits, is "invalid expire time in '<name>' command". A number when it is exact
 * (the usual case), else a bigint; null after replying.
 */
export function expireTimeArg(c: Client, arg: string, name: string, flags: number): number | bigint | null {
  const seconds = (flags & EXPIRE_SECONDS) !== 0;
  if (arg.length <= 12) {
    // Common case: |v| < 10^12, so v * 1000 + now stays below 2^53 and far from 64 bits.
    const v = parseInteger(arg);
    if (v === null) {
      c.error(ERR_NOT_INTEGER);
      return null;
    }
    if (v <= 0 && flags & EXPIRE_POSITIVE) {
      c.error(errInvalidExpire(name));
      return null;
    }
    const ms = seconds ? v * 1000 : v;
    return flags & EXPIRE_RELATIVE ? ms + Math.floor(c.server.now()) : ms;
  }
  let when = parseInt64(arg);
  if (when === null) {
    c.error(ERR_NOT_INTEGER);
    return null;
  }
  if (
    (when <= 0n && flags & EXPIRE_POSITIVE) ||
    (seconds && (when > INT64_MAX_SECONDS || when < INT64_MIN_SECONDS))
  ) {
    c.error(errInvalidExpire(name));
    return null;
  }
  if (seconds) when *= 1000n;
  if (flags & EXPIRE_RELATIVE) {
    const now = BigInt(Math.floor(c.server.now()));
    // Redis's 64-bit sum would wrap.
    if (when > INT64_MAX - now) {
      c.error(errInvalidExpire(name));
      return null;
    }
    when += now;
  }
  return when >= -9007199254740991n && when <= 9007199254740991n ? Number(when) : when;
}

// ---- Options ----------------------------------------------------------------------------------

/**
 * Walks a command's options from argv[start], as Redis's `for (j = start; j < c->argc; j++)`
 * loops with strcasecmp do:
 *
 *   const opts = new ArgCursor(c, argv, 3);
 *   for (let opt = opts.next(); opt !== null; opt = opts.next()) {
 *     if (opt === 'nx') nx = true;
 *     else if (opt === 'count' && opts.hasValue()) {
 *       const n = integerArg(c, opts.value());
 *       if (n === null) return;
 *       count = n;
 *     } else return opts.syntaxError();
 *   }
 */
export class ArgCursor {
  /** Index in argv of the current option. */
  private i: number;

  constructor(
    private readonly c: Client,
    private readonly argv: readonly string[],
    start: number,
  ) {
    this.i = start - 1;
  }

  /** The next option as an option word (up to a NUL byte, lower-case), or null after the last. */
  next(): string | null {
    return ++this.i < this.argv.length ? optionWord(this.argv[this.i]) : null;
  }

  /** The current option as sent (for error messages). */
  get arg(): string {
    return this.argv[this.i];
  }

  /** How many arguments follow the current one. */
  get remaining(): number {
    return this.argv.length - 1 - this.i;
  }

  /** True if at least n arguments follow the current one. */
  hasValue(n = 1): boolean {
    return this.argv.length - 1 - this.i >= n;
  }

  /** Takes the argument after the current one (check hasValue() first). */
  value(): string {
    return this.argv[++this.i];
  }

  /** Replies ERR syntax error. */
  syntaxError(): void {
    this.c.error(ERR_SYNTAX);
  }
}

// ---- Collections ------------------------------------------------------------------------------

const ERR_COUNT_RANGE = 'ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807';

/**
 * getRangeLongFromObjectOrReply(-LONG_MAX, LONG_MAX): the count of SRANDMEMBER and HRANDFIELD,
 * whose sign matters (negative: repeats allowed). A number up to 15 digits, else a bigint.
 */
export function signedCountArg(c: Client, arg: string): number | bigint | null {
  const v = int64Arg(c, arg);
  if (v === null) return null;
  if (typeof v === 'bigint' && v < -INT64_MAX) {
    c.error(ERR_COUNT_RANGE);
    return null;
  }
  return v;
}

/** What HSCAN, SSCAN, ZSCAN (and SCAN) take after the cursor. */
export interface ScanOptions {
  /** COUNT: how many elements to visit (at least 1; default 10). */
  count: number;
  /** MATCH, or null when there is none (a lone "*" is none). */
  pattern: string | null;
  /** TYPE (SCAN only), lower-case, or null. */
  type: string | null;
}

/**
 * scanGenericCommand's options from argv[start]: COUNT n (an integer of at least 1, else a syntax
 * error), MATCH pattern and, where allowType (SCAN), TYPE name. null after replying.
 */
export function scanOptionsArg(c: Client, argv: readonly string[], start: number, allowType: boolean): ScanOptions | null {
  const out: ScanOptions = { count: 10, pattern: null, type: null };
  const opts = new ArgCursor(c, argv, start);
  for (let opt = opts.next(); opt !== null; opt = opts.next()) {
    const hasValue = opts.hasValue();
    if (opt === 'count' && hasValue) {
      const n = integerArg(c, opts.value());
      if (n === null) return null;
      if (n < 1) {
        opts.syntaxError();
        return null;
      }
      out.count = n;
    } else if (opt === 'match' && hasValue) {
      const p = opts.value();
      out.pattern = p === '*' ? null : p;
    } else if (opt === 'type' && allowType && hasValue) {
      out.type = optionWord(opts.value());
    } else {
      opts.syntaxError();
      return null;
    }
  }
  return out;
}
