// Side effects a server shows to other connections, captured for the differential harness:
// keyspace events (a PSUBSCRIBE connection) and the replication stream (a connection that sent
// SYNC or PSYNC). Both end at a sentinel: one PUBLISH on SENTINEL_CHANNEL, which the event
// listener is subscribed to and which Redis propagates to its replicas like any write.

import assert from 'node:assert/strict';
import { RawConnection, decodeArgv, encodeCommand, hello3, splitAggregate } from './resp.js';

/** The channel of the end-of-capture PUBLISH. */
export const SENTINEL_CHANNEL = '__nodis_harness_sentinel__';

/** The patterns a keyspace-event listener subscribes to by default: every keyspace and keyevent channel. */
export const EVENT_PATTERNS = ['__key*@*__:*'];

/** The elements of a RESP2 array or RESP3 push of bulk strings and integers, as text. */
export function decodeMessage(reply: string): string[] {
  assert.ok(reply[0] === '*' || reply[0] === '>', `expected an array or push, got ${JSON.stringify(reply.slice(0, 80))}`);
  return splitAggregate(reply).items.map((item) => (item[0] === ':' ? item.slice(1, -2) : decodeArgv(`*1\r\n${item}`)[0]));
}

/** A pmessage as [channel, message] (for readable assertions in tests). */
export function eventOf(raw: string): [string, string] {
  const m = decodeMessage(raw);
  assert.equal(m[0], 'pmessage', `not a pmessage: ${JSON.stringify(raw)}`);
  return [m[2], m[3]];
}

function isSentinelMessage(reply: string, token: string): boolean {
  if (reply[0] !== '*' && reply[0] !== '>') return false;
  const m = decodeMessage(reply);
  return m.length === 3 && m[0] === 'message' && m[1] === SENTINEL_CHANNEL && m[2] === token;
}

/** A connection subscribed to keyspace events (and to the sentinel channel). */
export class EventListener {
  private constructor(
    private readonly conn: RawConnection,
    readonly label: string,
  ) {}

  /**
   * PSUBSCRIBEs to patterns and SUBSCRIBEs to the sentinel channel on conn (RESP3 first if asked),
   * and waits for every confirmation. A server that refuses (an error reply) fails with its reply.
   */
  static async open(conn: RawConnection, label: string, patterns: string[] = EVENT_PATTERNS, resp3 = false): Promise<EventListener> {
    try {
      if (resp3) await hello3(conn);
      conn.write(encodeCommand(['PSUBSCRIBE', ...patterns]) + encodeCommand(['SUBSCRIBE', SENTINEL_CHANNEL]));
      const expected = [...patterns.map((p) => ['psubscribe', p]), ['subscribe', SENTINEL_CHANNEL]];
      for (const [kind, name] of expected) {
        const r = await conn.read();
        assert.ok(r !== null, `${label} closed the connection instead of confirming ${kind.toUpperCase()} ${name}`);
        const ok = (r[0] === '*' || r[0] === '>') && decodeMessage(r).slice(0, 2).join(' ') === `${kind} ${name}`;
        assert.ok(ok, `${label} answered ${kind.toUpperCase()} ${name} with ${JSON.stringify(r)}`);
      }
    } catch (e) {
      conn.close();
      throw e;
    }
    return new EventListener(conn, label);
  }

  /** Every message received before the sentinel message carrying token (raw RESP, in order). */
  async collect(token: string, timeoutMs = 5000): Promise<string[]> {
    const out: string[] = [];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let r: string | null;
      try {
        r = await this.conn.read(Math.max(1, deadline - Date.now()));
      } catch (e) {
        throw new Error(`${this.label}: no sentinel message after ${out.length} event(s) ${JSON.stringify(out)}: ${(e as Error).message}`);
      }
      assert.ok(r !== null, `${this.label} closed the event connection after ${JSON.stringify(out)}`);
      if (isSentinelMessage(r, token)) return out;
      out.push(r);
    }
  }

  close(): void {
    this.conn.close();
  }
}

/** What a primary sent a replica before the command stream. */
export interface SyncHeader {
  /** 'psync': PSYNC ? -1 (a +FULLRESYNC line first); 'sync': the old SYNC (the payload at once). */
  mode: 'psync' | 'sync';
  /** From +FULLRESYNC <replid> <offset> (PSYNC only). */
  replid?: string;
  offset?: number;
  /** The RDB payload (latin1). */
  rdb: string;
}

/** A connection that became a replica with SYNC or PSYNC ? -1 and reads the command stream. */
export class ReplicaListener {
  private constructor(
    private readonly conn: RawConnection,
    readonly label: string,
    readonly header: SyncHeader,
  ) {}

  /**
   * Sends PSYNC ? -1 (expects `+FULLRESYNC <40 hex> <offset>`) or SYNC on conn, then reads the
   * RDB payload (`$<len>\r\n<bytes>` after any `\n` keepalives, or the `$EOF:` diskless form).
   */
  static async open(conn: RawConnection, label: string, mode: 'psync' | 'sync' = 'psync', timeoutMs = 10000): Promise<ReplicaListener> {
    try {
      const header: SyncHeader = { mode, rdb: '' };
      if (mode === 'psync') {
        conn.write(encodeCommand(['PSYNC', '?', '-1']));
        conn.skipNewlines = true;
        const r = await conn.read(timeoutMs);
        conn.skipNewlines = false;
        const m = r === null ? null : /^\+FULLRESYNC ([0-9a-f]{40}) (\d+)\r\n$/.exec(r);
        assert.ok(m, `${label} answered PSYNC ? -1 with ${JSON.stringify(r)} (expected +FULLRESYNC <replid> <offset>)`);
        header.replid = m[1];
        header.offset = Number(m[2]);
      } else {
        conn.write(encodeCommand(['SYNC']));
      }
      try {
        header.rdb = await conn.readRdb(timeoutMs);
      } catch (e) {
        throw new Error(`${label}: after ${mode.toUpperCase()}: ${(e as Error).message}`);
      }
      assert.ok(header.rdb.startsWith('REDIS'), `${label}: the payload is not an RDB file: ${JSON.stringify(header.rdb.slice(0, 40))}`);
      return new ReplicaListener(conn, label, header);
    } catch (e) {
      conn.close();
      throw e;
    }
  }

  /**
   * The commands received before the sentinel PUBLISH carrying token, as argv lists. Left out:
   * PINGs (the primary's heartbeat every repl-ping-replica-period seconds), REPLCONF GETACK, and
   * a SELECT right before the sentinel (Redis selects the sentinel connection's database first).
   */
  async collect(token: string, timeoutMs = 5000): Promise<string[][]> {
    const out: string[][] = [];
    const deadline = Date.now() + timeoutMs;
    this.conn.skipNewlines = true;
    for (;;) {
      let r: string | null;
      try {
        r = await this.conn.read(Math.max(1, deadline - Date.now()));
      } catch (e) {
        throw new Error(`${this.label}: no sentinel PUBLISH after ${JSON.stringify(out)}: ${(e as Error).message}`);
      }
      assert.ok(r !== null, `${this.label} closed the replication connection after ${JSON.stringify(out)}`);
      const argv = decodeArgv(r);
      const name = argv[0].toLowerCase();
      if (name === 'ping' && argv.length === 1) continue;
      if (name === 'replconf' && argv[1]?.toLowerCase() === 'getack') continue;
      if (name === 'publish' && argv[1] === SENTINEL_CHANNEL && argv[2] === token) {
        if (out.length && out[out.length - 1][0].toLowerCase() === 'select') out.pop();
        return out;
      }
      out.push(argv);
    }
  }

  close(): void {
    this.conn.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Absolute times in a replication stream

/**
 * Whether argv[i] is an absolute time that Redis computes from "now" when it propagates a
 * relative one (EXPIRE → PEXPIREAT, SET EX → SET PXAT, GETEX EX → PEXPIREAT, RESTORE … ABSTTL):
 * those may differ by the few ms between the two servers running the command.
 */
export function isTimeArg(argv: string[], i: number): boolean {
  if (!/^-?\d+$/.test(argv[i] ?? '')) return false;
  const name = argv[0].toLowerCase();
  if ((name === 'pexpireat' || name === 'expireat') && i === 2) return true;
  // RESTORE with a relative TTL propagates it as an absolute one, marked ABSTTL.
  if (name === 'restore' && i === 2) return argv.some((a, j) => j > 3 && a.toLowerCase() === 'absttl');
  // XREADGROUP and XCLAIM propagate the delivery time as XCLAIM … TIME <unix ms>.
  if (name === 'xclaim' && argv[i - 1]?.toLowerCase() === 'time') return true;
  return i > 0 && ['pxat', 'exat'].includes(argv[i - 1].toLowerCase());
}

/**
 * The second stream with each absolute time replaced by the first stream's where the two are
 * within toleranceMs (seconds for EXAT/EXPIREAT: the tolerance rounded up), so that an
 * assert.deepEqual of the two shows only real differences.
 */
export function alignTimes(a: string[][], b: string[][], toleranceMs: number): string[][] {
  return b.map((argv, j) => {
    const other = a[j];
    if (!other || other.length !== argv.length || other[0].toLowerCase() !== argv[0].toLowerCase()) return argv;
    return argv.map((x, i) => {
      if (x === other[i] || !isTimeArg(argv, i) || !isTimeArg(other, i)) return x;
      const seconds = argv[0].toLowerCase() === 'expireat' || argv[i - 1]?.toLowerCase() === 'exat';
      const tol = seconds ? Math.ceil(toleranceMs / 1000) : toleranceMs;
      return Math.abs(Number(x) - Number(other[i])) <= tol ? other[i] : x;
    });
  });
}

/**
 * Each stream with every integer argument within ±windowMs of nowMs (as ms, or as seconds for a
 * 10-digit number) replaced by `<now>`: for assertions that name the expected stream.
 */
export function maskTimes(stream: string[][], nowMs: number, windowMs: number): string[][] {
  return stream.map((argv) =>
    argv.map((x) => {
      if (!/^\d{10,13}$/.test(x)) return x;
      const t = x.length === 10 ? Number(x) * 1000 : Number(x);
      return Math.abs(t - nowMs) <= windowMs ? '<now>' : x;
    }),
  );
}
