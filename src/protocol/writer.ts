// Reply writer: handlers say what a reply means (a map, a double, a null); the writer picks
// the RESP2 or RESP3 bytes for the connection. Replies accumulate in one latin1 string per
// client and go out in one socket write per batch.

export type Resp = 2 | 3;

const CRLF = '\r\n';

/** Formats a double as C's printf("%.17g"), which Redis 7.0 uses for double replies. */
export function formatDouble17g(d: number): string {
  if (Number.isNaN(d)) return 'nan';
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  // %g picks exponential notation when the exponent is < -4 or >= the precision.
  const [mantissa, expStr] = d.toExponential(16).split('e');
  const e = Number(expStr);
  if (e < -4 || e >= 17) {
    const m = stripZeros(mantissa);
    const sign = e < 0 ? '-' : '+';
    const abs = Math.abs(e);
    return `${m}e${sign}${abs < 10 ? '0' + abs : abs}`;
  }
  return stripZeros(d.toFixed(Math.max(0, 16 - e)));
}

function stripZeros(s: string): string {
  if (s.indexOf('.') < 0) return s;
  let end = s.length;
  while (s.charCodeAt(end - 1) === 48) end--;
  if (s.charCodeAt(end - 1) === 46) end--;
  return s.slice(0, end);
}

/** Accumulates replies for one connection. */
export class ReplyWriter {
  resp: Resp = 2;
  /** Pending reply bytes, as a one-byte string. */
  out = '';

  /** "+OK" */
  ok(): void {
    this.out += '+OK\r\n';
  }

  simple(s: string): void {
    this.out += '+' + s + CRLF;
  }

  /** An error reply. msg carries its own code, e.g. "ERR syntax error" or "WRONGTYPE ...". */
  error(msg: string): void {
    // Redis keeps an error on one line.
    if (msg.indexOf('\n') >= 0 || msg.indexOf('\r') >= 0) msg = msg.replace(/[\r\n]/g, ' ');
    this.out += '-' + msg + CRLF;
    this.countError(msg);
  }

  /** Hook for error statistics; the client overrides it. */
  protected countError(_msg: string): void {}

  integer(n: number | bigint): void {
    this.out += ':' + n + CRLF;
  }

  bulk(s: string): void {
    this.out += '$' + s.length + CRLF + s + CRLF;
  }

  /** A bulk string, or the null bulk when s is null/undefined. */
  bulkOrNull(s: string | null | undefined): void {
    if (s == null) this.nullBulk();
    else this.out += '$' + s.length + CRLF + s + CRLF;
  }

  /** The null that stands for a missing string: $-1 in RESP2. */
  nullBulk(): void {
    this.out += this.resp === 2 ? '$-1\r\n' : '_\r\n';
  }

  /** The null that stands for a missing aggregate: *-1 in RESP2. */
  nullArray(): void {
    this.out += this.resp === 2 ? '*-1\r\n' : '_\r\n';
  }

  arrayLen(n: number): void {
    this.out += '*' + n + CRLF;
  }

  /** A map of n pairs: a flat array of 2n items in RESP2. */
  mapLen(n: number): void {
    this.out += this.resp === 2 ? '*' + 2 * n + CRLF : '%' + n + CRLF;
  }

  /** A set of n members: an array in RESP2. */
  setLen(n: number): void {
    this.out += (this.resp === 2 ? '*' : '~') + n + CRLF;
  }

  /** An out-of-band push message of n items: an array in RESP2. */
  pushLen(n: number): void {
    this.out += (this.resp === 2 ? '*' : '>') + n + CRLF;
  }

  double(d: number): void {
    const s = formatDouble17g(d);
    if (this.resp === 2) this.bulk(s);
    else this.out += ',' + s + CRLF;
  }

  bool(b: boolean): void {
    if (this.resp === 2) this.out += b ? ':1\r\n' : ':0\r\n';
    else this.out += b ? '#t\r\n' : '#f\r\n';
  }

  bigNumber(digits: string): void {
    if (this.resp === 2) this.bulk(digits);
    else this.out += '(' + digits + CRLF;
  }

  /** A verbatim string; format is three letters such as "txt". A bulk string in RESP2. */
  verbatim(s: string, format = 'txt'): void {
    if (this.resp === 2) this.bulk(s);
    else this.out += '=' + (s.length + 4) + CRLF + format + ':' + s + CRLF;
  }

  /** An array of bulk strings. */
  bulkArray(items: readonly string[]): void {
    let s = '*' + items.length + CRLF;
    for (const it of items) s += '$' + it.length + CRLF + it + CRLF;
    this.out += s;
  }

  /** An array of bulk strings where null entries are null bulks. */
  bulkOrNullArray(items: readonly (string | null)[]): void {
    this.arrayLen(items.length);
    for (const it of items) this.bulkOrNull(it);
  }

  /** Raw protocol bytes, for replies that are fixed. */
  raw(bytes: string): void {
    this.out += bytes;
  }
}
