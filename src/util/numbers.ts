// Number parsing and formatting with Redis's rules (string2ll, ll2string …).

import { formatDouble17g } from '../protocol/writer.js';
import { cString } from './cstring.js';

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/** True if s is written as Redis's string2ll accepts: optional '-', no '+', no leading zeros, no spaces. */
function isCanonicalInteger(s: string): boolean {
  const n = s.length;
  if (n === 0 || n > 20) return false;
  let i = 0;
  if (s.charCodeAt(0) === 45 /* - */) {
    if (n === 1) return false;
    i = 1;
  }
  const first = s.charCodeAt(i);
  if (first === 48 /* 0 */) return n === 1; // "0" only; "-0" and "01" are rejected
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** string2ll for strings under 16 chars (always exact as a JS number), in one pass. */
function parseSmallInteger(s: string): number | null {
  const n = s.length;
  if (n === 0) return null;
  let i = 0;
  const neg = s.charCodeAt(0) === 45; /* - */
  if (neg) {
    if (n === 1) return null;
    i = 1;
  }
  if (s.charCodeAt(i) === 48 /* 0 */) return n === 1 ? 0 : null; // "-0" and "01" are rejected
  let v = 0;
  for (; i < n; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return null;
    v = v * 10 + d;
  }
  return neg ? -v : v;
}

/** Parses a signed 64-bit integer exactly; null if s is not one. */
export function parseInt64(s: string): bigint | null {
  if (!isCanonicalInteger(s)) return null;
  const v = BigInt(s);
  return v > INT64_MAX || v < INT64_MIN ? null : v;
}

/**
 * Parses a signed 64-bit integer as a JS number (exact up to 2^53; larger values are rounded,
 * which is fine for counts, indexes and times). null if s is not a 64-bit integer.
 */
export function parseInteger(s: string): number | null {
  if (s.length < 16) return parseSmallInteger(s);
  const v = parseInt64(s);
  return v === null ? null : Number(v);
}

/** True if v fits a signed 64-bit integer. */
export function fitsInt64(v: bigint): boolean {
  return v <= INT64_MAX && v >= INT64_MIN;
}

/** C's atoi: leading spaces, a sign, digits (strtol, saturating at 64 bits), cast to a 32-bit int. */
export function atoi(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)/.exec(s);
  if (!m) return 0;
  let v = BigInt(m[1]);
  if (v > INT64_MAX) v = INT64_MAX;
  else if (v < INT64_MIN) v = INT64_MIN;
  return Number(BigInt.asIntN(32, v));
}

const C_SPACE = ' \t\n\v\f\r';

/**
 * Redis's string2d (getDoubleFromObject): strtod must read the whole string (so no embedded NUL
 * or trailing garbage), with no leading blank; NaN, overflow and underflow to zero are
 * rejected; "inf"/"infinity" and C99 hex floats are accepted. null when Redis rejects it.
 */
export function parseDouble(s: string): number | null {
  // The usual form (digits, a sign, a point) is read by Number(), whose syntax for these is
  // strtod's; what either refuses ("1.2.3", "-") the other does too. Short enough that no
  // fraction underflows to zero (which strtod reports as a range error).
  if (s.length !== 0 && s.length <= 300) {
    let plain = true;
    for (let i = 0; i < s.length; i++) {
      const b = s.charCodeAt(i);
      if (!((b >= 48 && b <= 57) || b === 46 || b === 45 || b === 43)) {
        plain = false;
        break;
      }
    }
    if (plain) {
      const v = Number(s);
      return v === v && v !== Infinity && v !== -Infinity ? v : null;
    }
  }
  if (s.length === 0 || C_SPACE.includes(s[0])) return null;
  const hex = /^([+-]?)0x([0-9a-f]*)(?:\.([0-9a-f]*))?(?:p([+-]?\d+))?$/i.exec(s);
  if (hex && (hex[2] || hex[3])) return hexFloat(hex[1] === '-', hex[2] + (hex[3] ?? ''), (hex[3] ?? '').length, hex[4]);
  const m = /^[+-]?(?:(inf(?:inity)?)|(\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?))$/i.exec(s);
  if (!m) return null;
  if (m[1]) return s[0] === '-' ? -Infinity : Infinity;
  const v = Number(s);
  if (!Number.isFinite(v)) return null;
  // Underflow to zero is a range error too.
  if (v === 0 && /[1-9]/.test(m[2].replace(/[eE].*$/, ''))) return null;
  return v;
}

/**
 * strtod's C99 hexadecimal form (0x1.8p3): the hex digits times 2^(exp - 4 * fraction digits),
 * rounded once to a double. Null on overflow or underflow to zero (strtod's ERANGE).
 */
function hexFloat(neg: boolean, digits: string, fracDigits: number, exp: string | undefined, saturate = false): number | null {
  const mant = BigInt('0x0' + digits);
  if (mant === 0n) return neg ? -0 : 0;
  // Exponents this far out overflow or underflow whatever the digits; clamp before BigInt work.
  const e = Math.max(-1e5, Math.min(1e5, Number(exp ?? 0))) - 4 * fracDigits;
  const bits = mant.toString(2).length;
  // strtod's result on a range error, when the caller takes it (saturate): ±HUGE_VAL or ±0.
  const over = neg ? -Infinity : Infinity;
  const under = neg ? -0 : 0;
  if (bits + e > 1025) return saturate ? over : null;
  if (bits + e < -1076) return saturate ? under : null;
  // An exact decimal string, which Number() rounds correctly.
  const v = e >= 0 ? Number(mant << BigInt(e)) : Number(`${mant * 5n ** BigInt(-e)}e${e}`);
  if (!Number.isFinite(v)) return saturate ? over : null;
  if (v === 0) return saturate ? under : null;
  return neg ? -v : v;
}

/**
 * printf("%.*f", digits, d) as glibc prints a double: the exact binary value rounded to digits
 * decimals, an exact tie to even (where JS's toFixed would round it up), "-0.000000" for -0,
 * "inf", "-inf", "nan".
 */
export function formatFixed(d: number, digits: number): string {
  if (d !== d) return 'nan';
  const neg = d < 0 || Object.is(d, -0);
  const a = neg ? -d : d;
  if (a === Infinity) return neg ? '-inf' : 'inf';
  let out: string;
  if (a >= 1e21) {
    // An integer (doubles this large have no fraction): its exact digits.
    out = BigInt(a).toString() + (digits > 0 ? '.' + '0'.repeat(digits) : '');
  } else if (Number.isInteger(a * 2 ** (digits + 1)) && !Number.isInteger(a * 2 ** digits)) {
    // Exactly digits + 1 fractional bits: the decimal expansion ends in a 5 one place past the
    // last digit kept, a tie. digits + 1 decimals are then exact; round the tie to even.
    const exact = a.toFixed(digits + 1);
    let q = BigInt(exact.replace('.', '')) / 10n;
    if (q & 1n) q++;
    const text = q.toString().padStart(digits + 1, '0');
    out = digits > 0 ? text.slice(0, text.length - digits) + '.' + text.slice(text.length - digits) : text;
  } else {
    out = a.toFixed(digits);
  }
  return neg ? '-' + out : out;
}

/** The smallest normal double, 2^-1022: below it, results are subnormal. */
const MIN_NORMAL = 2.2250738585072014e-308;
const DECIMAL = /^[+-]?(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/i;
const HEX = /^([+-]?)0x([0-9a-f]*)(?:\.([0-9a-f]*))?(?:p([+-]?\d+))?$/i;

/**
 * strtod as SORT reads a weight (`strtod(s, &end)` then `*end == '\0'`, errno and isnan
 * checked): the C string (up to a NUL byte) must be read whole, leading blanks allowed, and an
 * empty string reads as 0 (strtod stops at once, on the terminator). NaN is rejected, and so is
 * what glibc flags ERANGE: overflow, and a result below the normal range that is not exact.
 * null when rejected.
 */
export function strtodWhole(arg: string): number | null {
  const nul = arg.indexOf('\0');
  const s = nul < 0 ? arg : arg.slice(0, nul);
  if (s.length === 0) return 0;
  let i = 0;
  while (i < s.length && C_SPACE.includes(s[i])) i++;
  const t = i === 0 ? s : s.slice(i);
  const word = /^([+-]?)(inf(?:inity)?|nan(?:\([0-9a-z_]*\))?)$/i.exec(t);
  if (word) return word[2][0] === 'n' || word[2][0] === 'N' ? null : word[1] === '-' ? -Infinity : Infinity;
  const hex = HEX.exec(t);
  if (hex && (hex[2] || hex[3])) {
    const digits = hex[2] + (hex[3] ?? '');
    const v = hexFloat(hex[1] === '-', digits, (hex[3] ?? '').length, hex[4]);
    if (v === null || (v !== 0 && Math.abs(v) < MIN_NORMAL && !hexIsExact(v, digits, (hex[3] ?? '').length, hex[4]))) return null;
    return v;
  }
  const dec = DECIMAL.exec(t);
  if (!dec || (dec[1] === '' && !dec[2])) return null;
  const v = Number(t);
  if (!Number.isFinite(v)) return null;
  const digits = dec[1] + (dec[2] ?? '');
  if (v === 0) return /[1-9]/.test(digits) ? null : v;
  if (Math.abs(v) < MIN_NORMAL && !decimalIsExact(v, digits, (dec[2] ?? '').length, dec[3])) return null;
  return v;
}

/** A subnormal v as its integer multiple of 2^-1074 (exact: scaling by powers of two is). */
function subnormalUnits(v: number): bigint {
  return BigInt(Math.abs(v) * 2 ** 537 * 2 ** 537);
}

/** Whether digits (with fracDigits after the point) times 10^exp is exactly the subnormal v. */
function decimalIsExact(v: number, digits: string, fracDigits: number, exp: string | undefined): boolean {
  const e10 = Number(exp ?? 0) - fracDigits;
  if (Math.abs(e10) > 5000) return false;
  // digits * 10^e10 == k * 2^-1074  <=>  digits * 10^e10 * 2^1074 == k
  const lhs = BigInt(digits) * 2n ** 1074n;
  const k = subnormalUnits(v);
  return e10 >= 0 ? lhs * 10n ** BigInt(e10) === k : lhs === k * 10n ** BigInt(-e10);
}

/** Whether hex digits (fracDigits after the point) times 2^exp is exactly the subnormal v. */
function hexIsExact(v: number, digits: string, fracDigits: number, exp: string | undefined): boolean {
  const e2 = Number(exp ?? 0) - 4 * fracDigits + 1074;
  if (Math.abs(e2) > 100000) return false;
  const mant = BigInt('0x0' + digits);
  const k = subnormalUnits(v);
  return e2 >= 0 ? mant << BigInt(e2) === k : mant === k << BigInt(-e2);
}

/** strtod's syntax from a string's start: blanks, then a decimal, hex, inf or nan number. */
const STRTOD =
  /^[ \t\n\v\f\r]*([+-]?)(?:(inf(?:inity)?)|(nan(?:\([0-9a-z_]*\))?)|0x([0-9a-f]*)(?:\.([0-9a-f]*))?(?:p([+-]?\d+))?|((?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?))$/i;

/**
 * A score bound as Redis's zslParseRange reads it: strtod over the argument as a C string (up to
 * a NUL byte), which must be used up. Unlike a ZADD score, leading blanks are allowed, an empty
 * string is 0, and overflow and underflow give ±inf and 0 (strtod's results, unchecked). null
 * when strtod would stop early, or for NaN.
 */
export function parseStrtod(arg: string): number | null {
  // The usual bounds (digits, a sign, a point, an exponent) are read by Number(), whose decimal
  // syntax is strtod's: what it refuses, strtod would stop early on too.
  let plain = arg.length !== 0;
  for (let i = 0; i < arg.length && plain; i++) {
    const b = arg.charCodeAt(i);
    plain = (b >= 48 && b <= 57) || b === 46 || b === 45 || b === 43 || b === 101 || b === 69;
  }
  if (plain) {
    const v = Number(arg);
    return v === v ? v : null;
  }
  if (arg === '+inf' || arg === 'inf') return Infinity;
  if (arg === '-inf') return -Infinity;
  const s = cString(arg);
  if (s.length === 0) return 0;
  const m = STRTOD.exec(s);
  if (m === null || m[3] !== undefined) return null;
  const neg = m[1] === '-';
  if (m[2] !== undefined) return neg ? -Infinity : Infinity;
  if (m[7] !== undefined) {
    const v = Number(m[7]);
    return neg ? -v : v;
  }
  const whole = m[4];
  const frac = m[5] ?? '';
  // "0x" with no hex digit is strtod reading the 0 and stopping at the x.
  if (whole.length + frac.length === 0) return null;
  return hexFloat(neg, whole + frac, frac.length, m[6], true);
}

/**
 * Redis's d2string: how a double is written as text where it is stored (a listpack's scores): an
 * integer within ±2^62 as its digits, anything else as printf's %.17g, ±inf and -0 spelled out.
 */
export function d2string(d: number): string {
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  if (d >= -4611686018427387904 && d <= 4611686018427387904 && Math.trunc(d) === d) {
    return d >= -9007199254740991 && d <= 9007199254740991 ? String(d) : BigInt(d).toString();
  }
  return formatDouble17g(d);
}

/** The longest prefix of a string that C's strtod reads as a number (blanks first). */
const STRTOD_PREFIX =
  /^[ \t\n\v\f\r]*[+-]?(?:inf(?:inity)?|nan(?:\([0-9a-z_]*\))?|0x(?:[0-9a-f]+\.?[0-9a-f]*|\.[0-9a-f]+)(?:p[+-]?\d+)?|(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)/i;

/** C's strtod on a prefix of s, as atof and sscanf("%lg") read it: "1.5x" is 1.5, "0x10" 16, "abc" 0. */
export function strtodPrefix(s: string): number {
  const m = STRTOD_PREFIX.exec(s);
  if (!m) return 0;
  if (/nan/i.test(m[0])) return NaN;
  return parseStrtod(m[0]) ?? 0;
}

export { INT64_MAX, INT64_MIN };
