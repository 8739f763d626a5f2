// Streaming request parser: RESP multibulk and inline (telnet) commands, with Redis's limits and
// Redis's error texts. Arguments come out as one-byte ("latin1") strings, so user bytes are never
// UTF-8 decoded.
//
// Behaviour follows Redis 7.0's networking.c, including its C-string quirks:
//  - a line (inline request, "*<count>" or "$<len>") is searched for its terminator the way strchr
//    searches, so a NUL byte before the terminator hides it: Redis then waits for more input until
//    the 64 KB line limit reports "too big ...". Payload bytes of bulk arguments are binary safe.
//  - the byte after a header's '\r' and the two bytes after a bulk payload are skipped unchecked.
//  - counts and lengths are parsed like string2ll (no '+', no leading zeros, 64-bit range).

import { constants as bufferConstants } from 'node:buffer';
import { latin1Slice, latin1Text } from '../util/latin1.js';

const CR = 13;
const LF = 10;
const STAR = 42;
const DOLLAR = 36;

/** Longest inline request, or count/length line, Redis waits for (PROTO_INLINE_MAX_SIZE). */
export const INLINE_MAX_SIZE = 64 * 1024;
/** Largest multibulk count Redis 7 accepts (INT_MAX; Redis before 7 capped it at 1024*1024). */
export const MULTIBULK_MAX_COUNT = 2 ** 31 - 1;
/** Before AUTH, Redis refuses requests of more arguments than this … */
export const UNAUTH_MAX_ARGS = 10;
/** … or with an argument longer than this. */
export const UNAUTH_MAX_BULK = 16384;
/** Bulk arguments at least this long are "big" (PROTO_MBULK_BIG_ARG): reads stop at their end. */
const BIG_ARG = 32 * 1024;
/** A spare query buffer up to this size is kept for the next partial request. */
const KEEP_BUFFER = 16 * 1024;
/** Arguments shorter than this (V8's shortest sliced string) are cut from a window (shortArg). */
const SHORT_ARG = 13;
/** Bytes decoded at once for shortArg. */
const WINDOW = 1024;
/** Requests of more arguments than this take the general path (see parseWhole). */
const FAST_MAX_ARGS = 1024;

export interface ParserLimits {
  /** proto-max-bulk-len: the longest bulk argument, in bytes. */
  maxBulkLen: number;
  /** client-query-buffer-limit: the most bytes a request may hold pending. */
  queryBufferLimit: number;
}

/**
 * What happened to the input fed. Commands before a problem have already been handed to
 * onCommand; the caller answers them first.
 */
export interface FeedResult {
  /** The stream is malformed: Redis replies "-ERR Protocol error: <error>" and closes. */
  error?: string;
  /** The pending request exceeds client-query-buffer-limit: Redis closes without a reply. */
  overflow?: boolean;
}

/**
 * Called for each complete command, and with an empty argv for an empty request (a blank inline
 * line, *0 or *-1), which runs nothing but ends a CLIENT REPLY SKIP as Redis's resetClient does. Returning false pauses the parser (the rest of the input
 * stays buffered) until resume(): for QUIT, a protocol-level close, or a blocked client.
 */
export type CommandSink = (argv: string[]) => boolean | void;

const EMPTY = Buffer.alloc(0);
const EMPTY_ARGV: string[] = [];
/** feed()'s result when nothing went wrong (shared: callers only read it). */
const FINE: FeedResult = Object.freeze({});

/** V8's longest string (about 512 MB, a little under the default proto-max-bulk-len). */
const MAX_STRING_LENGTH = bufferConstants.MAX_STRING_LENGTH;

/** Thrown inside parse() to report a protocol error; the message is Redis's text. */
class ProtocolError extends Error {}

/**
 * Parses requests from a byte stream, whatever the split of the input.
 * feed() hands each complete command to onCommand, in order.
 */
export class RequestParser {
  /** Pending input: qbuf[qstart, qend). Bytes are copied here only when a request spans reads. */
  private qbuf: Buffer = EMPTY;
  private qstart = 0;
  private qend = 0;
  /** The multibulk in progress: arguments so far, arguments still to come, current bulk length. */
  private argv: string[] = [];
  private argsLeft = 0;
  private bulkLen = -1;
  /** Bytes of the current line already searched in vain for its end, so a slow line is not rescanned. */
  private scanned = 0;
  /** The current line has a NUL before any terminator: its end can never be found (like strchr). */
  private nulInLine = false;
  /** Set by onCommand returning false; feed() then only buffers. */
  private paused = false;
  /** Set after a protocol error: Redis reads nothing more from such a client. */
  private failed = false;

  /**
   * Set when the command being handed over had an argument too long for a JS string (it came as
   * ''); the receiver refuses the command and clears the flag.
   */
  oversized = false;

  /** Set while the client must still AUTH: Redis then caps requests at 10 arguments of 16 KB. */
  restricted = false;

  constructor(public limits: ParserLimits) {}

  /** Bytes fed so far, and the position in that input where the last command handed over ended. */
  private fed = 0;
  /**
   * Where, counted from the first byte ever fed, the command being handed over (or the last one)
   * ends: a replica counts its primary's stream in commands applied, byte-exact.
   */
  commandEnd = 0;

  /** Bytes of query buffers let go since the server last looked (it reclaims big ones). */
  released = 0;

  /** Bytes the query buffer holds (its capacity, not only what is pending). */
  get bufferBytes(): number {
    return this.qbuf.length;
  }

  /** Bytes waiting for the rest of a request (for client-query-buffer-limit and CLIENT LIST qbuf). */
  get pendingBytes(): number {
    return this.qend - this.qstart;
  }

  /** True while paused by onCommand returning false. */
  get isPaused(): boolean {
    return this.paused;
  }

  /**
   * Parses a chunk of input (its first `length` bytes: a reused read buffer need not be sliced);
   * see FeedResult. Nothing refers to chunk once this returns: what is kept is copied.
   */
  feed(chunk: Buffer, onCommand: CommandSink, length = chunk.length): FeedResult {
    let start = 0;
    while (start < length && !this.failed) {
      // While a big argument is arriving Redis reads no further than its end; do the same, so
      // the limit check below sees what Redis sees and the argument is copied only once.
      let stop = length;
      if (this.argsLeft > 0 && this.bulkLen >= BIG_ARG) {
        const remaining = this.bulkLen + 2 - this.pendingBytes;
        if (remaining > 0 && stop - start > remaining) stop = start + remaining;
      }
      const r = this.read(chunk, start, stop, onCommand);
      if (r !== FINE) return r;
      start = stop;
    }
    return FINE;
  }

  /** One "read" in Redis's terms, of buf[start, stop): check the query buffer limit, then parse. */
  private read(buf: Buffer, start: number, stop: number, onCommand: CommandSink): FeedResult {
    if (this.pendingBytes + (stop - start) > this.limits.queryBufferLimit) return { overflow: true };
    this.fed += stop - start;
    if (this.pendingBytes === 0 && !this.paused) return this.run(buf, start, stop, onCommand, true);
    this.append(buf, start, stop);
    if (this.paused) return FINE;
    return this.run(this.qbuf, this.qstart, this.qend, onCommand, false);
  }

  /** Stops parsing for good and lets go of everything buffered (a dropped client). */
  reset(): void {
    this.failed = true;
    this.argv = [];
    this.argsLeft = 0;
    this.bulkLen = -1;
    this.qstart = 0;
    this.qend = 0;
    this.released += this.qbuf.length;
    this.qbuf = EMPTY;
  }

  /** Continues after a pause, parsing what was buffered meanwhile. */
  resume(onCommand: CommandSink): FeedResult {
    this.paused = false;
    if (this.failed || this.pendingBytes === 0) return FINE;
    return this.run(this.qbuf, this.qstart, this.qend, onCommand, false);
  }

  /**
   * Bytes of the batch being parsed while its commands run (0 otherwise): Redis's query buffer
   * still holds the whole batch then, the running command included (CLIENT LIST qbuf).
   */
  private batchBytes = 0;

  /** What Redis's query buffer holds now: the batch being run, else the unparsed bytes. */
  get queryBufferBytes(): number {
    return this.batchBytes !== 0 ? this.batchBytes : this.qend - this.qstart;
  }

  private run(buf: Buffer, start: number, end: number, onCommand: CommandSink, isChunk: boolean): FeedResult {
    let pos: number;
    this.batchBytes = end - start;
    try {
      pos = this.parse(buf, start, end, onCommand);
      this.window = '';
      this.batchBytes = 0;
    } catch (e) {
      this.window = '';
      this.batchBytes = 0;
      if (!(e instanceof ProtocolError)) throw e;
      this.failed = true;
      this.release();
      return { error: e.message };
    }
    if (isChunk) {
      if (pos < end) this.keep(buf, pos, end);
    } else {
      this.qstart = pos;
      if (pos === end) this.release();
    }
    return FINE;
  }

  /** Copies the unparsed tail of a chunk into the query buffer. */
  private keep(buf: Buffer, pos: number, end: number): void {
    const n = end - pos;
    if (this.qbuf.length < n) this.qbuf = Buffer.allocUnsafe(Math.max(n, this.bigArgSize(), KEEP_BUFFER));
    buf.copy(this.qbuf, 0, pos, end);
    this.qstart = 0;
    this.qend = n;
  }

  /** Appends buf[start, stop) after the pending bytes, growing the buffer geometrically. */
  private append(buf: Buffer, start: number, stop: number): void {
    const pending = this.qend - this.qstart;
    const need = pending + (stop - start);
    if (this.qstart + need > this.qbuf.length) {
      if (need <= this.qbuf.length) {
        this.qbuf.copyWithin(0, this.qstart, this.qend);
      } else {
        const size = this.bigArgSize();
        const grown = Buffer.allocUnsafe(size > 0 ? Math.max(need, size) : Math.max(need, 2 * this.qbuf.length, KEEP_BUFFER));
        this.qbuf.copy(grown, 0, this.qstart, this.qend);
        this.qbuf = grown;
      }
      this.qstart = 0;
      this.qend = pending;
    }
    buf.copy(this.qbuf, this.qend, start, stop);
    this.qend += stop - start;
  }

  /**
   * While a big argument is arriving the pending bytes start at its payload: room for payload and
   * CRLF lets it be gathered with one copy. 0 otherwise.
   */
  private bigArgSize(): number {
    return this.argsLeft > 0 && this.bulkLen >= BIG_ARG ? this.bulkLen + 2 : 0;
  }

  /** Empties the query buffer, keeping a small one for reuse. */
  private release(): void {
    this.qstart = 0;
    this.qend = 0;
    if (this.qbuf.length > KEEP_BUFFER) {
      this.released += this.qbuf.length;
      this.qbuf = EMPTY;
    }
  }

  /**
   * Finds the terminator of the line starting at pos, searching as C's strchr would: a NUL byte
   * ends the search. Returns -1 while no terminator can be seen.
   */
  private lineEnd(buf: Buffer, pos: number, end: number, term: number): number {
    if (this.nulInLine) return -1;
    for (let i = pos + this.scanned; i < end; i++) {
      const b = buf[i];
      if (b === term) {
        this.scanned = 0;
        return i;
      }
      if (b === 0) {
        this.nulInLine = true;
        return -1;
      }
    }
    this.scanned = end - pos;
    return -1;
  }

  /** Parses whole commands from buf[pos, end); returns the offset of the first unconsumed byte. */
  /**
   * The first argument (the command name). Clients repeat the same name, so the last one is
   * reused when the bytes match: no new string, and the command lookup compares one pointer.
   */
  private commandName(buf: Buffer, pos: number, len: number): string {
    const last = this.lastName;
    if (len === last.length) {
      let i = 0;
      while (i < len && buf[pos + i] === last.charCodeAt(i)) i++;
      if (i === len) return last;
    }
    const name = latin1Slice(buf, pos, pos + len);
    if (len <= 32) this.lastName = name;
    return name;
  }
  private lastName = '';

  private parse(buf: Buffer, pos: number, end: number, onCommand: CommandSink): number {
    while (pos < end && !this.paused) {
      if (this.argsLeft === 0) {
        const next = this.parseWhole(buf, pos, end);
        if (next > 0) {
          const argv = this.argv;
          this.argv = EMPTY_ARGV;
          this.commandEnd = this.fed - (end - next);
          if (onCommand(argv) === false) this.paused = true;
          pos = next;
          continue;
        }
        if (buf[pos] !== STAR) {
          pos = this.parseInline(buf, pos, end, onCommand);
          if (pos < 0) return -pos - 1;
          continue;
        }
        // Multibulk header: *<count>\r\n
        const cr = this.lineEnd(buf, pos, end, CR);
        if (cr < 0) {
          if (end - pos > INLINE_MAX_SIZE) throw new ProtocolError('too big mbulk count string');
          return pos;
        }
        if (cr + 1 >= end) return pos; // the byte after '\r' has not arrived
        const count = parseLength(buf, pos + 1, cr);
        if (count === null || count > MULTIBULK_MAX_COUNT) throw new ProtocolError('invalid multibulk length');
        if (count > UNAUTH_MAX_ARGS && this.restricted) throw new ProtocolError('unauthenticated multibulk length');
        pos = cr + 2;
        if (count <= 0) {
          this.commandEnd = this.fed - (end - pos);
          // *0 and *-1 run nothing, but reach the client as an empty request (see CommandSink).
          if (onCommand(EMPTY_ARGV) === false) this.paused = true;
          continue;
        }
        this.argsLeft = count;
        this.argv = [];
        this.bulkLen = -1;
      }
      // Bulk arguments: $<len>\r\n<payload>\r\n
      while (this.argsLeft > 0) {
        if (this.bulkLen < 0) {
          const cr = this.lineEnd(buf, pos, end, CR);
          if (cr < 0) {
            if (end - pos > INLINE_MAX_SIZE) throw new ProtocolError('too big bulk count string');
            return pos;
          }
          if (cr + 1 >= end) return pos;
          if (buf[pos] !== DOLLAR) {
            throw new ProtocolError(`expected '$', got '${String.fromCharCode(buf[pos])}'`);
          }
          const len = parseLength(buf, pos + 1, cr);
          if (len === null || len < 0 || len > this.limits.maxBulkLen) throw new ProtocolError('invalid bulk length');
          if (len > UNAUTH_MAX_BULK && this.restricted) throw new ProtocolError('unauthenticated bulk length');
          this.bulkLen = len;
          pos = cr + 2;
        }
        if (end - pos < this.bulkLen + 2) return pos;
        // An argument longer than V8's longest string cannot be held: the command is refused.
        if (this.bulkLen > MAX_STRING_LENGTH) this.oversized = true;
        this.argv.push(
          this.argv.length === 0
            ? this.commandName(buf, pos, this.bulkLen)
            : this.bulkLen <= MAX_STRING_LENGTH ? latin1Slice(buf, pos, pos + this.bulkLen) : '',
        );
        pos += this.bulkLen + 2;
        this.bulkLen = -1;
        this.argsLeft--;
      }
      const argv = this.argv;
      this.argv = [];
      this.commandEnd = this.fed - (end - pos);
      if (onCommand(argv) === false) this.paused = true;
    }
    return pos;
  }

  /**
   * Short arguments are cut from a decoded window of the input: substring() of a flat string
   * stays in JavaScript, where latin1Slice per argument is a call into C++. V8 copies substrings
   * shorter than 13 characters (longer ones would be views keeping the whole window alive, so
   * those are still sliced from the bytes). The window is dropped after each run().
   */
  private window = '';
  private windowStart = 0;

  private shortArg(buf: Buffer, pos: number, len: number, end: number): string {
    let from = pos - this.windowStart;
    if (from < 0 || from + len > this.window.length) {
      this.windowStart = pos;
      this.window = latin1Slice(buf, pos, Math.min(end, pos + WINDOW));
      from = 0;
    }
    return this.window.substring(from, from + len);
  }

  /** An argument of buf[pos, pos + len), which lies before end. */
  private arg(buf: Buffer, pos: number, len: number, end: number): string {
    return len < SHORT_ARG ? this.shortArg(buf, pos, len, end) : latin1Text(buf, pos, len);
  }

  /**
   * The common case in one pass with local state only: a multibulk request that lies wholly in
   * buf[pos, end), with plain headers (digits, no sign, no leading zero) and small arguments.
   * Sets this.argv and returns the offset after the request, or -1 to leave the request (whole
   * or not, valid or not) to the general path, which then parses it from pos. Arguments of
   * BIG_ARG bytes or more (so any too long for a string) always take the general path.
   */
  private parseWhole(buf: Buffer, pos: number, end: number): number {
    if (buf[pos] !== STAR) return -1;
    // (buf may hold stale bytes past end: every read below is bounded by end.)
    let p = pos + 1;
    let count = 0;
    let b = 0;
    while (p < end && (b = buf[p]) >= 48 && b <= 57 && count <= FAST_MAX_ARGS) {
      count = count * 10 + (b - 48);
      p++;
    }
    // CR, then one byte Redis skips unchecked. Zero, a sign, a leading zero or a large count:
    // the general path.
    if (p + 1 >= end || b !== CR || count === 0 || count > FAST_MAX_ARGS || buf[pos + 1] === 48) return -1;
    if (count > UNAUTH_MAX_ARGS && this.restricted) return -1;
    p += 2;
    const maxLen = this.restricted ? UNAUTH_MAX_BULK : this.limits.maxBulkLen;
    const argv: string[] = new Array(count);
    for (let i = 0; i < count; i++) {
      if (p + 3 >= end || buf[p] !== DOLLAR) return -1;
      const digits = ++p;
      let len = 0;
      while (p < end && (b = buf[p]) >= 48 && b <= 57 && len < BIG_ARG) {
        len = len * 10 + (b - 48);
        p++;
      }
      if (p >= end || b !== CR || p === digits || len >= BIG_ARG || len > maxLen) return -1;
      if (buf[digits] === 48 && p - digits > 1) return -1;
      p += 2;
      // Payload, then two bytes Redis skips unchecked.
      if (p + len + 2 > end) return -1;
      argv[i] = i === 0 ? this.commandName(buf, p, len) : this.arg(buf, p, len, end);
      p += len + 2;
    }
    this.argv = argv;
    this.scanned = 0; // (in case the general path had started on this request's first line)
    return p;
  }

  /**
   * Parses one inline line. Returns the offset after it, or -(pos+1) when the line is not
   * complete yet.
   */
  private parseInline(buf: Buffer, pos: number, end: number, onCommand: CommandSink): number {
    const lf = this.lineEnd(buf, pos, end, LF);
    if (lf < 0) {
      if (end - pos > INLINE_MAX_SIZE) throw new ProtocolError('too big inline request');
      return -pos - 1;
    }
    let stop = lf;
    if (stop > pos && buf[stop - 1] === CR) stop--;
    const args = this.plainWords(buf, pos, stop) ?? splitArgs(latin1Slice(buf, pos, stop));
    if (args === null) throw new ProtocolError('unbalanced quotes in request');
    this.commandEnd = this.fed - (end - lf - 1);
    if (onCommand(args) === false) this.paused = true;
    return lf + 1;
  }

  /**
   * An inline line of plain words separated by spaces (no quotes, tabs or other blanks, no NUL)
   * split without decoding the line first: what splitArgs would return. null for anything else.
   */
  private plainWords(buf: Buffer, pos: number, stop: number): string[] | null {
    const out: string[] = [];
    let i = pos;
    while (i < stop) {
      if (buf[i] === 32) {
        i++;
        continue;
      }
      const start = i;
      for (; i < stop; i++) {
        const b = buf[i];
        if (b === 32) break;
        // NUL, \t \n \v \f \r, '"' and "'" need splitArgs.
        if (b === 0 || (b >= 9 && b <= 13) || b === 34 || b === 39) return null;
      }
      out.push(out.length === 0 ? this.commandName(buf, start, i - start) : this.arg(buf, start, i - start, stop));
    }
    return out;
  }
}

const INT64_MAX_DIGITS = '9223372036854775807';
const INT64_MIN_DIGITS = '9223372036854775808';

/**
 * Parses buf[start, end) as Redis's string2ll does: optional '-', digits, no '+', no leading
 * zeros, no "-0", within the signed 64-bit range. Returns null otherwise. Values beyond 2^53 come
 * back rounded to the nearest double, which is fine for the comparisons the parser makes.
 */
export function parseLength(buf: Buffer, start: number, end: number): number | null {
  const n = end - start;
  if (n <= 0 || n > 20) return null;
  let i = start;
  const neg = buf[i] === 45; /* - */
  if (neg) i++;
  const digits = end - i;
  if (digits === 0) return null;
  if (buf[i] === 48 /* 0 */) return digits === 1 && !neg ? 0 : null;
  let v = 0;
  for (let j = i; j < end; j++) {
    const d = buf[j] - 48;
    if (d < 0 || d > 9) return null;
    v = v * 10 + d;
  }
  if (digits > 15) {
    if (digits > 19) return null;
    const text = latin1Slice(buf, i, end);
    if (digits === 19 && text > (neg ? INT64_MIN_DIGITS : INT64_MAX_DIGITS)) return null;
    v = Number(text); // rounded once, not digit by digit
  }
  return neg ? -v : v;
}

/** isspace() in the C locale. */
function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\v' || c === '\f' || c === '\r';
}

function isHex(c: string | undefined): boolean {
  return c !== undefined && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'));
}

/**
 * Splits a line into arguments with Redis's quoting rules (sdssplitargs):
 *  - blanks (isspace: space \t \n \v \f \r) separate arguments, but an unquoted argument ends only
 *    at space, \t, \n or \r, so \v and \f inside or after a word belong to it;
 *  - "..." understands \n \r \t \b \a, \xHH and a backslash before any other character;
 *  - '...' understands only \' ;
 *  - a closing quote must be followed by a blank or the end of the line, and a quote may open
 *    in the middle of a word (a"b c" is one argument: ab c);
 *  - the line ends at its first NUL, as a C string does.
 * Returns null for unbalanced quotes. Also used for redis.conf lines.
 */
export function splitArgs(line: string): string[] | null {
  const nul = line.indexOf('\0');
  if (nul >= 0) line = line.slice(0, nul);
  const out: string[] = [];
  const n = line.length;
  let i = 0;
  for (;;) {
    while (i < n && isSpace(line[i])) i++;
    if (i >= n) return out;
    let cur = '';
    let inDq = false;
    let inSq = false;
    for (;;) {
      const c = line[i];
      if (inDq) {
        if (i >= n) return null;
        if (c === '\\' && line[i + 1] === 'x' && isHex(line[i + 2]) && isHex(line[i + 3])) {
          cur += String.fromCharCode(parseInt(line.slice(i + 2, i + 4), 16));
          i += 3;
        } else if (c === '\\' && i + 1 < n) {
          i++;
          const e = line[i];
          cur += e === 'n' ? '\n' : e === 'r' ? '\r' : e === 't' ? '\t' : e === 'b' ? '\b' : e === 'a' ? '\x07' : e;
        } else if (c === '"') {
          if (i + 1 < n && !isSpace(line[i + 1])) return null;
          i++;
          break;
        } else {
          cur += c;
        }
      } else if (inSq) {
        if (i >= n) return null;
        if (c === '\\' && line[i + 1] === "'") {
          i++;
          cur += "'";
        } else if (c === "'") {
          if (i + 1 < n && !isSpace(line[i + 1])) return null;
          i++;
          break;
        } else {
          cur += c;
        }
      } else {
        if (i >= n || c === ' ' || c === '\n' || c === '\r' || c === '\t') break;
        if (c === '"') inDq = true;
        else if (c === "'") inSq = true;
        else cur += c;
      }
      i++;
    }
    out.push(cur);
  }
}
