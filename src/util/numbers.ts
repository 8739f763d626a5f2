// Number parsing and formatting with Redis's rules (string2ll, ll2string …).

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

export { INT64_MAX, INT64_MIN };
