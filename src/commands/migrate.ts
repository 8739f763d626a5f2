// MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE] [AUTH password]
//         [AUTH2 username password] [KEYS key ...]          (Redis's migrateCommand, cluster.c)
//
// Redis sends the keys to the target synchronously, blocking the whole server until the target
// has answered. nodis cannot block its one thread on a socket, so the command runs in two passes:
//
//   1. when it arrives: the arguments are checked, the keys read and their DUMP payloads and
//      time to live taken at that instant (so the target gets the values as they were when
//      MIGRATE ran), and the client is suspended (blocking.suspend): its later input waits,
//      while every other client is served. The exchange with the target runs meanwhile, as
//      Redis's does: AUTH/AUTH2, SELECT when the cached connection has another database
//      selected, one RESTORE per key (with REPLACE if asked), each answer read as one line
//      within the timeout, one retry on a fresh connection when a cached one turns out closed.
//   2. when the target has answered: the command runs again (blocking.resume, like a served
//      blocked command), deletes the keys the target acknowledged (unless COPY), propagates
//      that as DEL key ... as Redis rewrites it, and replies OK or the error Redis would.
//
// A key written by another client between the two passes (so after the value sent was read)
// is not deleted: as if that write came just after MIGRATE, which recreated the key. Deleting
// it would lose a write no order of the commands explains. Each such key is watched (WATCH's
// machinery, with an owner of its own) from the first pass to the second.
//
// Connections are cached per host:port (Redis's migrate_cached_sockets: at most 64, one dropped
// at random beyond, each closed after 10 idle seconds), with the database last selected.
// Migrations to the same target take turns on its connection.

import { createConnection, type Socket } from 'node:net';
import type { CommandSpec } from '../server/command.js';
import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import type { Database, WatchOwner } from '../keyspace/db.js';
import { unwatchAll } from '../keyspace/db.js';
import { NOTIFY } from '../keyspace/notify.js';
import { ERR_SYNTAX } from '../server/errors.js';
import { optionWord } from '../util/cstring.js';
import { int64Arg } from './args.js';
import { atoi } from '../util/numbers.js';
import { dumpPayload } from '../persistence/rdb.js';
import { rerun } from '../server/dispatch.js';

/** MIGRATE_SOCKET_CACHE_ITEMS and MIGRATE_SOCKET_CACHE_TTL (seconds). */
const CACHE_ITEMS = 64;
const CACHE_TTL_SECONDS = 10;
/** Redis writes the request in 64 KB chunks, each within the timeout. */
const WRITE_CHUNK = 64 * 1024;
/** Redis reads each answer into a 1024-byte buffer: a longer line is cut there. */
const LINE_MAX = 1023;
/** setTimeout's longest delay. */
const MAX_TIMER_MS = 2 ** 31 - 1;

const ERR_CONNECT = 'IOERR error or timeout connecting to the client';
const ERR_KEYS_ARG = 'ERR When using MIGRATE KEYS option, the key argument must be set to the empty string';
/** In Redis the exchange blocks the server; nodis can only wait for it outside a transaction or script. */
const ERR_CANNOT_WAIT = 'ERR MIGRATE cannot wait for its target inside MULTI/EXEC or a script (nodis)';

/** Why a read or write on the target's connection failed (Redis: errno ETIMEDOUT or another). */
type IoFailure = 'timeout' | 'closed';

/** One cached connection to a target (Redis's migrateCachedSocket). */
class TargetLink {
  /** The database the target has selected on this connection; -1: unknown. */
  lastDbid: number | bigint = -1;
  /** Unix seconds of the last migration that used it. */
  lastUse: number;
  private input: Buffer = Buffer.alloc(0);
  private ended = false;
  private wakeReader: (() => void) | null = null;

  constructor(readonly socket: Socket, now: number, failed: boolean) {
    this.lastUse = now;
    this.ended = failed;
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => {
      this.input = this.input.length === 0 ? d : Buffer.concat([this.input, d]);
      this.wake();
    });
    const end = (): void => {
      this.ended = true;
      this.wake();
    };
    socket.on('end', end);
    socket.on('close', end);
    socket.on('error', end);
  }

  private wake(): void {
    const w = this.wakeReader;
    this.wakeReader = null;
    if (w !== null) w();
  }

  /** Writes data in 64 KB chunks, each within timeoutMs (Redis's connSyncWrite loop). */
  async write(data: Buffer, timeoutMs: number): Promise<IoFailure | null> {
    for (let pos = 0; pos < data.length; pos += WRITE_CHUNK) {
      if (this.ended || this.socket.destroyed) return 'closed';
      const chunk = data.subarray(pos, Math.min(data.length, pos + WRITE_CHUNK));
      const result = await new Promise<IoFailure | null>((resolve) => {
        const timer = setTimeout(() => resolve('timeout'), timeoutMs);
        this.socket.write(chunk, (err) => {
          clearTimeout(timer);
          resolve(err ? 'closed' : null);
        });
      });
      if (result !== null) return result;
    }
    return null;
  }

  /**
   * One answer line without its CRLF, within timeoutMs (Redis's connSyncReadLine: a line longer
   * than its buffer comes in pieces; an empty one counts as a failure, as a read of 0 bytes).
   */
  async readLine(timeoutMs: number): Promise<string | IoFailure> {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      this.wake();
    }, timeoutMs);
    try {
      for (;;) {
        const nl = this.input.indexOf(10);
        if ((nl >= 0 && nl <= LINE_MAX) || this.input.length >= LINE_MAX) {
          const cut = nl >= 0 && nl <= LINE_MAX ? nl : LINE_MAX;
          let line = this.input.toString('latin1', 0, cut);
          this.input = this.input.subarray(nl === cut ? cut + 1 : cut);
          if (line.length === 0) return 'closed';
          if (nl === cut && line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
          return line;
        }
        if (this.ended) return 'closed';
        if (timedOut) return 'timeout';
        await new Promise<void>((resolve) => {
          this.wakeReader = resolve;
        });
      }
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    this.ended = true;
    this.socket.destroy();
    this.wake();
  }
}

/**
 * Starts a TCP connection, as connBlockingConnect does in Redis 7.0: only a failure to resolve or
 * start it is an error (null). A refused connection, or one not made within timeoutMs, is
 * returned all the same (failed, or still connecting), and the request's write then fails
 * ("error or timeout writing"), as in Redis.
 */
function connectTarget(host: string, port: number, timeoutMs: number): Promise<{ socket: Socket; failed: boolean } | null> {
  return new Promise((resolve) => {
    let socket: Socket;
    try {
      socket = createConnection({ host, port });
    } catch {
      // A port out of range, and the like.
      resolve(null);
      return;
    }
    const done = (failed: boolean, unresolved = false): void => {
      clearTimeout(timer);
      socket.removeListener('error', onError);
      socket.removeListener('connect', onConnect);
      if (unresolved) {
        socket.destroy();
        resolve(null);
      } else {
        resolve({ socket, failed });
      }
    };
    const onError = (e: NodeJS.ErrnoException): void => done(true, e.syscall === 'getaddrinfo');
    const onConnect = (): void => done(false);
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('error', onError);
    socket.once('connect', onConnect);
  });
}

/** The server's cached connections (server.migrate_cached_sockets) and the turns taken on them. */
class MigrateCache {
  readonly links = new Map<string, TargetLink>();
  /** Per host:port, the end of the last migration queued for it. */
  private turns = new Map<string, Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly server: Server) {
    server.once('closed', () => {
      this.closed = true;
      for (const link of this.links.values()) link.close();
      this.links.clear();
      this.stopTimer();
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  nowSeconds(): number {
    return Math.floor(this.server.clock.now() / 1000);
  }

  /** Runs job once the migrations queued before it for the same target are done. */
  inTurn<T>(name: string, job: () => Promise<T>): Promise<T> {
    const before = this.turns.get(name) ?? Promise.resolve();
    const result = before.then(job);
    const done = result.then(
      () => undefined,
      () => undefined,
    );
    this.turns.set(name, done);
    void done.then(() => {
      if (this.turns.get(name) === done) this.turns.delete(name);
    });
    return result;
  }

  /** The cached connection to name, or a new one (migrateGetSocket); null when it cannot connect. */
  async get(name: string, host: string, port: string, timeoutMs: number): Promise<TargetLink | null> {
    const cached = this.links.get(name);
    if (cached !== undefined) {
      cached.lastUse = this.nowSeconds();
      return cached;
    }
    if (this.links.size >= CACHE_ITEMS) {
      // Too many: one is dropped at random.
      const names = [...this.links.keys()];
      this.drop(names[Math.floor(Math.random() * names.length)]);
    }
    const conn = await connectTarget(host, atoi(port), timeoutMs);
    if (conn === null) return null;
    if (this.closed) {
      conn.socket.destroy();
      return null;
    }
    const link = new TargetLink(conn.socket, this.nowSeconds(), conn.failed);
    this.links.set(name, link);
    this.startTimer();
    return link;
  }

  /** Closes and forgets the connection to name (migrateCloseSocket). */
  drop(name: string): void {
    const link = this.links.get(name);
    if (link === undefined) return;
    link.close();
    this.links.delete(name);
    if (this.links.size === 0) this.stopTimer();
  }

  /** Closes connections idle for more than 10 s (migrateCloseTimedoutSockets, once a second). */
  closeIdle(): void {
    const now = this.nowSeconds();
    for (const [name, link] of this.links) {
      if (now - link.lastUse > CACHE_TTL_SECONDS) this.drop(name);
    }
  }

  private startTimer(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => this.closeIdle(), 1000);
    this.timer.unref();
  }

  private stopTimer(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }
}

const caches = new WeakMap<Server, MigrateCache>();

function cacheOf(server: Server): MigrateCache {
  let cache = caches.get(server);
  if (cache === undefined) caches.set(server, (cache = new MigrateCache(server)));
  return cache;
}

/** INFO's migrate_cached_sockets. */
export function migrateCachedSockets(server: Server): number {
  return caches.get(server)?.links.size ?? 0;
}

/** What the target made of the request: the keys it acknowledged, and the reply (null: +OK). */
interface Outcome {
  acked: number[];
  error: string | null;
}

/** A migration between its two passes. */
interface MigrateJob {
  db: Database;
  keys: string[];
  /** One watcher per key: marked when the key is written to before the second pass. */
  watchers: WatchOwner[];
  copy: boolean;
  /** Arguments to show as "(redacted)" (AUTH's password …), for the second pass's slow log entry. */
  secrets: number[];
  /** performance.now() when the first pass began: the command's duration runs from there. */
  startedAt: number;
  outcome: Outcome | null;
}

const jobs = new WeakMap<Client, MigrateJob>();

/** A RESP multibulk request, as the target reads it. */
function encodeRequest(parts: Array<string | Buffer>): Buffer[] {
  const out: Buffer[] = [Buffer.from(`*${parts.length}\r\n`, 'latin1')];
  for (const p of parts) {
    out.push(Buffer.from(`$${p.length}\r\n`, 'latin1'));
    out.push(typeof p === 'string' ? Buffer.from(p, 'latin1') : p);
    out.push(CRLF);
  }
  return out;
}
const CRLF = Buffer.from('\r\n', 'latin1');

/** addReplyErrorFormat turns line breaks into spaces. */
function errorText(s: string): string {
  return s.replace(/[\r\n]/g, ' ');
}

interface Exchange {
  name: string;
  host: string;
  port: string;
  timeoutMs: number;
  dbid: number | bigint;
  username: string | null;
  password: string | null;
  copy: boolean;
  /** The RESTORE commands, one per key, already encoded. */
  restores: Buffer[];
}

/** The conversation with the target, as migrateCommand has it (retries included). */
async function exchange(cache: MigrateCache, x: Exchange): Promise<Outcome> {
  let mayRetry = true;
  for (;;) {
    const link = await cache.get(x.name, x.host, x.port, x.timeoutMs);
    if (link === null) return { acked: [], error: ERR_CONNECT };
    const parts: Buffer[] = [];
    if (x.password !== null) {
      parts.push(...encodeRequest(x.username !== null ? ['AUTH', x.username, x.password] : ['AUTH', x.password]));
    }
    const select = link.lastDbid !== x.dbid;
    if (select) parts.push(...encodeRequest(['SELECT', String(x.dbid)]));
    parts.push(...x.restores);

    let failure: IoFailure | null = await link.write(Buffer.concat(parts), x.timeoutMs);
    const writeError = failure !== null;
    let authLine = '';
    let selectLine = '';
    if (failure === null && x.password !== null) {
      const r = await link.readLine(x.timeoutMs);
      if (r === 'timeout' || r === 'closed') failure = r;
      else authLine = r;
    }
    if (failure === null && select) {
      const r = await link.readLine(x.timeoutMs);
      if (r === 'timeout' || r === 'closed') failure = r;
      else selectLine = r;
    }
    if (failure === null) {
      const acked: number[] = [];
      let targetError: string | null = null;
      let socketError: IoFailure | null = null;
      let j = 0;
      for (; j < x.restores.length; j++) {
        const r = await link.readLine(x.timeoutMs);
        if (r === 'timeout' || r === 'closed') {
          socketError = r;
          break;
        }
        const failed = (x.password !== null && authLine[0] === '-') || (select && selectLine[0] === '-') || r[0] === '-';
        if (failed) {
          if (targetError === null) {
            link.lastDbid = -1;
            const line = x.password !== null && authLine[0] === '-' ? authLine : select && selectLine[0] === '-' ? selectLine : r;
            targetError = `ERR Target instance replied with error: ${errorText(line.slice(1))}`;
          }
        } else if (!x.copy) {
          acked.push(j);
        }
      }
      // Nothing was answered on a connection that turned out closed: one more try on a new one.
      if (targetError === null && socketError === 'closed' && j === 0 && mayRetry) {
        failure = 'closed';
      } else {
        if (socketError !== null) cache.drop(x.name);
        if (targetError === null && socketError !== null) {
          return { acked, error: 'IOERR error or timeout reading to target instance' };
        }
        if (targetError === null) link.lastDbid = x.dbid;
        return { acked, error: targetError };
      }
    }
    // socket_err: the connection is closed; retried once unless it timed out.
    cache.drop(x.name);
    if (failure !== 'timeout' && mayRetry) {
      mayRetry = false;
      continue;
    }
    return { acked: [], error: `IOERR error or timeout ${writeError ? 'writing' : 'reading'} to target instance` };
  }
}

function migrate(c: Client, argv: string[]): void {
  const startedAt = performance.now();
  const pending = jobs.get(c);
  if (pending !== undefined && pending.outcome !== null) {
    jobs.delete(c);
    finishMigrate(c, pending, pending.outcome);
    return;
  }

  let copy = false;
  let replace = false;
  let username: string | null = null;
  let password: string | null = null;
  let firstKey = 3;
  let numKeys = 1;
  const secrets: number[] = [];
  for (let j = 6; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    const opt = optionWord(argv[j]);
    if (opt === 'copy') {
      copy = true;
    } else if (opt === 'replace') {
      replace = true;
    } else if (opt === 'auth') {
      if (more === 0) return c.error(ERR_SYNTAX);
      j++;
      password = argv[j];
      secrets.push(j);
      c.redactArgument(j);
    } else if (opt === 'auth2') {
      if (more < 2) return c.error(ERR_SYNTAX);
      username = argv[++j];
      secrets.push(j);
      c.redactArgument(j);
      password = argv[++j];
      secrets.push(j);
      c.redactArgument(j);
    } else if (opt === 'keys') {
      if (argv[3].length !== 0) return c.error(ERR_KEYS_ARG);
      firstKey = j + 1;
      numKeys = argv.length - j - 1;
      break;
    } else {
      return c.error(ERR_SYNTAX);
    }
  }
  const timeoutArg = int64Arg(c, argv[5]);
  if (timeoutArg === null) return;
  const dbid = int64Arg(c, argv[4]);
  if (dbid === null) return;
  let timeoutMs = Number(timeoutArg);
  if (timeoutMs <= 0) timeoutMs = 1000;
  timeoutMs = Math.min(timeoutMs, MAX_TIMER_MS);

  // The keys present now; NOKEY when none is (often a key that just expired: no error).
  const db = c.db;
  const keys: string[] = [];
  const restores: Buffer[] = [];
  const now = c.server.now();
  const compress = c.server.config.bool('rdbcompression');
  for (let j = 0; j < numKeys; j++) {
    const key = argv[firstKey + j];
    const value = db.lookupRead(key);
    if (value === undefined) continue;
    const expireAt = db.getExpire(key);
    let ttl = 0;
    if (expireAt !== undefined) ttl = Math.max(1, Math.trunc(expireAt - now));
    keys.push(key);
    const cmd = ['RESTORE', key, String(ttl), dumpPayload(value, { compress })] as Array<string | Buffer>;
    if (replace) cmd.push('REPLACE');
    restores.push(Buffer.concat(encodeRequest(cmd)));
  }
  if (keys.length === 0) return c.simple('NOKEY');
  if (c.denyBlocking) return c.error(ERR_CANNOT_WAIT);

  const watchers: WatchOwner[] = [];
  for (const key of keys) {
    const owner: WatchOwner = { casDirty: false, watching: null };
    db.watch(owner, key);
    watchers.push(owner);
  }
  const job: MigrateJob = { db, keys, watchers, copy, secrets, startedAt, outcome: null };
  jobs.set(c, job);
  const server = c.server;
  const cmd = server.table.lookup(argv[0])!;
  server.blocking.suspend(c, cmd, argv);
  // Nothing changed yet: the second pass propagates what it deletes.
  c.preventPropagation();

  const cache = cacheOf(server);
  const host = argv[1];
  const port = argv[2];
  const name = `${host}:${port}`;
  const x: Exchange = { name, host, port, timeoutMs, dbid, username, password, copy, restores };
  void cache
    .inTurn(name, () => exchange(cache, x))
    .catch((e: unknown): Outcome => {
      server.logFault('MIGRATE', e);
      return { acked: [], error: 'IOERR error or timeout reading to target instance' };
    })
    .then((outcome) => {
      job.outcome = outcome;
      if (cache.isClosed) return;
      if (c.blocked !== null && jobs.get(c) === job) {
        server.blocking.resume(c);
        return;
      }
      // The client went away meanwhile: the migration still ends as it would have in Redis
      // (acknowledged keys deleted and propagated), run by a client of the server's own.
      jobs.delete(c);
      const fake = server.createFakeClient();
      fake.db = db;
      jobs.set(fake, job);
      rerun(fake, cmd, argv);
    });
}

/** The second pass: the acknowledged keys go (unless COPY), then Redis's reply. */
function finishMigrate(c: Client, job: MigrateJob, outcome: Outcome): void {
  for (const i of job.secrets) c.redactArgument(i);
  // Timed from the first pass, as Redis times its synchronous MIGRATE (SLOWLOG, commandstats):
  // call() settled everything before this command, so the span measured is this command's.
  c.server.tick = job.startedAt;
  const db = job.db;
  if (!job.copy && outcome.acked.length !== 0) {
    const deleted: string[] = ['DEL'];
    for (const i of outcome.acked) {
      const key = job.keys[i];
      // Written to since its value was sent: kept (see the top of this file).
      if (job.watchers[i].casDirty) continue;
      if (!db.delete(key, false)) continue;
      db.changed(key, NOTIFY.GENERIC, 'del');
      deleted.push(key);
    }
    if (deleted.length > 1) c.rewriteArgv(deleted);
  }
  for (const w of job.watchers) unwatchAll(w);
  if (outcome.error !== null) c.error(outcome.error);
  else c.ok();
}

export const migrateCommands: CommandSpec[] = [{ name: 'migrate', handler: migrate }];
