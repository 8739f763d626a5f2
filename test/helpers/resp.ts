// A raw RESP connection for tests: sends commands, returns each reply's exact bytes.

import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';

/** Encodes argv as a RESP multibulk request. */
export function encodeCommand(argv: readonly string[]): string {
  let s = `*${argv.length}\r\n`;
  for (const a of argv) s += `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`;
  return s;
}

/** Returns the length of the first complete RESP2/RESP3 reply in buf at pos, or -1 if incomplete. */
export function replyLength(buf: string, pos = 0): number {
  const end = replyEnd(buf, pos);
  return end < 0 ? -1 : end - pos;
}

function replyEnd(buf: string, pos: number): number {
  if (pos >= buf.length) return -1;
  const nl = buf.indexOf('\r\n', pos);
  if (nl < 0) return -1;
  const type = buf[pos];
  const head = buf.slice(pos + 1, nl);
  let p = nl + 2;
  switch (type) {
    case '+': case '-': case ':': case '_': case ',': case '#': case '(':
      return p;
    case '$': case '=': case '!': {
      const n = Number(head);
      if (n < 0) return p;
      return buf.length >= p + n + 2 ? p + n + 2 : -1;
    }
    case '*': case '~': case '>': case '%': case '|': {
      let n = Number(head);
      if (n < 0) return p;
      if (type === '%' || type === '|') n *= 2;
      for (let i = 0; i < n; i++) {
        p = replyEnd(buf, p);
        if (p < 0) return -1;
      }
      // An attribute is followed by the reply it annotates.
      return type === '|' ? replyEnd(buf, p) : p;
    }
    default:
      throw new Error(`bad reply type ${JSON.stringify(type)} in ${JSON.stringify(buf.slice(pos, pos + 60))}`);
  }
}

export interface ConnectTarget {
  port?: number;
  host?: string;
  path?: string;
}

/** One connection; replies are read in order. */
export class RawConnection {
  private buf = '';
  private waiters: Array<() => void> = [];
  closed = false;
  /** Skip newlines between replies (a primary's keepalives to a replica). */
  skipNewlines = false;

  private constructor(private socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.buf += d.toString('latin1');
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  static open(target: ConnectTarget): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const s = target.path ? connect(target.path) : connect(target.port!, target.host ?? '127.0.0.1');
      s.setNoDelay(true);
      s.once('connect', () => {
        s.off('error', reject);
        resolve(new RawConnection(s));
      });
      s.once('error', reject);
    });
  }

  /** Sends raw bytes (latin1). */
  write(bytes: string): void {
    this.socket.write(bytes, 'latin1');
  }

  /** Waits for the next complete reply and returns its raw bytes; null if the server closed first. */
  async read(timeoutMs = 5000): Promise<string | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.skipNewlines) while (this.buf[0] === '\n') this.buf = this.buf.slice(1);
      const n = replyLength(this.buf);
      if (n >= 0) {
        const r = this.buf.slice(0, n);
        this.buf = this.buf.slice(n);
        return r;
      }
      if (this.closed) return null;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for a reply; have ${JSON.stringify(this.buf.slice(0, 200))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Waits until more bytes arrive, the connection closes, or the deadline passes (then throws). */
  private async more(deadline: number, what: string): Promise<void> {
    if (this.closed) throw new Error(`connection closed while waiting for ${what}; have ${JSON.stringify(this.buf.slice(0, 200))}`);
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`timed out waiting for ${what}; have ${JSON.stringify(this.buf.slice(0, 200))}`);
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, left);
      this.waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  /**
   * Reads an RDB transfer as a primary sends it after SYNC or +FULLRESYNC: newlines (keepalives
   * while the snapshot is made) are skipped, then `$<len>\r\n<bytes>` with no CRLF after the
   * payload, or the diskless form `$EOF:<40-byte mark>\r\n<bytes><mark>`. Returns the payload.
   * An error reply in its place (a server that does not replicate) throws with that error.
   */
  async readRdb(timeoutMs = 10000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.buf[0] === '\n') this.buf = this.buf.slice(1);
      const nl = this.buf.indexOf('\r\n');
      if (nl >= 0) {
        if (this.buf[0] !== '$') throw new Error(`expected an RDB payload, got ${JSON.stringify(this.buf.slice(0, 200))}`);
        const head = this.buf.slice(1, nl);
        if (head.startsWith('EOF:')) {
          const mark = head.slice(4);
          const end = this.buf.indexOf(mark, nl + 2);
          if (end >= 0) {
            const rdb = this.buf.slice(nl + 2, end);
            this.buf = this.buf.slice(end + mark.length);
            return rdb;
          }
        } else {
          const len = Number(head);
          if (this.buf.length >= nl + 2 + len) {
            const rdb = this.buf.slice(nl + 2, nl + 2 + len);
            this.buf = this.buf.slice(nl + 2 + len);
            return rdb;
          }
        }
      }
      await this.more(deadline, 'an RDB payload');
    }
  }

  /** Sends one command and returns its raw reply. */
  async call(...argv: string[]): Promise<string | null> {
    this.write(encodeCommand(argv));
    return this.read();
  }

  /** Everything received until the server closes the connection (or timeout). */
  async readUntilClose(timeoutMs = 2000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, deadline - Date.now());
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    const r = this.buf;
    this.buf = '';
    return r;
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Switches a connection to RESP3 with HELLO 3, asserting that the server agreed (a map reply). */
export async function hello3(c: RawConnection): Promise<void> {
  const r = await c.call('HELLO', '3');
  assert.ok(r !== null && r[0] === '%', `HELLO 3 failed: ${JSON.stringify(r)}`);
}

/** The payload of a bulk string reply, or of a verbatim string reply in the "txt" format. */
export function bulkText(reply: string | null): string {
  assert.ok(reply !== null, 'expected a bulk or verbatim reply, got none');
  const nl = reply.indexOf('\r\n');
  const body = reply.slice(nl + 2, -2);
  assert.equal(body.length, Number(reply.slice(1, nl)), 'declared length matches');
  if (reply[0] === '=') {
    assert.equal(body.slice(0, 4), 'txt:');
    return body.slice(4);
  }
  assert.equal(reply[0], '$');
  return body;
}

/** The value of an integer reply. */
export function intReply(reply: string | null): number {
  assert.ok(reply !== null && reply[0] === ':', `expected an integer reply, got ${JSON.stringify(reply)}`);
  return Number(reply.slice(1, -2));
}

/** The arguments of a RESP array of bulk strings (a request, or a command in a replication stream). */
export function decodeArgv(reply: string): string[] {
  assert.ok(reply[0] === '*', `expected an array of bulk strings, got ${JSON.stringify(reply.slice(0, 80))}`);
  const out: string[] = [];
  let p = reply.indexOf('\r\n') + 2;
  const n = Number(reply.slice(1, p - 2));
  for (let i = 0; i < n; i++) {
    assert.equal(reply[p], '$', `element ${i} of ${JSON.stringify(reply.slice(0, 80))} is a bulk string`);
    const nl = reply.indexOf('\r\n', p);
    const len = Number(reply.slice(p + 1, nl));
    out.push(reply.slice(nl + 2, nl + 2 + len));
    p = nl + 2 + len + 2;
  }
  return out;
}

/** Splits a RESP aggregate reply (array, set, map, push) into its element replies (raw). */
export function splitAggregate(reply: string): { header: string; items: string[] } {
  const nl = reply.indexOf('\r\n');
  const header = reply.slice(0, nl + 2);
  let n = Number(reply.slice(1, nl));
  if (reply[0] === '%') n *= 2;
  const items: string[] = [];
  let p = nl + 2;
  for (let i = 0; i < n; i++) {
    const len = replyLength(reply, p);
    items.push(reply.slice(p, p + len));
    p += len;
  }
  return { header, items };
}
