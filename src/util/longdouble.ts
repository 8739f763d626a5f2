// Emulation of the C `long double` arithmetic that INCRBYFLOAT relies on.
//
// On x86-64, Redis's long double is the x87 80-bit extended format: a 64-bit significand with an
// explicit integer bit and a 15-bit exponent. Redis parses with strtold, adds in that format and
// prints with "%.17Lf". JS numbers are only 53-bit doubles, so values here are exact binary
// numbers held with BigInt: (-1)^neg * m * 2^e, with m < 2^64. Every operation rounds the exact
// result to nearest, ties to even, as the FPU and glibc do.

import { formatFixed } from './numbers.js';

/** A finite long double value, or an infinity. */
export interface LongDouble {
  neg: boolean;
  /** Significand, 0 <= m < 2^64 (0 for zero). */
  m: bigint;
  /** Power of two of the significand's least bit. */
  e: number;
  inf: boolean;
}

const TWO64 = 1n << 64n;
const TWO63 = 1n << 63n;
/** Exponent of the least significand bit of the smallest subnormal (2^-16445). */
const MIN_E = -16445;
/** Largest e for a 64-bit significand below 2^16384 (the format's overflow threshold). */
const MAX_E = 16384 - 64;
/** Redis's MAX_LONG_DOUBLE_CHARS: strings this long or longer are not parsed. */
const MAX_LONG_DOUBLE_CHARS = 5 * 1024;

export const LD_ZERO: LongDouble = { neg: false, m: 0n, e: 0, inf: false };

function ld(neg: boolean, m: bigint, e: number): LongDouble {
  return { neg, m, e, inf: false };
}

function infinity(neg: boolean): LongDouble {
  return { neg, m: 0n, e: 0, inf: true };
}

/** Number of bits in a positive bigint. */
function bitLength(x: bigint): number {
  if (x < 0x100000000n) return 32 - Math.clz32(Number(x));
  const hex = x.toString(16);
  return (hex.length - 1) * 4 + (32 - Math.clz32(parseInt(hex[0], 16)));
}

/**
 * Rounds (p / q) * 2^s (p >= 0, q > 0) to the nearest long double, ties to even, with gradual
 * underflow. Returns an infinity on overflow; a zero m when the value underflows to zero.
 */
function roundToLongDouble(neg: boolean, p: bigint, q: bigint, s: number): LongDouble {
  if (p === 0n) return ld(neg, 0n, 0);
  // p/q lies in [2^(lp-lq-1), 2^(lp-lq+1)); choose e so that the quotient has 64 or 65 bits.
  let e = bitLength(p) - bitLength(q) + s - 64;
  if (e < MIN_E) e = MIN_E;
  let quo: bigint;
  let rem: bigint;
  let den: bigint;
  for (;;) {
    const shift = s - e;
    const num = shift >= 0 ? p << BigInt(shift) : p;
    den = shift >= 0 ? q : q << BigInt(-shift);
    quo = num / den;
    rem = num - quo * den;
    if (quo < TWO64) break;
    e++;
  }
  const twice = rem * 2n;
  if (twice > den || (twice === den && (quo & 1n) === 1n)) {
    quo++;
    if (quo === TWO64) {
      quo = TWO63;
      e++;
    }
  }
  if (e > MAX_E) return infinity(neg);
  return ld(neg, quo, e);
}

const ISSPACE = /^[ \t\n\v\f\r]/;
const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const HEX = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/;
const INFINITY = /^([+-]?)(?:inf|infinity)$/i;

/** Reads an exponent written in decimal, clamped far beyond any value that could matter. */
function clampedExponent(s: string | undefined): number {
  if (s === undefined) return 0;
  const neg = s[0] === '-';
  const digits = s.replace(/^[+-]0*/, '').replace(/^0+/, '');
  if (digits.length > 9) return neg ? -1e9 : 1e9;
  const v = digits.length === 0 ? 0 : Number(digits);
  return neg ? -v : v;
}

/**
 * Parses a string as Redis's string2ld does: strtold must consume the whole string (so no
 * embedded NUL or trailing garbage), no leading space, no NaN, and no overflow or underflow to
 * zero. Infinity ("inf", "infinity") is accepted. Returns null when Redis would reject it.
 */
export function parseLongDouble(s: string): LongDouble | null {
  const n = s.length;
  if (n === 0 || n >= MAX_LONG_DOUBLE_CHARS || ISSPACE.test(s)) return null;
  let m = DECIMAL.exec(s);
  if (m !== null) {
    const intDigits = m[2];
    const fracDigits = m[3] ?? '';
    if (intDigits.length === 0 && fracDigits.length === 0) return null;
    return decimalToLongDouble(m[1] === '-', intDigits + fracDigits, clampedExponent(m[4]) - fracDigits.length);
  }
  m = HEX.exec(s);
  if (m !== null) {
    const intDigits = m[2];
    const fracDigits = m[3] ?? '';
    if (intDigits.length === 0 && fracDigits.length === 0) return null;
    const mant = BigInt('0x0' + intDigits + fracDigits);
    const neg = m[1] === '-';
    if (mant === 0n) return ld(neg, 0n, 0);
    const exp = clampedExponent(m[4]) - 4 * fracDigits.length;
    const magnitude = bitLength(mant) + exp;
    if (magnitude > 16385) return null; // overflow
    if (magnitude < MIN_E - 2) return null; // underflows to zero
    const r = roundToLongDouble(neg, mant, 1n, exp);
    return r.inf || r.m === 0n ? null : r;
  }
  m = INFINITY.exec(s);
  if (m !== null) return infinity(m[1] === '-');
  return null; // NaN, or not a number at all
}

/** digits * 10^exp10, rounded; null on overflow or underflow to zero (strtold's ERANGE cases). */
function decimalToLongDouble(neg: boolean, digits: string, exp10: number): LongDouble | null {
  let start = 0;
  while (start < digits.length && digits.charCodeAt(start) === 48) start++;
  let end = digits.length;
  while (end > start && digits.charCodeAt(end - 1) === 48) {
    end--;
    exp10++;
  }
  if (start === end) return ld(neg, 0n, 0);
  const sig = digits.slice(start, end);
  // The value lies in [10^(mag-1), 10^mag). Long doubles span about 3.6e-4951 .. 1.19e4932.
  const mag = sig.length + exp10;
  if (mag > 4934) return null;
  if (mag < -4952) return null;
  const d = BigInt(sig);
  let r: LongDouble;
  if (exp10 >= 0) r = roundToLongDouble(neg, d * 5n ** BigInt(exp10), 1n, exp10);
  else r = roundToLongDouble(neg, d, 5n ** BigInt(-exp10), exp10);
  return r.inf || r.m === 0n ? null : r;
}

/** a + b rounded to long double (an infinity on overflow; NaN is reported as an infinity too). */
export function addLongDouble(a: LongDouble, b: LongDouble): LongDouble {
  if (a.inf || b.inf) return infinity(a.inf ? a.neg : b.neg);
  if (a.m === 0n) return b.m === 0n ? ld(a.neg && b.neg, 0n, 0) : b;
  if (b.m === 0n) return a;
  const e = Math.min(a.e, b.e);
  const x = a.m << BigInt(a.e - e);
  const y = b.m << BigInt(b.e - e);
  const sum = (a.neg ? -x : x) + (b.neg ? -y : y);
  if (sum === 0n) return ld(false, 0n, 0);
  return sum < 0n ? roundToLongDouble(true, -sum, 1n, e) : roundToLongDouble(false, sum, 1n, e);
}

/** a × k for a positive integer k, rounded to long double (an infinity on overflow). */
export function mulLongDoubleInt(a: LongDouble, k: bigint): LongDouble {
  if (a.inf || a.m === 0n) return a;
  return roundToLongDouble(a.neg, a.m * k, 1n, a.e);
}

/** C's ceill of a finite long double, as an exact integer; null for an infinity. */
export function ceilLongDouble(a: LongDouble): bigint | null {
  if (a.inf) return null;
  if (a.e >= 0) return a.neg ? -(a.m << BigInt(a.e)) : a.m << BigInt(a.e);
  const shift = BigInt(-a.e);
  const whole = a.m >> shift;
  const fraction = a.m - (whole << shift) !== 0n;
  // Up towards +infinity: a positive value with a fraction goes to the next integer, a
  // negative one drops its fraction.
  return a.neg ? -whole : fraction ? whole + 1n : whole;
}

/**
 * ld2string's human mode for a double (converted to long double exactly, as Redis's
 * addReplyHumanLongDouble receives GEOPOS's coordinates): printf("%.17Lf"), trailing zeros and
 * a trailing '.' removed, "-0" written "0".
 */
export function formatDoubleHuman(d: number): string {
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  let s = formatFixed(d, 17);
  let end = s.length;
  while (s.charCodeAt(end - 1) === 48) end--;
  if (s.charCodeAt(end - 1) === 46 /* . */) end--;
  s = s.slice(0, end);
  return s === '-0' ? '0' : s;
}

const TEN17 = 10n ** 17n;

/**
 * Formats as Redis's ld2string in human mode: printf("%.17Lf"), then trailing zeros and a
 * trailing '.' removed, and "-0" written "0".
 */
export function formatLongDoubleHuman(x: LongDouble): string {
  if (x.inf) return x.neg ? '-inf' : 'inf';
  let out: string;
  if (x.e >= 0) {
    out = (x.m << BigInt(x.e)).toString();
  } else {
    // Round m * 10^17 / 2^k to an integer, ties to even, as glibc's printf does.
    const k = BigInt(-x.e);
    const scaled = x.m * TEN17;
    let q = scaled >> k;
    const rem = scaled - (q << k);
    const half = 1n << (k - 1n);
    if (rem > half || (rem === half && (q & 1n) === 1n)) q++;
    const intPart = (q / TEN17).toString();
    const frac = (q % TEN17).toString().padStart(17, '0');
    let end = frac.length;
    while (end > 0 && frac.charCodeAt(end - 1) === 48) end--;
    out = end === 0 ? intPart : intPart + '.' + frac.slice(0, end);
  }
  if (x.neg && out !== '0') return '-' + out;
  return out;
}
