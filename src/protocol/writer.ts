// Reply writer: handlers say what a reply means (a map, a double, a null); the writer picks
// the RESP2 or RESP3 bytes for the connection. Small replies accumulate in one latin1 string per
// client; a big value, or output past a block's size, moves what came before into a list of
// latin1 chunks (the value itself referenced, not copied into a bigger string), so no reply and
// no batch of replies meets V8's string length limit. A frame many clients receive alike (a
// pub/sub message) is encoded once (SharedFrame); a big one joins each client's chunks as the one
// Buffer they all share. Everything goes out in one socket write per batch.

import { formatDoubleHuman } from '../util/longdouble.js';

export type Resp = 2 | 3;

const CRLF = '\r\n';

/**
 * Shared encodings of the small numbers replies use most (as Redis's shared.integers,
 * shared.bulkhdr and shared.mbulkhdr): made on first use, then appended without building the
 * text again for every reply.
 */
const SHARED_NUMBERS = 10000;
const integerReplies: string[] = [];
const bulkHeaders: string[] = [];
const arrayHeaders: string[] = [];

function integerReply(n: number): string {
  return (integerReplies[n] ??= ':' + n + CRLF);
}

/** "$<len>\r\n" */
function bulkHeader(len: number): string {
  return len < SHARED_NUMBERS ? (bulkHeaders[len] ??= '$' + len + CRLF) : '$' + len + CRLF;
}

/** "*<n>\r\n" */
function arrayHeader(n: number): string {
  return n < SHARED_NUMBERS ? (arrayHeaders[n] ??= '*' + n + CRLF) : '*' + n + CRLF;
}

/** Pending output kept as one string up to this size; past it, it becomes a chunk. */
export const OUT_BLOCK_BYTES = 64 * 1024;
/** A bulk value at least this long becomes a chunk of its own instead of joining the string. */
const BIG_VALUE_BYTES = 16 * 1024;

const f64 = new DataView(new ArrayBuffer(8));

/**
 * Formats a double as C's printf("%.17g"), which Redis 7.0 uses for double replies: 17
 * significant digits, exponent form when the exponent is below -4 or at least 17, trailing zeros
 * dropped, "inf", "-inf", "nan".
 */
export function formatDouble17g(d: number): string {
  if (d !== d) return 'nan';
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  const a = d < 0 ? -d : d;
  // Integers below 2^53 have at most 16 digits, all exact: printf shows them as they are.
  if (a < 9007199254740992 && Math.floor(a) === a) return String(d);
  // toExponential rounds the exact binary value correctly, but breaks an exact tie upwards where
  // glibc's printf rounds it to even. A tie leaves an odd last digit: check for one there.
  const x = a.toExponential(16);
  let digits = x[0] + x.slice(2, 18);
  const e = Number(x.slice(19));
  if ((digits.charCodeAt(16) & 1) === 1 && isTieAt17(a, e)) {
    digits = digits.slice(0, 16) + String.fromCharCode(digits.charCodeAt(16) - 1);
  }
  return (d < 0 ? '-' : '') + formatG(digits, e);
}

/**
 * True if a (positive, finite) lies exactly halfway between two 17-significant-digit decimals,
 * e being its decimal exponent: a * 10^(16-e) = k + 1/2 for an integer k.
 */
function isTieAt17(a: number, e: number): boolean {
  // Split a into m * 2^q with m odd.
  f64.setFloat64(0, a);
  const hi = f64.getUint32(0);
  const lo = f64.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let mhi = hi & 0xfffff;
  if (biased !== 0) mhi += 0x100000;
  let q = (biased === 0 ? 1 : biased) - 1075;
  let tz: number;
  if (lo !== 0) tz = 31 - Math.clz32(lo & -lo);
  else tz = 32 + 31 - Math.clz32(mhi & -mhi);
  const m = (mhi * 4294967296 + lo) / 2 ** tz;
  q += tz;
  // a * 10^s = m * 5^s * 2^(q+s): half an odd integer only when q+s = -1 and, for s < 0,
  // when 5^-s divides m.
  const s = 16 - e;
  if (q + s !== -1) return false;
  return s >= 0 || m % 5 ** -s === 0;
}

/** %g layout of 17 significant digits with decimal exponent e. */
function formatG(digits: string, e: number): string {
  if (e < -4 || e >= 17) {
    const frac = stripZeros(digits.slice(1));
    const abs = e < 0 ? -e : e;
    return digits[0] + (frac ? '.' + frac : '') + (e < 0 ? 'e-' : 'e+') + (abs < 10 ? '0' + abs : abs);
  }
  if (e >= 0) {
    const frac = stripZeros(digits.slice(e + 1));
    return digits.slice(0, e + 1) + (frac ? '.' + frac : '');
  }
  return '0.' + '0'.repeat(-e - 1) + stripZeros(digits);
}

function stripZeros(s: string): string {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 48) end--;
  return s.slice(0, end);
}

/** Redis keeps an error on one line: trailing CR/LF are trimmed, inner ones become spaces. */
function oneLineError(msg: string): string {
  let end = msg.length;
  while (end > 0 && (msg.charCodeAt(end - 1) === 10 || msg.charCodeAt(end - 1) === 13)) end--;
  return msg.slice(0, end).replace(/[\r\n]/g, ' ');
}

/**
 * One message many clients receive alike (a pub/sub message to every subscriber), encoded once
 * per RESP version: text, or for a big one the bytes, which every receiver's output shares.
 */
export class SharedFrame {
  private text2: string | null = null;
  private text3: string | null = null;
  private bytes2: Buffer | null = null;
  private bytes3: Buffer | null = null;
  /** The whole frame's length in bytes (the same in both versions). */
  readonly length: number;

  /**
   * items: the frame's elements, already encoded; n of them. A push in RESP3, an array in
   * RESP2 (where pushes do not exist).
   */
  constructor(
    private readonly n: number,
    private readonly items: string,
  ) {
    this.length = 1 + String(n).length + 2 + items.length;
  }

  /** The frame as text for a client speaking resp. */
  text(resp: Resp): string {
    if (resp === 2) return (this.text2 ??= '*' + this.n + CRLF + this.items);
    return (this.text3 ??= '>' + this.n + CRLF + this.items);
  }

  /** The frame's bytes for a client speaking resp, made once and shared by every receiver. */
  bytes(resp: Resp): Buffer {
    if (resp === 2) return (this.bytes2 ??= Buffer.from(this.text(2), 'latin1'));
    return (this.bytes3 ??= Buffer.from(this.text(3), 'latin1'));
  }
}

/** A pending output chunk: latin1 text, or bytes shared with other clients (a big SharedFrame). */
export type OutputChunk = string | Buffer;

/** A chunk as latin1 text (the rare paths that cut or join pending output). */
function chunkText(chunk: OutputChunk): string {
  return typeof chunk === 'string' ? chunk : chunk.toString('latin1');
}

/** Accumulates replies for one connection. */
export class ReplyWriter {
  resp: Resp = 2;
  /** The newest pending reply bytes, as a one-byte string (after chunks, if any). */
  out = '';
  /** Older pending output, in order, before out; usually empty. */
  protected chunks: OutputChunk[] = [];
  /** Bytes held in chunks. */
  protected chunkBytes = 0;

  /** "+OK" */
  ok(): void {
    this.out += '+OK\r\n';
    if (this.out.length >= this.spillAt) this.spill();
  }

  /** "+PONG" (PING's reply: one constant, cheaper than simple('PONG') on a hot path). */
  pong(): void {
    this.out += '+PONG\r\n';
    if (this.out.length >= this.spillAt) this.spill();
  }

  /** A status reply; CR and LF inside it become spaces, as Redis does for script status replies. */
  simple(s: string): void {
    if (s.indexOf('\n') >= 0 || s.indexOf('\r') >= 0) s = s.replace(/[\r\n]/g, ' ');
    this.out += '+' + s + CRLF;
    if (this.out.length >= this.spillAt) this.spill();
  }

  /** An error reply. msg carries its own code, e.g. "ERR syntax error" or "WRONGTYPE ...". */
  error(msg: string): void {
    if (msg.indexOf('\n') >= 0 || msg.indexOf('\r') >= 0) msg = oneLineError(msg);
    this.out += '-' + msg + CRLF;
    if (this.out.length >= this.spillAt) this.spill();
    this.countError(msg);
  }

  /**
   * Counts an error reply that is not sent, as Redis counts an error while CLIENT REPLY is OFF or
   * SKIP (the reply is dropped, the error statistics still see it).
   */
  errorNotSent(msg: string): void {
    if (msg.indexOf('\n') >= 0 || msg.indexOf('\r') >= 0) msg = oneLineError(msg);
    this.countError(msg);
  }

  /**
   * An error reply sent as given, with no code added and nothing trimmed (CR and LF become
   * spaces), which error statistics do not count: DEBUG ERROR's reply, which Redis writes as raw
   * protocol.
   */
  errorUncounted(msg: string): void {
    this.out += '-' + msg.replace(/[\r\n]/g, ' ') + CRLF;
  }

  /** Hook for error statistics; the client overrides it. */
  protected countError(_msg: string): void {}

  integer(n: number | bigint): void {
    // (A negative zero is written as 0, as the number's text is.)
    if (typeof n === 'number' && n >= 0 && n < SHARED_NUMBERS && (n | 0) === n) this.out += integerReply(n);
    else this.out += ':' + n + CRLF;
    if (this.out.length >= this.spillAt) this.spill();
  }

  /** An integer reply given as its decimal text (a result already held as a string, as INCR's). */
  integerText(digits: string): void {
    this.out += ':' + digits + CRLF;
    if (this.out.length >= this.spillAt) this.spill();
  }

  bulk(s: string): void {
    if (s.length >= BIG_VALUE_BYTES) return this.bigBulk(s);
    this.out += bulkHeader(s.length) + s + CRLF;
    if (this.out.length >= this.spillAt) this.spill();
  }

  /** A bulk string, or the null bulk when s is null/undefined. */
  bulkOrNull(s: string | null | undefined): void {
    if (s == null) this.nullBulk();
    else this.bulk(s);
  }

  /** A big value becomes a chunk of its own: it is referenced, not copied into the batch. */
  private bigBulk(s: string): void {
    this.out += bulkHeader(s.length);
    this.moveOut();
    this.chunks.push(s);
    this.chunkBytes += s.length;
    this.out = CRLF;
    this.outputGrew();
  }

  /**
   * A frame other clients receive too (see SharedFrame): a small one is appended like any
   * reply; one of BIG_VALUE_BYTES or more joins the chunks as the Buffer every receiver shares,
   * so a message to many subscribers is never copied per subscriber.
   */
  frame(f: SharedFrame): void {
    if (f.length < BIG_VALUE_BYTES) {
      this.out += f.text(this.resp);
      if (this.out.length >= this.spillAt) this.spill();
      return;
    }
    this.moveOut();
    const bytes = f.bytes(this.resp);
    this.chunks.push(bytes);
    this.chunkBytes += bytes.length;
    this.outputGrew();
  }

  /**
   * Moves the pending string into the chunk list (when it grew past spillAt), then lets the
   * owner check its output limits.
   */
  protected spill(): void {
    this.moveOut();
    this.outputGrew();
  }

  private moveOut(): void {
    const out = this.out;
    if (out.length !== 0) {
      this.chunks.push(out);
      this.chunkBytes += out.length;
      this.out = '';
    }
  }

  /**
   * How long the pending string may grow before spill(): a block, or less when the owner is
   * close to an output limit, so that it is checked within one reply of it.
   */
  protected spillAt = OUT_BLOCK_BYTES;

  /** Hook called as output piles up (every block): the client checks its output buffer limits. */
  protected outputGrew(): void {}

  /** The null that stands for a missing string: $-1 in RESP2. */
  nullBulk(): void {
    this.out += this.resp === 2 ? '$-1\r\n' : '_\r\n';
    if (this.out.length >= this.spillAt) this.spill();
  }

  /** The null that stands for a missing aggregate: *-1 in RESP2. */
  nullArray(): void {
    this.out += this.resp === 2 ? '*-1\r\n' : '_\r\n';
  }

  arrayLen(n: number | bigint): void {
    if (typeof n === 'number' && n >= 0 && (n | 0) === n) this.out += arrayHeader(n);
    else this.out += '*' + n + CRLF;
  }

  /** A map of n pairs: a flat array of 2n items in RESP2. */
  mapLen(n: number): void {
    this.out += this.resp === 2 ? '*' + 2 * n + CRLF : '%' + n + CRLF;
  }

  /** A set of n members: an array in RESP2. */
  setLen(n: number): void {
    this.out += (this.resp === 2 ? '*' : '~') + n + CRLF;
  }

  /**
   * An array of n pairs (HRANDFIELD … WITHVALUES): a flat array of 2n items in RESP2, an array of
   * n two-item arrays in RESP3. Each pair starts with pairItem().
   */
  pairsLen(n: number | bigint): void {
    const items = this.resp === 2 ? (typeof n === 'bigint' ? 2n * n : 2 * n) : n;
    this.out += '*' + items + CRLF;
  }

  /** Starts one pair of a pairsLen array: nothing in RESP2, a two-item array in RESP3. */
  pairItem(): void {
    if (this.resp !== 2) this.out += '*2\r\n';
  }

  /**
   * An attribute of n pairs, sent before the reply it describes. RESP3 only: RESP2 has no
   * attributes, so callers send them only when resp is 3 (Redis asserts the same).
   */
  attributeLen(n: number): void {
    this.out += '|' + n + CRLF;
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

  /**
   * A double as Redis's addReplyHumanLongDouble writes it (GEOPOS, WITHCOORD): printf("%.17Lf")
   * with trailing zeros dropped, as a bulk string in RESP2 and a double in RESP3.
   */
  humanDouble(d: number): void {
    const s = formatDoubleHuman(d);
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
    this.arrayLen(items.length);
    for (let i = 0; i < items.length; i++) this.bulk(items[i]);
  }

  /** An array of bulk strings where null entries are null bulks. */
  bulkOrNullArray(items: readonly (string | null)[]): void {
    this.arrayLen(items.length);
    for (const it of items) this.bulkOrNull(it);
  }

  /** Raw protocol bytes, for replies that are fixed. */
  raw(bytes: string): void {
    this.out += bytes;
    if (this.out.length >= this.spillAt) this.spill();
  }

  /**
   * Bytes of replies written and not yet handed to the socket (CLIENT LIST obl=, INFO); also the
   * mark that truncate() and takeFrom() take.
   */
  get replyBytes(): number {
    return this.chunkBytes + this.out.length;
  }

  /** Drops the replies not yet handed to the socket (a client freed at once, as CLIENT KILL does). */
  discardReplies(): void {
    this.out = '';
    if (this.chunkBytes !== 0 || this.chunks.length !== 0) {
      this.chunks = [];
      this.chunkBytes = 0;
    }
    this.deferred.length = 0;
  }

  /** Drops what was written after mark (a replyBytes value). */
  truncate(mark: number): void {
    this.takeFrom(mark);
  }

  /** Removes what was written after mark (a replyBytes value) and returns it as one string. */
  takeFrom(mark: number): string {
    const base = this.chunkBytes;
    if (mark >= base) {
      const out = this.out;
      const at = mark - base;
      if (at >= out.length) return '';
      this.out = out.slice(0, at);
      return out.slice(at);
    }
    // The mark lies in the chunks: cut the chunk it falls in, gather everything after it.
    let taken = '';
    let start = 0;
    let i = 0;
    const chunks = this.chunks;
    while (i < chunks.length && start + chunks[i].length <= mark) start += chunks[i++].length;
    const keep = chunks.slice(0, i);
    if (i < chunks.length && start < mark) {
      const c = chunks[i++];
      const cut = mark - start;
      if (typeof c === 'string') {
        keep.push(c.slice(0, cut));
        taken += c.slice(cut);
      } else {
        keep.push(c.subarray(0, cut));
        taken += c.toString('latin1', cut);
      }
    }
    for (; i < chunks.length; i++) taken += chunkText(chunks[i]);
    taken += this.out;
    this.chunks = keep;
    this.chunkBytes = mark;
    this.out = '';
    return taken;
  }

  /** Removes and returns every pending byte as one string (clients without a socket, tests). */
  takeReplies(): string {
    return this.takeFrom(0);
  }

  /**
   * Hands the pending output to write, oldest first, and empties it: one call when it is one
   * string, else one per chunk (the caller corks the socket around them).
   */
  protected drain(write: (chunk: OutputChunk) => void): void {
    const chunks = this.chunks;
    if (chunks.length !== 0) {
      this.chunks = [];
      this.chunkBytes = 0;
      for (let i = 0; i < chunks.length; i++) write(chunks[i]);
    }
    const out = this.out;
    this.out = '';
    if (out.length !== 0) write(out);
  }

  /** True when the pending output is more than the one string (a big value or many blocks). */
  protected get chunked(): boolean {
    return this.chunks.length !== 0;
  }

  // ---- Deferred lengths -----------------------------------------------------------------------
  // For aggregates whose length is known only once their items are written (Redis's
  // addReplyDeferredLen): deferLen() remembers where the header goes, the setDeferred*Len call
  // inserts it there. Marks may be set in any order, nested or not.

  /** Where each deferred header goes, by mark; -1 once set. */
  private deferred: number[] = [];

  /** How many deferred aggregates are open (see abandonDeferred). */
  get deferredDepth(): number {
    return this.deferred.length;
  }

  /** Forgets the deferred aggregates opened after depth (their output was truncated away). */
  abandonDeferred(depth: number): void {
    if (this.deferred.length > depth) this.deferred.length = depth;
  }

  /** Starts an aggregate of unknown length: pass the mark to setDeferredArrayLen/MapLen/SetLen. */
  deferLen(): number {
    return this.deferred.push(this.replyBytes) - 1;
  }

  /** The deferred aggregate is an array of n items. */
  setDeferredArrayLen(mark: number, n: number): void {
    this.insertDeferred(mark, '*' + n + CRLF);
  }

  /** The deferred aggregate is a map of n pairs (a flat array of 2n items in RESP2). */
  setDeferredMapLen(mark: number, n: number): void {
    this.insertDeferred(mark, this.resp === 2 ? '*' + 2 * n + CRLF : '%' + n + CRLF);
  }

  /** The deferred aggregate is a set of n members (an array in RESP2). */
  setDeferredSetLen(mark: number, n: number): void {
    this.insertDeferred(mark, (this.resp === 2 ? '*' : '~') + n + CRLF);
  }

  private insertDeferred(mark: number, header: string): void {
    const marks = this.deferred;
    const at = marks[mark];
    if (at === undefined || at < 0) throw new Error(`deferred length ${mark} was not started or is set already`);
    this.insertAt(at, header);
    marks[mark] = -1;
    // Marks started later lie at or after this one (nested inside it, or after it): the header
    // moves them on. Marks started earlier lie before it, or at it as the enclosing aggregate.
    for (let j = mark + 1; j < marks.length; j++) if (marks[j] >= at) marks[j] += header.length;
    // Forget the marks that are done (all of them, unless one was abandoned).
    let n = marks.length;
    while (n > 0 && marks[n - 1] < 0) n--;
    marks.length = n;
  }

  /** Inserts text at byte offset at of the pending output (a deferred header). */
  private insertAt(at: number, text: string): void {
    const base = this.chunkBytes;
    if (at >= base) {
      const out = this.out;
      const i = at - base;
      this.out = i === out.length ? out + text : out.slice(0, i) + text + out.slice(i);
      return;
    }
    const chunks = this.chunks;
    let start = 0;
    let i = 0;
    while (start + chunks[i].length <= at) start += chunks[i++].length;
    const cut = at - start;
    if (cut === 0) chunks.splice(i, 0, text);
    else {
      const c = chunkText(chunks[i]);
      chunks[i] = c.slice(0, cut) + text + c.slice(cut);
    }
    this.chunkBytes += text.length;
  }
}

/** A command line as a RESP array of bulk strings (the replication stream, AOF, MONITOR feeds). */
export function encodeArgv(argv: readonly string[]): string {
  let s = arrayHeader(argv.length);
  for (const a of argv) s += bulkHeader(a.length) + a + CRLF;
  return s;
}
