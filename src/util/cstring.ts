// What C code sees of an argument: Redis keeps arguments as length-counted strings, but its
// option parsing (strcasecmp) and error formatting ("%s") stop at the first NUL byte.

/** What C's "%.*s" (or "%s", without max) prints of s: at most max bytes, and nothing from the first NUL on. */
export function cString(s: string, max = s.length): string {
  const nul = s.indexOf('\0');
  return s.slice(0, nul >= 0 && nul < max ? nul : max);
}

/**
 * An option word as strcasecmp() compares it: up to the first NUL byte, ASCII case folded.
 * (Latin-1 letters lower-case to non-ASCII letters, so they never match an option.)
 */
export function optionWord(s: string): string {
  return cString(s).toLowerCase();
}
