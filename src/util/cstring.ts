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

/**
 * A string as Redis's sdscatrepr prints it (MONITOR): in double quotes, with \\ \" \n \r \t
 * \a \b escaped and other bytes outside printable ASCII as \xhh.
 */
export function quotedRepr(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    switch (ch) {
      case 0x5c:
        out += '\\\\';
        break;
      case 0x22:
        out += '\\"';
        break;
      case 0x0a:
        out += '\\n';
        break;
      case 0x0d:
        out += '\\r';
        break;
      case 0x09:
        out += '\\t';
        break;
      case 0x07:
        out += '\\a';
        break;
      case 0x08:
        out += '\\b';
        break;
      default:
        out += ch >= 0x20 && ch < 0x7f ? s[i] : '\\x' + ch.toString(16).padStart(2, '0');
    }
  }
  return out + '"';
}
