// The differential harness: the same commands go to nodis and to a real Redis, and what comes
// back must match. One API for every family's tests:
//
//   Differential   the two servers (start / startWith / startOracles / stop), fresh pairs of
//                  connections (pair, withPair), step lists (check), raw byte exchanges
//                  (checkRaw), config changed and put back (withConfig), and side effects:
//                  keyspace events (withEvents) and the replication stream (withReplication)
//   Pair           one connection to each, nodis first: do (exact), unordered, approx, norm,
//                  typeOnly, error, scanAll, setup, raw, run (a step list)
//
// Comparisons are of raw RESP bytes; a normaliser rewrites both replies the same way first.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type EmbeddedServer as NodisServer, type StartOptions } from '../../src/embed.js';
import { startOracle, oracleAvailable, configArgs, ORACLE_SKIP_MESSAGE, type Oracle, type OracleConfig } from './oracle.js';
import { RawConnection, encodeCommand, hello3, splitAggregate } from './resp.js';
import { EventListener, ReplicaListener, SENTINEL_CHANNEL, EVENT_PATTERNS, alignTimes, type SyncHeader } from './capture.js';

export { ORACLE_SKIP_MESSAGE, oracleAvailable, encodeCommand, splitAggregate };

// ---------------------------------------------------------------------------------------------
// Normalisers: a reply → what is compared. Pair applies them to non-error replies only: errors
// always compare whole.

export type Normalizer = (reply: string) => string;

/** The payload of a bulk (or simple) string item. */
export function bulkPayload(item: string): string {
  return item.slice(item.indexOf('\r\n') + 2, -2);
}

/** Redis promises no order: top-level elements sorted (arrays, sets), maps sorted by pairs. */
export const sorted: Normalizer = (reply) => {
  if (!'*~%'.includes(reply[0]) || reply.startsWith('*-1')) return reply;
  const { header, items } = splitAggregate(reply);
  if (reply[0] === '%') {
    const pairs: string[] = [];
    for (let i = 0; i < items.length; i += 2) pairs.push(items[i] + items[i + 1]);
    return header + pairs.sort().join('');
  }
  return header + items.sort().join('');
};

/** Only the reply's type (its first byte), for random output; an error still compares whole. */
export const typeOf: Normalizer = (reply) => (isError(reply) ? reply : reply[0]);

/** One SCAN-family page: the cursor exactly, the elements as a set. */
export const scanPage: Normalizer = (reply) => {
  if (!reply.startsWith('*2\r\n')) return reply;
  const [cursor, arr] = splitAggregate(reply).items;
  return cursor + sorted(arr);
};

/** Whether a reply is an error (simple or RESP3 blob error). */
export function isError(reply: string | null): boolean {
  return reply !== null && (reply[0] === '-' || reply[0] === '!');
}

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/**
 * Whether two replies are equal but for numbers within tolerance: integers (both non-negative:
 * negative integers such as TTL's -1 and -2 compare exactly), RESP3 doubles, and bulk strings
 * that are numbers; aggregates element by element, with the same shape.
 */
export function approxEqual(a: string, b: string, tolerance: number): boolean {
  if (a === b) return true;
  if (a[0] !== b[0]) return false;
  if (a[0] === ':') {
    const x = Number(a.slice(1, -2));
    const y = Number(b.slice(1, -2));
    return x >= 0 && y >= 0 && Math.abs(x - y) <= tolerance;
  }
  if (a[0] === ',' || a[0] === '$') {
    const x = a[0] === ',' ? a.slice(1, -2) : bulkPayload(a);
    const y = b[0] === ',' ? b.slice(1, -2) : bulkPayload(b);
    return NUMBER.test(x) && NUMBER.test(y) && Math.abs(Number(x) - Number(y)) <= tolerance;
  }
  if ('*~%>'.includes(a[0])) {
    const sa = splitAggregate(a);
    const sb = splitAggregate(b);
    return sa.header === sb.header && sa.items.every((x, i) => approxEqual(x, sb.items[i], tolerance));
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Steps: a test written as a plain sequence of commands.

/** One command of a sequence and how its replies compare (exactly, unless one of these says). */
export interface Step {
  cmd: string[];
  /** Run on both, compare nothing (set-up). */
  setup?: boolean;
  /** Both replies must be errors, with the same text. */
  error?: boolean;
  /** Numbers may differ by up to this much (see approxEqual). */
  approx?: number;
  /** Compare only the reply type (random output). */
  typeOnly?: boolean;
  /** Redis promises no order: compare as a set (see sorted). */
  unordered?: boolean;
  /** Rewrite both replies with this before comparing. */
  norm?: Normalizer;
}

export type StepLike = string[] | Step;

// ---------------------------------------------------------------------------------------------
// Pair

/**
 * One connection to each server, nodis first. Every comparing method sends the command to both
 * at once, fails with the command and both raw replies when they differ (or a server closed the
 * connection), and returns nodis's reply.
 */
export class Pair {
  constructor(
    readonly nodis: RawConnection,
    readonly redis: RawConnection,
    /** How failure messages name the two sides. */
    readonly names: [string, string] = ['nodis', 'redis'],
  ) {}

  /** Both raw replies, nodis first, without comparing (null: that server closed the connection). */
  both(...cmd: string[]): Promise<[string | null, string | null]> {
    return Promise.all([this.nodis.call(...cmd), this.redis.call(...cmd)]);
  }

  private where(cmd: string[], context: string): string {
    return `reply to ${JSON.stringify(cmd)} differs (${this.names[0]} first, ${this.names[1]} second)${context}`;
  }

  private async replies(cmd: string[], context: string): Promise<[string, string]> {
    const [rn, ro] = await this.both(...cmd);
    if (rn === null || ro === null) {
      const who = rn === null && ro === null ? 'both servers' : this.names[rn === null ? 0 : 1];
      assert.fail(`${who} closed the connection instead of answering ${JSON.stringify(cmd)} (replies: ${JSON.stringify([rn, ro])})${context}`);
    }
    return [rn, ro];
  }

  /** Compares after rewriting both replies with f (errors compare whole). */
  async norm(f: Normalizer, ...cmd: string[]): Promise<string> {
    return this.normIn('', f, cmd);
  }

  private async normIn(context: string, f: Normalizer | null, cmd: string[]): Promise<string> {
    const [rn, ro] = await this.replies(cmd, context);
    const g = (r: string): string => (f === null || isError(r) ? r : f(r));
    assert.equal(g(rn), g(ro), this.where(cmd, context));
    return rn;
  }

  /** The raw replies must be identical. */
  do(...cmd: string[]): Promise<string> {
    return this.normIn('', null, cmd);
  }

  /** Compared as a set: top-level elements sorted, maps by pairs. */
  unordered(...cmd: string[]): Promise<string> {
    return this.normIn('', sorted, cmd);
  }

  /** Only the reply types must match (random output); errors compare whole. */
  typeOnly(...cmd: string[]): Promise<string> {
    return this.normIn('', typeOf, cmd);
  }

  /** Numbers may differ by up to tolerance (TTLs a second apart, floats); see approxEqual. */
  async approx(tolerance: number, ...cmd: string[]): Promise<string> {
    return this.approxIn('', tolerance, cmd);
  }

  /** As approx, after rewriting both replies with f (errors compare whole). */
  async approxNorm(f: Normalizer, tolerance: number, ...cmd: string[]): Promise<string> {
    return this.approxIn('', tolerance, cmd, f);
  }

  private async approxIn(context: string, tolerance: number, cmd: string[], f: Normalizer | null = null): Promise<string> {
    const [rn, ro] = await this.replies(cmd, context);
    const [a, b] = f === null || isError(rn) || isError(ro) ? [rn, ro] : [f(rn), f(ro)];
    if (!approxEqual(a, b, tolerance)) assert.equal(a, b, `${this.where(cmd, context)} (beyond ±${tolerance})`);
    return rn;
  }

  /** Both replies must be errors with the same text; returns it. */
  async error(...cmd: string[]): Promise<string> {
    return this.errorIn('', cmd);
  }

  private async errorIn(context: string, cmd: string[]): Promise<string> {
    const [rn, ro] = await this.replies(cmd, context);
    assert.equal(rn, ro, this.where(cmd, context));
    assert.ok(isError(rn), `${JSON.stringify(cmd)} should fail on both, but answered ${JSON.stringify(rn)}${context}`);
    return rn;
  }

  /** Runs a command on both and compares nothing (set-up); or several: setup(['SET', 'a', '1'], ['SET', 'b', '2']). */
  async setup(...cmd: string[]): Promise<void>;
  async setup(...cmds: string[][]): Promise<void>;
  async setup(...args: string[] | string[][]): Promise<void> {
    const cmds = typeof args[0] === 'string' ? [args as string[]] : (args as string[][]);
    for (const cmd of cmds) await this.both(...cmd);
  }

  /**
   * Iterates a SCAN-family command to cursor 0 on each server (cmd with its cursor, usually 0:
   * SCAN 0 …, HSCAN key 0 …) and compares the sets of what each returned. Returns them decoded:
   * keys or members, or field, value, field, value … for HSCAN and ZSCAN, sorted.
   */
  async scanAll(...cmd: string[]): Promise<string[]> {
    const [a, b] = await Promise.all([collectScan(this.nodis, cmd), collectScan(this.redis, cmd)]);
    assert.deepEqual(a, b, `${JSON.stringify(cmd)} iterated to the end returns different sets (${this.names[0]} first, ${this.names[1]} second)`);
    if (typeof a === 'string') assert.fail(`${JSON.stringify(cmd)} failed on both: ${JSON.stringify(a)}`);
    const groups = a.map((group) => splitAggregate(`*${pairScan(cmd) ? 2 : 1}\r\n${group}`).items.map(bulkPayload));
    return groups.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0)).flat();
  }

  /** One step of a sequence; context is added to a failure message. */
  async step(s: StepLike, context = ''): Promise<void> {
    const step: Step = Array.isArray(s) ? { cmd: s } : s;
    if (step.setup) await this.both(...step.cmd);
    else if (step.error) await this.errorIn(context, step.cmd);
    else if (step.approx !== undefined) await this.approxIn(context, step.approx, step.cmd, step.norm ?? null);
    else if (step.typeOnly) await this.normIn(context, typeOf, step.cmd);
    else if (step.unordered) await this.normIn(context, sorted, step.cmd);
    else await this.normIn(context, step.norm ?? null, step.cmd);
  }

  /** Runs the steps in order. */
  async run(steps: StepLike[], context = ''): Promise<void> {
    for (const s of steps) await this.step(s, context);
  }

  /** Writes raw bytes to both. */
  write(bytes: string): void {
    this.nodis.write(bytes);
    this.redis.write(bytes);
  }

  /** Writes bytes to both (if any) and compares everything each sends until it closes or goes quiet for waitMs. */
  async raw(bytes: string, waitMs = 300): Promise<[string, string]> {
    if (bytes) this.write(bytes);
    const [rn, ro] = await Promise.all([this.nodis.readUntilClose(waitMs), this.redis.readUntilClose(waitMs)]);
    assert.equal(rn, ro, `raw exchange for ${JSON.stringify(bytes.slice(0, 80))} differs (${this.names[0]} first, ${this.names[1]} second)`);
    return [rn, ro];
  }

  close(): void {
    this.nodis.close();
    this.redis.close();
  }
}

function pairScan(cmd: string[]): boolean {
  return ['hscan', 'zscan'].includes(cmd[0].toLowerCase());
}

/**
 * Finishes a SCAN-family iteration on one connection: from cmd (its cursor at index 1 for SCAN,
 * 2 for the others), or from first, a reply to cmd already read. Returns what the iteration found
 * as sorted distinct raw elements (field and value together for HSCAN and ZSCAN), or the raw reply
 * that was not a page (an error).
 */
export async function collectScan(conn: RawConnection, cmd: string[], first?: string): Promise<string[] | string> {
  const at = cmd[0].toLowerCase() === 'scan' ? 1 : 2;
  const group = pairScan(cmd) ? 2 : 1;
  const found = new Set<string>();
  let reply = first ?? (await conn.call(...cmd));
  for (let i = 0; i < 100_000; i++) {
    if (reply === null) return 'connection closed';
    if (!reply.startsWith('*2\r\n')) return reply;
    const [cursor, page] = splitAggregate(reply).items;
    const items = splitAggregate(page).items;
    for (let j = 0; j < items.length; j += group) found.add(items.slice(j, j + group).join(''));
    const next = bulkPayload(cursor);
    if (next === '0') return [...found].sort();
    reply = await conn.call(...cmd.slice(0, at), next, ...cmd.slice(at + 1));
  }
  throw new Error(`${JSON.stringify(cmd)} did not reach cursor 0`);
}

// ---------------------------------------------------------------------------------------------
// Differential

/** A server the harness can open connections to. */
export interface Endpoint {
  name: string;
  connect(): Promise<RawConnection>;
}

export interface PairOptions {
  /** Switch both connections to RESP3 with HELLO 3 (after prepare). */
  resp3?: boolean;
  /** FLUSHALL both servers first (the default); false keeps what is there. */
  flush?: boolean;
  /** AUTH both connections first: with the servers' requirepass (true) or this password. */
  auth?: boolean | string;
  /** Runs after the flush, before HELLO 3: fixtures that differ per server. */
  prepare?: (p: Pair) => Promise<void>;
}

export interface CaptureOptions extends PairOptions {
  /**
   * Capture keyspace events: notify-keyspace-events is set to this class string ('KEA' for true)
   * on both servers for the duration; a listener on each PSUBSCRIBEs to eventPatterns.
   */
  events?: boolean | string;
  /** Patterns the event listeners subscribe to (default: every keyspace and keyevent channel). */
  eventPatterns?: string[];
  /** The event listeners speak RESP3 (messages arrive as pushes). */
  eventsResp3?: boolean;
  /** Capture the replication stream: a replica connection on each server, by PSYNC ? -1 (true) or SYNC. */
  replication?: boolean | 'psync' | 'sync';
  /** Absolute times (PXAT, PEXPIREAT …) in the two streams may differ by this much (default 2000 ms). */
  timeToleranceMs?: number;
  /** How long to wait for the sentinel on each listener (default 5000 ms). */
  timeoutMs?: number;
}

/** Keyspace events as both servers published them (raw RESP messages, identical after the check). */
export interface EventCapture {
  nodis: string[];
  redis: string[];
}

/** The replication streams as argv lists (equal after the check, but for times within tolerance). */
export interface ReplicationCapture {
  nodis: string[][];
  redis: string[][];
  /** What each sent before the stream: +FULLRESYNC fields and the RDB payload. */
  headers: [SyncHeader, SyncHeader];
}

export interface Captured {
  events?: EventCapture;
  replication?: ReplicationCapture;
}

/**
 * A nodis server and a real Redis side by side (or two Redis servers, for the harness's own
 * tests). Use inside a describe() whose options come from differentialSuite(), so the suite skips
 * with a clear message where redis-server is missing.
 */
export class Differential {
  nodis!: NodisServer;
  oracle!: Oracle;
  /** The first side when both are Redis (startOracles). */
  oracleA?: Oracle;
  /** The two sides, nodis (or the first Redis) first. */
  left!: Endpoint;
  right!: Endpoint;
  /** The servers' requirepass, used by the harness's own connections (flush, config, listeners). */
  password?: string;

  /** nodis's `dir` (a fresh temporary directory unless the options name one), removed by stop(). */
  dir = '';

  /**
   * nodis with nodisOptions (plus enable-debug-command yes, its own dir, and its log dropped: the
   * tests set directives nodis does not act on, whose warnings are tested elsewhere) and Redis
   * with oracleArgs.
   */
  async start(nodisOptions: StartOptions = {}, oracleArgs: string[] | OracleConfig = []): Promise<void> {
    this.dir = mkdtempSync(join(tmpdir(), 'nodis-test-'));
    this.nodis = await startServer({ 'enable-debug-command': 'yes', dir: this.dir, log: () => {}, ...nodisOptions });
    this.oracle = await startOracle(oracleArgs);
    const port = this.nodis.port;
    this.left = { name: 'nodis', connect: () => RawConnection.open({ port }) };
    this.right = { name: 'redis', connect: () => this.oracle.connect() };
    if (typeof nodisOptions.requirepass === 'string' && nodisOptions.requirepass) this.password = nodisOptions.requirepass;
  }

  /** Both servers with the same directives: startWith({ requirepass: 'pw', 'notify-keyspace-events': 'KEA' }). */
  startWith(config: OracleConfig): Promise<void> {
    return this.start(config, configArgs(config));
  }

  /** Two real Redis servers (the harness's self-tests: what Redis does, the harness must accept). */
  async startOracles(config: OracleConfig = {}): Promise<void> {
    this.oracleA = await startOracle(config);
    this.oracle = await startOracle(config);
    this.left = { name: 'redis A', connect: () => this.oracleA!.connect() };
    this.right = { name: 'redis B', connect: () => this.oracle.connect() };
    if (typeof config.requirepass === 'string' && config.requirepass) this.password = config.requirepass;
  }

  async stop(): Promise<void> {
    await this.nodis?.close();
    await this.oracleA?.close();
    await this.oracle?.close();
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }

  /** A raw connection to each server (left first), authenticated when they have a password; not flushed. */
  connect(): Promise<[RawConnection, RawConnection]> {
    return this.admin();
  }

  /** A connection to each server, authenticated when the servers have a password (not flushed). */
  private async admin(): Promise<[RawConnection, RawConnection]> {
    const conns = [await this.left.connect(), await this.right.connect()];
    if (this.password) {
      for (const c of conns) assert.equal(await c.call('AUTH', this.password), '+OK\r\n', 'harness AUTH');
    }
    return [conns[0], conns[1]];
  }

  /** Empties every database of both servers with FLUSHALL. */
  async flushAll(): Promise<void> {
    const [a, b] = await this.admin();
    try {
      for (const c of [a, b]) assert.equal(await c.call('FLUSHALL'), '+OK\r\n', 'FLUSHALL');
    } finally {
      a.close();
      b.close();
    }
  }

  /** A fresh pair of connections (see PairOptions: flushed first unless flush is false). Close it. */
  async pair(opts: PairOptions = {}): Promise<Pair> {
    if (opts.flush !== false) await this.flushAll();
    const p = new Pair(await this.left.connect(), await this.right.connect(), [this.left.name, this.right.name]);
    try {
      if (opts.auth) {
        const pw = opts.auth === true ? this.password : opts.auth;
        assert.ok(pw, 'auth: true needs servers started with requirepass');
        for (const c of [p.nodis, p.redis]) assert.equal(await c.call('AUTH', pw), '+OK\r\n', 'AUTH');
      }
      if (opts.prepare) await opts.prepare(p);
      if (opts.resp3) {
        await hello3(p.nodis);
        await hello3(p.redis);
      }
    } catch (e) {
      p.close();
      throw e;
    }
    return p;
  }

  /** Runs fn with a fresh pair and closes it afterwards. */
  async withPair<T>(fn: (p: Pair) => Promise<T>, opts: PairOptions = {}): Promise<T> {
    const p = await this.pair(opts);
    try {
      return await fn(p);
    } finally {
      p.close();
    }
  }

  /**
   * Runs the steps on a fresh pair (after FLUSHALL, unless flush is false) and compares every
   * reply. With events or replication, also compares the keyspace events or the replication
   * stream the steps caused (see withEvents, withReplication).
   */
  async check(steps: StepLike[], opts: CaptureOptions = {}): Promise<void> {
    if (opts.events || opts.replication) await this.capture((p) => p.run(steps), opts);
    else await this.withPair((p) => p.run(steps), opts);
  }

  /** Sends raw bytes to both on fresh connections and compares everything each sends back until it closes or goes quiet. */
  async checkRaw(bytes: string, waitMs = 300): Promise<[string, string]> {
    const p = new Pair(await this.left.connect(), await this.right.connect(), [this.left.name, this.right.name]);
    try {
      return await p.raw(bytes, waitMs);
    } finally {
      p.close();
    }
  }

  /**
   * Runs fn with configuration parameters changed on both servers and puts each server's old
   * values back afterwards (one CONFIG SET per parameter, so aliases may be listed together).
   * settings: values to set, or just the names of parameters fn changes itself.
   */
  async withConfig<T>(settings: Record<string, string> | string[], fn: () => Promise<T>): Promise<T> {
    const names = Array.isArray(settings) ? settings : Object.keys(settings);
    const saved: Array<Array<[string, string]>> = [[], []];
    const conns = await this.admin();
    try {
      for (let side = 0; side < 2; side++) {
        for (const name of names) {
          const r = await conns[side].call('CONFIG', 'GET', name);
          const items = splitAggregate(r!).items;
          assert.equal(items.length, 2, `CONFIG GET ${name} names one parameter`);
          saved[side].push([name, bulkPayload(items[1])]);
        }
        if (!Array.isArray(settings) && names.length) {
          const argv = ['CONFIG', 'SET', ...Object.entries(settings).flat()];
          assert.equal(await conns[side].call(...argv), '+OK\r\n', `${[this.left.name, this.right.name][side]}: ${argv.join(' ')}`);
        }
      }
    } finally {
      for (const c of conns) c.close();
    }
    try {
      return await fn();
    } finally {
      const back = await this.admin();
      try {
        for (let side = 0; side < 2; side++) {
          for (const [name, value] of saved[side]) {
            assert.equal(await back[side].call('CONFIG', 'SET', name, value), '+OK\r\n', `restoring ${name} on ${[this.left.name, this.right.name][side]}`);
          }
        }
      } finally {
        for (const c of back) c.close();
      }
    }
  }

  /**
   * Runs fn with a fresh pair while both servers publish keyspace events (class string 'KEA', or
   * opts.events), and compares the events each published, raw and in order. The capture ends at a
   * sentinel PUBLISH sent to each server after fn. Returns the events.
   */
  async withEvents(fn: (p: Pair) => Promise<void>, opts: CaptureOptions = {}): Promise<EventCapture> {
    return (await this.capture(fn, { ...opts, events: opts.events ?? true })).events!;
  }

  /**
   * Runs fn with a fresh pair while a replica connection on each server (PSYNC ? -1, or SYNC)
   * reads the replication stream, and compares the two streams as argv lists (absolute times
   * within opts.timeToleranceMs). The servers are flushed before the replicas attach (unless
   * flush is false), so the streams hold only what fn caused. Returns the streams.
   */
  async withReplication(fn: (p: Pair) => Promise<void>, opts: CaptureOptions = {}): Promise<ReplicationCapture> {
    return (await this.capture(fn, { ...opts, replication: opts.replication ?? true })).replication!;
  }

  /** Opens a listener on each server's admin connection into out (each closes its connection if it fails). */
  private async listen<L>(out: L[], open: (c: RawConnection, side: number) => Promise<L>): Promise<void> {
    const conns = await this.admin();
    for (let side = 0; side < 2; side++) {
      try {
        out.push(await open(conns[side], side));
      } catch (e) {
        for (const c of conns.slice(side + 1)) c.close();
        throw e;
      }
    }
  }

  /** The capture behind check's events/replication options, withEvents and withReplication. */
  async capture(fn: (p: Pair) => Promise<void>, opts: CaptureOptions): Promise<Captured> {
    const settings: Record<string, string> = {};
    if (opts.events) settings['notify-keyspace-events'] = opts.events === true ? 'KEA' : opts.events;
    // Redis pings its replicas every repl-ping-replica-period seconds: rarely, and the PINGs are dropped.
    if (opts.replication) settings['repl-ping-replica-period'] = '3600';
    const names: [string, string] = [this.left.name, this.right.name];
    return this.withConfig(settings, async () => {
      if (opts.flush !== false) await this.flushAll();
      const replicas: ReplicaListener[] = [];
      const listeners: EventListener[] = [];
      try {
        if (opts.replication) {
          const mode = opts.replication === 'sync' ? 'sync' : 'psync';
          await this.listen(replicas, (c, side) => ReplicaListener.open(c, names[side], mode));
        }
        if (opts.events) {
          await this.listen(listeners, (c, side) => EventListener.open(c, names[side], opts.eventPatterns ?? EVENT_PATTERNS, opts.eventsResp3));
        }
        await this.withPair(fn, { ...opts, flush: false });
        // The sentinel: one PUBLISH on each server, after everything fn did.
        const token = randomBytes(8).toString('hex');
        const admin = await this.admin();
        try {
          for (const c of admin) assert.match((await c.call('PUBLISH', SENTINEL_CHANNEL, token)) ?? '', /^:\d+\r\n$/, 'sentinel PUBLISH');
        } finally {
          for (const c of admin) c.close();
        }
        const timeout = opts.timeoutMs ?? 5000;
        const out: Captured = {};
        if (listeners.length) {
          const [a, b] = await Promise.all(listeners.map((l) => l.collect(token, timeout)));
          assert.deepEqual(a, b, `keyspace events differ (${names[0]} first, ${names[1]} second)`);
          out.events = { nodis: a, redis: b };
        }
        if (replicas.length) {
          const [a, b] = await Promise.all(replicas.map((r) => r.collect(token, timeout)));
          assert.deepEqual(a, alignTimes(a, b, opts.timeToleranceMs ?? 2000), `replication streams differ (${names[0]} first, ${names[1]} second)`);
          out.replication = { nodis: a, redis: b, headers: [replicas[0].header, replicas[1].header] };
        }
        return out;
      } finally {
        for (const l of [...listeners, ...replicas]) l.close();
      }
    });
  }
}

/** describe() options: skip with a one-line reason when redis-server is not installed. */
export function differentialSuite(): { skip?: string } {
  return oracleAvailable() ? {} : { skip: ORACLE_SKIP_MESSAGE };
}

/** An INFO field of a server (from INFO everything), read on the given connection; '' when absent. */
export async function infoField(conn: RawConnection, field: string): Promise<string> {
  const r = (await conn.call('INFO', 'everything')) ?? '';
  const m = new RegExp(`\\r\\n${field}:([^\\r]*)\\r\\n`).exec(r);
  return m ? m[1] : '';
}

/** Waits until both servers of admin have n blocked clients. */
export async function waitBlocked(admin: Pair, n: number): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const [a, b] = await Promise.all([infoField(admin.nodis, 'blocked_clients'), infoField(admin.redis, 'blocked_clients')]);
    if (Number(a) === n && Number(b) === n) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.fail(`blocked_clients never reached ${n} on both servers`);
}

/** Sends a command on both connections of a pair without reading its reply. */
export function send(p: Pair, ...argv: string[]): void {
  p.write(encodeCommand(argv));
}

/** Reads the next reply on both connections of a pair and compares them; returns nodis's. */
export async function readBoth(p: Pair, what: string): Promise<string> {
  const [a, b] = await Promise.all([p.nodis.read(), p.redis.read()]);
  assert.equal(a, b, `${what}: replies differ (nodis first, redis second)`);
  return a!;
}

/** Fails if anything arrives on either connection of a waiting (blocked, paused) pair within ms. */
export async function quiet(p: Pair, ms = 100): Promise<void> {
  const [a, b] = await Promise.all([p.nodis.readUntilClose(ms), p.redis.readUntilClose(ms)]);
  assert.equal(a, '', `nodis sent ${JSON.stringify(a)} while waiting`);
  assert.equal(b, '', `redis sent ${JSON.stringify(b)} while waiting`);
}
