// Streaming request parser: RESP multibulk and inline (telnet) commands.
// Arguments come out as one-byte ("latin1") strings, so user bytes are never UTF-8 decoded.

const CR = 13;
const LF = 10;
const STAR = 42;
const DOLLAR = 36;

/** Longest inline request, or count/length line, Redis accepts (PROTO_INLINE_MAX_SIZE). */
export const INLINE_MAX_SIZE = 64 * 1024;
/** Largest multibulk count Redis 7 accepts (INT_MAX; older Redis capped it at 1024*1024). */
export const MULTIBULK_MAX_COUNT = 2 ** 31 - 1;
/** Bulk values at least this long are collected chunk by chunk instead of re-concatenating. */
const BIG_ARG = 32 * 1024;

export interface ParserLimits {
  /** proto-max-bulk-len */
  maxBulkLen: number;
  /** client-query-buffer-limit */
  queryBufferLimit: number;
}

type Latin1Buffer = Buffer & { latin1Slice(start: number, end: number): string };

function slice(buf: Buffer, start: number, end: number): string {
  // latin1Slice is Node's internal fast path behind toString('latin1'); it skips argument checks.
  return (buf as Latin1Buffer).latin1Slice(start, end);
}

/** Thrown (and caught inside feed) to report a protocol error; the message is Redis's text. */
class ProtocolError extends Error {}

export interface FeedResult {
  /** Set when the stream is malformed: reply "-ERR Protocol error: <error>" and close. */
  error?: string;
  /** Set when the pending query exceeds client-query-buffer-limit: close without a reply. */
  overflow?: boolean;
}

/**
 * Parses requests from a byte stream, whatever the split of the input.
 * feed() calls onCommand for each complete command, in order.
 */
export class RequestParser {
  /** Unconsumed bytes from earlier reads. */
  private buf: Buffer | null = null;
  /** While collecting a big bulk value: the chunks received so far. */
  private bigChunks: Buffer[] | null = null;
  private bigLen = 0;
  /** Multibulk in progress. */
  private argv: string[] = [];
  private argsLeft = 0;
  private bulkLen = -1;

  /** Set while the client must still AUTH: Redis then caps requests at 10 arguments of 16 KB. */
  restricted = false;

  constructor(public limits: ParserLimits) {}

  /** Bytes waiting for the rest of a request (used for client-query-buffer-limit and CLIENT LIST qbuf). */
  get pendingBytes(): number {
    return (this.buf ? this.buf.length : 0) + this.bigLen;
  }

  feed(chunk: Buffer, onCommand: (argv: string[]) => void): FeedResult {
    if (this.bigChunks) {
      this.bigChunks.push(chunk);
      this.bigLen += chunk.length;
      if (this.bigLen < this.bulkLen + 2) {
        return this.bigLen > this.limits.queryBufferLimit ? { overflow: true } : {};
      }
      chunk = Buffer.concat(this.bigChunks, this.bigLen);
      this.bigChunks = null;
      this.bigLen = 0;
    } else if (this.buf) {
      chunk = Buffer.concat([this.buf, chunk]);
    }
    this.buf = null;
    try {
      const pos = this.parse(chunk, onCommand);
      if (pos < chunk.length) {
        const rest = chunk.subarray(pos);
        if (this.bulkLen >= BIG_ARG && this.argsLeft > 0) {
          // A large value is arriving: gather its chunks and join them once at the end.
          this.bigChunks = [rest];
          this.bigLen = rest.length;
        } else {
          // Copy so a small remainder does not pin a large read buffer.
          this.buf = pos === 0 ? chunk : Buffer.from(rest);
        }
        if (this.pendingBytes > this.limits.queryBufferLimit) return { overflow: true };
      }
      return {};
    } catch (e) {
      if (e instanceof ProtocolError) {
        this.reset();
        return { error: e.message };
      }
      throw e;
    }
  }

  private reset(): void {
    this.buf = null;
    this.bigChunks = null;
    this.bigLen = 0;
    this.argv = [];
    this.argsLeft = 0;
    this.bulkLen = -1;
  }

  /** Parses as many whole commands as the buffer holds; returns the offset of the first unconsumed byte. */
  private parse(buf: Buffer, onCommand: (argv: string[]) => void): number {
    let pos = 0;
    const end = buf.length;
    while (pos < end) {
      if (this.argsLeft === 0) {
        if (buf[pos] !== STAR) {
          const next = this.parseInline(buf, pos, onCommand);
          if (next < 0) return pos;
          pos = next;
          continue;
        }
        // Multibulk header: *<count>\r\n
        const cr = buf.indexOf(CR, pos);
        if (cr < 0 || cr + 1 >= end) {
          if (end - pos > INLINE_MAX_SIZE) throw new ProtocolError('too big mbulk count string');
          return pos;
        }
        const count = parseLength(buf, pos + 1, cr);
        if (count === null || count > MULTIBULK_MAX_COUNT) throw new ProtocolError('invalid multibulk length');
        if (count > 10 && this.restricted) throw new ProtocolError('unauthenticated multibulk length');
        pos = cr + 2;
        if (count <= 0) continue; // an empty multibulk is skipped silently, as Redis does
        this.argsLeft = count;
        this.argv = [];
        this.bulkLen = -1;
      }
      // Bulk arguments.
      while (this.argsLeft > 0) {
        if (this.bulkLen < 0) {
          if (pos >= end) return pos;
          const cr = buf.indexOf(CR, pos);
          if (cr < 0 || cr + 1 >= end) {
            if (end - pos > INLINE_MAX_SIZE) throw new ProtocolError('too big bulk count string');
            return pos;
          }
          if (buf[pos] !== DOLLAR) {
            throw new ProtocolError(`expected '$', got '${String.fromCharCode(buf[pos])}'`);
          }
          const len = parseLength(buf, pos + 1, cr);
          if (len === null || len < 0 || len > this.limits.maxBulkLen) throw new ProtocolError('invalid bulk length');
          if (len > 16384 && this.restricted) throw new ProtocolError('unauthenticated bulk length');
          this.bulkLen = len;
          pos = cr + 2;
        }
        if (end - pos < this.bulkLen + 2) return pos;
        this.argv.push(slice(buf, pos, pos + this.bulkLen));
        pos += this.bulkLen + 2;
        this.bulkLen = -1;
        this.argsLeft--;
      }
      const argv = this.argv;
      this.argv = [];
      onCommand(argv);
    }
    return pos;
  }

  /** Returns the offset after the inline command, or -1 when the line is not complete yet. */
  private parseInline(buf: Buffer, pos: number, onCommand: (argv: string[]) => void): number {
    const lf = buf.indexOf(LF, pos);
    if (lf < 0) {
      if (buf.length - pos > INLINE_MAX_SIZE) throw new ProtocolError('too big inline request');
      return -1;
    }
    let lineEnd = lf;
    if (lineEnd > pos && buf[lineEnd - 1] === CR) lineEnd--;
    const args = splitArgs(slice(buf, pos, lineEnd));
    if (args === null) throw new ProtocolError('unbalanced quotes in request');
    if (args.length > 0) onCommand(args);
    return lf + 1;
  }
}

/** Parses a signed decimal length between start and end; null if it is not a valid integer. */
function parseLength(buf: Buffer, start: number, end: number): number | null {
  if (start >= end || end - start > 20) return null;
  let i = start;
  let neg = false;
  if (buf[i] === 45 /* - */) {
    neg = true;
    i++;
    if (i === end) return null;
  }
  // Like Redis's string2ll: no '+', no leading zeros, no "-0".
  if (buf[i] === 48 /* 0 */ && (neg || end - i > 1)) return null;
  let n = 0;
  for (; i < end; i++) {
    const c = buf[i] - 48;
    if (c < 0 || c > 9) return null;
    n = n * 10 + c;
  }
  return neg ? -n : n;
}

function isHex(c: string): boolean {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

function isSpace(c: string): boolean {
  return c === ' ' || c === '\n' || c === '\r' || c === '\t' || c === '\v' || c === '\f';
}

/**
 * Splits a line into arguments with Redis's quoting rules (sdssplitargs):
 * "..." with \n \r \t \b \a \\ \" and \xHH escapes, '...' with only \' escaped.
 * A closing quote must be followed by a space or the end. Returns null on unbalanced quotes.
 * Also used for redis.conf lines.
 */
export function splitArgs(line: string): string[] | null {
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    while (i < n && isSpace(line[i])) i++;
    if (i >= n) return out;
    let inDq = false;
    let inSq = false;
    let cur = '';
    for (;;) {
      const c = line[i];
      if (inDq) {
        if (i >= n) return null;
        if (c === '\\' && line[i + 1] === 'x' && isHex(line[i + 2] ?? '') && isHex(line[i + 3] ?? '')) {
          cur += String.fromCharCode(parseInt(line.substr(i + 2, 2), 16));
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
        if (i >= n || isSpace(c)) break;
        if (c === '"') inDq = true;
        else if (c === "'") inSq = true;
        else cur += c;
      }
      i++;
    }
    out.push(cur);
  }
}
