// Glob-style matching with Redis's rules (KEYS, SCAN MATCH, PSUBSCRIBE, CONFIG GET …).
//
//   *        any run of bytes, also none
//   ?        exactly one byte
//   [abc]    one byte from the set; [^abc] one byte not in it
//   [a-z]    a byte in the range; a reversed range [z-a] means the same
//   \x       the byte x itself (also inside brackets)
//
// Both pattern and subject are byte strings (one char per byte). The rules follow Redis's matcher
// down to its corner cases, because clients see them:
//  - bytes are compared as C's signed char inside ranges, so [a-\xff] is the range \xff..a;
//  - an unterminated class ("[abc") runs to the end of the pattern; "[" alone matches nothing;
//  - "[a-]" is a range from 'a' to ']' (the ']' is taken as the range end);
//  - with nocase only A-Z fold (C locale), and an escaped byte inside a class never folds.
// Cost stays polynomial: once the rest of the pattern after a '*' failed at every later position,
// no earlier '*' can help either, so the whole match gives up; and nesting of '*' is capped at
// 1000 levels as Redis caps it.

/** Deepest run of '*' recursion a pattern may use; deeper parts of the pattern never match. */
const MAX_NESTING = 1000;

const STAR = 42; // *
const QUESTION = 63; // ?
const OPEN = 91; // [
const CLOSE = 93; // ]
const CARET = 94; // ^
const BACKSLASH = 92; // \
const DASH = 45; // -

/** C's tolower() in the C locale: folds A-Z only. */
function lower(b: number): number {
  return b >= 65 && b <= 90 ? b + 32 : b;
}

/** A byte as x86's signed char sees it (range checks compare these). */
function signed(b: number): number {
  return b >= 128 ? b - 256 : b;
}

/** One matching attempt: the pattern, the subject, and whether to give up on longer '*' runs. */
class Matcher {
  /** Set once the tail after some '*' failed everywhere: no other split can succeed. */
  hopeless = false;

  constructor(
    readonly pattern: string,
    readonly subject: string,
    readonly nocase: boolean,
  ) {}

  /** The pattern byte at i, or 0 past the end (the C string's terminator). */
  private pat(i: number): number {
    return i < this.pattern.length ? this.pattern.charCodeAt(i) : 0;
  }

  /** Does pattern[pi..] match subject[si..]? */
  match(pi: number, si: number, depth: number): boolean {
    if (depth > MAX_NESTING) return false;
    const pend = this.pattern.length;
    const send = this.subject.length;
    const nocase = this.nocase;
    while (pi < pend && si < send) {
      const p = this.pattern.charCodeAt(pi);
      if (p === STAR) {
        // A run of stars is one star.
        while (pi + 1 < pend && this.pattern.charCodeAt(pi + 1) === STAR) pi++;
        if (pi + 1 === pend) return true;
        for (; si < send; si++) {
          if (this.match(pi + 1, si, depth + 1)) return true;
          if (this.hopeless) return false;
        }
        this.hopeless = true;
        return false;
      }
      const s = this.subject.charCodeAt(si);
      if (p === QUESTION) {
        // Any one byte.
      } else if (p === OPEN) {
        pi++;
        const negate = this.pat(pi) === CARET;
        if (negate) pi++;
        let found = false;
        for (;;) {
          const c = this.pat(pi);
          if (c === BACKSLASH && pend - pi >= 2) {
            pi++;
            if (this.pattern.charCodeAt(pi) === s) found = true;
          } else if (c === CLOSE) {
            break;
          } else if (pi >= pend) {
            // Unterminated class: it ends with the pattern. Step back so the shared
            // advance below lands exactly on the end.
            pi--;
            break;
          } else if (pend - pi >= 3 && this.pattern.charCodeAt(pi + 1) === DASH) {
            let lo = signed(c);
            let hi = signed(this.pattern.charCodeAt(pi + 2));
            let x = signed(s);
            if (lo > hi) [lo, hi] = [hi, lo];
            if (nocase) {
              lo = lower(lo);
              hi = lower(hi);
              x = lower(x);
            }
            pi += 2;
            if (x >= lo && x <= hi) found = true;
          } else if (nocase ? lower(c) === lower(s) : c === s) {
            found = true;
          }
          pi++;
        }
        if (found === negate) return false;
      } else {
        // A literal byte; a backslash makes the next byte literal (a trailing one stands for itself).
        if (p === BACKSLASH && pend - pi >= 2) pi++;
        const lit = this.pattern.charCodeAt(pi);
        if (nocase ? lower(lit) !== lower(s) : lit !== s) return false;
      }
      si++;
      pi++;
      if (si === send) {
        // The subject is used up: trailing stars may match the empty rest.
        while (this.pat(pi) === STAR) pi++;
        break;
      }
    }
    return pi === pend && si === send;
  }
}

/** True if subject matches the glob pattern (byte strings); nocase folds ASCII letters. */
export function globMatch(pattern: string, subject: string, nocase = false): boolean {
  // No shortcut for "*": like Redis's matcher, it does not match the empty string.
  return new Matcher(pattern, subject, nocase).match(0, 0, 0);
}

/** True if the pattern has no special bytes, so matching it is plain equality. */
export function isLiteralPattern(pattern: string): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charCodeAt(i);
    if (c === STAR || c === QUESTION || c === OPEN || c === BACKSLASH) return false;
  }
  return true;
}
