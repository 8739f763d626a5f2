// Client-side caching (Redis's tracking.c): which clients may hold which keys, and the
// invalidation messages sent when those keys change.
//
// The tracking table maps a key name (in any database: like Redis, tracking ignores the database)
// to the ids of the clients that read it while tracking. A change to the key sends each of them an
// invalidation and forgets the entry; ids of clients gone or no longer tracking are dropped then,
// lazily, as in Redis. Clients in BCAST mode register prefixes instead: keys changed under a
// prefix are gathered during the event-loop turn and sent together before the turn's output is
// written (Redis's beforeSleep).
//
// Invalidations go to the client itself as RESP3 pushes (`>2 invalidate [keys]`), or, with
// REDIRECT, to another connection: a push when it speaks RESP3, else a `message` on
// __redis__:invalidate when it is in pub/sub mode. One for the running client itself waits until
// its command (or EXEC) has replied (Redis's tracking_pending_keys).
//
// Cost when nobody tracks: Server.keyChanged/keyExpired test `armed` (false while the table and the
// prefix table are empty), call() tests c.tracking, endUnit tests the pending list's length.

import type { Client } from './client.js';
import type { Command } from './command.js';
import type { Server } from './server.js';
import { getCommandKeys } from './command.js';
import { cString } from '../util/cstring.js';

/** A client's tracking mode (CLIENT TRACKING ON …); c.tracking is null while tracking is off. */
export interface ClientTracking {
  /** The client that receives the invalidations (CLIENT TRACKING … REDIRECT id); 0: itself. */
  redirect: number;
  bcast: boolean;
  optin: boolean;
  optout: boolean;
  noloop: boolean;
  /** CLIENT CACHING YES (OPTIN) or NO (OPTOUT) given for the next command or transaction. */
  caching: boolean;
  /** An invalidation found the redirect client gone (TRACKINGINFO broken_redirect, flag R). */
  brokenRedirect: boolean;
  /** BCAST: the prefixes this client registered (the empty prefix: every key); else null. */
  prefixes: Set<string> | null;
}

/** The options of CLIENT TRACKING ON. */
export interface TrackingOptions {
  bcast: boolean;
  optin: boolean;
  optout: boolean;
  noloop: boolean;
}

/** One BCAST prefix: the clients registered for it and the keys under it changed this turn. */
interface Broadcast {
  /** Key → the client that changed it last (null: expiry), for NOLOOP. */
  keys: Map<string, Client | null>;
  clients: Set<Client>;
}

const CRLF = '\r\n';
const INVALIDATE_PUSH = '>2\r\n$10\r\ninvalidate\r\n';
const INVALIDATE_MESSAGE = '*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n';
const REDIR_BROKEN_PUSH = '>2\r\n$21\r\ntracking-redir-broken\r\n:';

/** Commands whose keys are not remembered although flagged readonly (the scripts: Redis tracks their declared keys when they read). */
const NOT_REMEMBERED = new Set(['eval_ro', 'evalsha_ro', 'fcall_ro']);

/** The invalidation of one key: a one-element array. */
function keyPayload(key: string): string {
  return '*1\r\n$' + key.length + CRLF + key + CRLF;
}

/** The "every key" invalidation after a flush: the tracking client's own null (as Redis's shared.null[c->resp]). */
function nullPayload(c: Client): string {
  return c.resp === 2 ? '$-1\r\n' : '_\r\n';
}

/** Whether one string is a prefix of the other (Redis's stringCheckPrefix: equal counts). */
function overlap(a: string, b: string): boolean {
  return a.length <= b.length ? b.startsWith(a) : a.startsWith(b);
}

/** Sorted as Redis's radix trees iterate (byte order: the strings hold one byte per character). */
function sortedKeys(keys: Iterable<string>): string[] {
  return [...keys].sort();
}

export class Tracking {
  /** Clients with tracking on (INFO tracking_clients). */
  clients = 0;
  /** Key → ids of the clients that may hold it (INFO tracking_total_keys). */
  private readonly table = new Map<string, Set<number>>();
  /** Ids across the whole table (INFO tracking_total_items). */
  items = 0;
  /** BCAST prefixes (INFO tracking_total_prefixes), and the same names sorted (null: to sort again). */
  private readonly prefixes = new Map<string, Broadcast>();
  private sortedPrefixes: string[] | null = null;
  /** False while the table and the prefix table are both empty: key changes then cost nothing. */
  armed = false;
  /** Some BCAST prefix gathered keys this turn: the server calls broadcast() before writing. */
  broadcastPending = false;
  /**
   * Invalidations for the client running the current unit, sent once it has replied (null: a
   * flush), and the redirect it had when they were queued (used if it turned tracking off since).
   */
  pending: (string | null)[] = [];
  private pendingRedirect = 0;
  /** tracking-table-max-keys (0: no limit), rounds over it so far, where the random walk resumes. */
  private maxKeys = 0;
  private overLimitRounds = 0;
  private evictCursor: Iterator<string> | null = null;

  constructor(private readonly server: Server) {
    this.maxKeys = server.config.num('tracking-table-max-keys');
    server.config.onChange('tracking-table-max-keys', () => {
      this.maxKeys = server.config.num('tracking-table-max-keys');
      this.limit();
    });
  }

  get totalKeys(): number {
    return this.table.size;
  }

  get totalPrefixes(): number {
    return this.prefixes.size;
  }

  // ---------------------------------------------------------------- switching tracking on and off

  /**
   * CLIENT TRACKING ON (options already checked): the mode is replaced, except that BCAST
   * prefixes add to those registered and CLIENT CACHING stays as it was, as Redis's enableTracking.
   */
  enable(c: Client, redirect: number, opts: TrackingOptions, prefixes: readonly string[]): void {
    let t = c.tracking;
    if (t === null) {
      this.clients++;
      t = c.tracking = {
        redirect: 0,
        bcast: false,
        optin: false,
        optout: false,
        noloop: false,
        caching: false,
        brokenRedirect: false,
        prefixes: null,
      };
    }
    t.redirect = redirect;
    t.brokenRedirect = false;
    t.bcast = opts.bcast;
    t.optin = opts.optin;
    t.optout = opts.optout;
    t.noloop = opts.noloop;
    if (opts.bcast) {
      if (prefixes.length === 0) this.addPrefix(c, t, '');
      for (const p of prefixes) this.addPrefix(c, t, p);
    }
  }

  private addPrefix(c: Client, t: ClientTracking, prefix: string): void {
    let b = this.prefixes.get(prefix);
    if (b === undefined) {
      b = { keys: new Map(), clients: new Set() };
      this.prefixes.set(prefix, b);
      this.sortedPrefixes = null;
      this.armed = true;
    }
    if (b.clients.has(c)) return;
    b.clients.add(c);
    (t.prefixes ??= new Set()).add(prefix);
  }

  /**
   * CLIENT TRACKING OFF, RESET, a closed connection: the client leaves its prefixes; its ids in
   * the table are dropped lazily, when their keys change (Redis's disableTracking).
   */
  disable(c: Client): void {
    const t = c.tracking;
    if (t === null) return;
    if (t.prefixes !== null) {
      for (const p of t.prefixes) {
        const b = this.prefixes.get(p);
        if (b === undefined) continue;
        b.clients.delete(c);
        if (b.clients.size === 0) {
          this.prefixes.delete(p);
          this.sortedPrefixes = null;
        }
      }
    }
    c.tracking = null;
    this.clients--;
  }

  /**
   * Checks BCAST prefixes against each other and against those the client has (Redis's
   * checkPrefixCollisionsOrReply): null when none overlaps, else the error and whether the
   * command stops there. Like Redis 7.0 and 7.2, an overlap between two given prefixes stops it
   * only when the first of them is the first given: otherwise the error is sent, tracking is
   * enabled anyway and +OK follows (two replies to one command).
   */
  prefixCollision(c: Client, prefixes: readonly string[]): { error: string; stop: boolean } | null {
    const mine = c.tracking?.prefixes ?? null;
    const existing = mine === null ? [] : sortedKeys(mine);
    for (let i = 0; i < prefixes.length; i++) {
      const p = prefixes[i];
      for (const e of existing) {
        if (overlap(e, p)) {
          return {
            error: `ERR Prefix '${cString(p)}' overlaps with an existing prefix '${cString(e)}'. Prefixes for a single client must not overlap.`,
            stop: true,
          };
        }
      }
      for (let j = i + 1; j < prefixes.length; j++) {
        if (overlap(p, prefixes[j])) {
          return {
            error: `ERR Prefix '${cString(p)}' overlaps with another provided prefix '${cString(prefixes[j])}'. Prefixes for a single client must not overlap.`,
            stop: i === 0,
          };
        }
      }
    }
    return null;
  }

  /** A client's BCAST prefixes in Redis's order (TRACKINGINFO). */
  static prefixesOf(t: ClientTracking | null): string[] {
    return t === null || t.prefixes === null ? [] : sortedKeys(t.prefixes);
  }

  // ---------------------------------------------------------------- remembering keys

  /**
   * After each command of a client with tracking on (from call(), for every command EXEC runs
   * too): a read-only command's keys are remembered unless OPTIN/OPTOUT and CLIENT CACHING say
   * otherwise; then CLIENT CACHING lapses, unless the command was a CLIENT subcommand or the
   * client is in a transaction (Redis's resetClient).
   */
  commandDone(c: Client, t: ClientTracking, cmd: Command, argv: readonly string[]): void {
    if (cmd.readOnly && !t.bcast && !NOT_REMEMBERED.has(cmd.fullName)) {
      if (t.optin ? t.caching : !(t.optout && t.caching)) this.remember(c, cmd, argv);
    }
    if (t.caching && c.multi === null && (cmd.parent ?? cmd).fullName !== 'client') t.caching = false;
  }

  /**
   * A script the tracking client c runs called a read: the keys its EVAL or FCALL declared are
   * remembered (Redis's call() remembers the script caller's keys then).
   */
  rememberScriptKeys(c: Client, t: ClientTracking, scriptCmd: Command, argv: readonly string[]): void {
    if (t.bcast) return;
    if (t.optin ? t.caching : !(t.optout && t.caching)) this.remember(c, scriptCmd, argv);
  }

  private remember(c: Client, cmd: Command, argv: readonly string[]): void {
    const keys = getCommandKeys(cmd, argv);
    // Shard channels look like keys to COMMAND; they are not cached.
    if (keys.length === 0 || cmd.flags.includes('pubsub')) return;
    for (const k of keys) {
      const key = argv[k.pos];
      let ids = this.table.get(key);
      if (ids === undefined) {
        ids = new Set();
        this.table.set(key, ids);
        this.armed = true;
      }
      if (!ids.has(c.id)) {
        ids.add(c.id);
        this.items++;
      }
    }
    // The table only grows here: keep it within tracking-table-max-keys.
    if (this.maxKeys !== 0 && this.table.size > this.maxKeys) this.limit();
  }

  // ---------------------------------------------------------------- invalidation

  /**
   * A key changed (writer: the client whose command changed it, null for expiry): BCAST
   * prefixes gather it, and every client remembered for it gets an invalidation, except the
   * writer itself in NOLOOP mode. The entry is then forgotten (Redis's trackingInvalidateKey).
   * evicted: the entry is dropped for tracking-table-max-keys, nothing changed (no BCAST, no NOLOOP).
   */
  invalidateKey(key: string, writer: Client | null, evicted = false): void {
    if (!evicted && this.prefixes.size !== 0) this.gatherForBroadcast(key, writer);
    const ids = this.table.get(key);
    if (ids === undefined) {
      if (this.table.size === 0 && this.prefixes.size === 0) this.armed = false;
      return;
    }
    const server = this.server;
    const current = server.currentClient;
    for (const id of ids) {
      const target = server.clients.get(id);
      const t = target?.tracking;
      // Gone, no longer tracking, or switched to BCAST since it read the key.
      if (target === undefined || t == null || t.bcast) continue;
      // NOLOOP compares with the running client, as Redis does (a key the client's own read
      // expired counts as its own write).
      if (target === current) {
        if (t.noloop && !evicted) continue;
        this.defer(t, key);
      } else {
        this.send(target, keyPayload(key));
      }
    }
    this.items -= ids.size;
    this.table.delete(key);
  }

  /** Redis's trackingRememberKeyToBroadcast: the key under every matching prefix, with its writer. */
  private gatherForBroadcast(key: string, writer: Client | null): void {
    for (const [prefix, b] of this.prefixes) {
      if (prefix.length !== 0 && !key.startsWith(prefix)) continue;
      b.keys.set(key, writer);
      if (!this.broadcastPending) {
        this.broadcastPending = true;
        this.server.scheduleFlush();
      }
    }
  }

  /**
   * FLUSHDB, FLUSHALL, DEBUG RELOAD (Redis's trackingInvalidateKeysOnFlush): every tracking
   * client, BCAST ones too, gets the null invalidation ("every key"), and the table is emptied.
   */
  flushed(): void {
    if (this.clients !== 0) {
      const current = this.server.currentClient;
      for (const c of this.server.clients.values()) {
        const t = c.tracking;
        if (t === null) continue;
        if (c === current) this.defer(t, null);
        else this.send(c, nullPayload(c));
      }
    }
    this.table.clear();
    this.items = 0;
    this.evictCursor = null;
    if (this.prefixes.size === 0) this.armed = false;
  }

  private defer(t: ClientTracking, key: string | null): void {
    this.pending.push(key);
    this.pendingRedirect = t.redirect;
  }

  /**
   * At the end of the outermost unit (Server.endUnit): the running client's own invalidations,
   * after its reply (after EXEC's whole reply, so they never interleave with it).
   */
  sendPending(c: Client | null): void {
    const keys = this.pending;
    this.pending = [];
    if (c === null || c.closed) return;
    const redirect = c.tracking !== null ? c.tracking.redirect : this.pendingRedirect;
    for (const key of keys) this.send(c, key === null ? nullPayload(c) : keyPayload(key), redirect, true);
  }

  /**
   * Redis's sendTrackingMessage: the invalidation (payload: the keys as a RESP array, or a null)
   * to c, or to the client it redirects to. A redirect client that is gone marks the redirect
   * broken and tells c, in RESP3 only. A RESP2 client gets nothing on its own connection, and a
   * RESP2 redirect client only if it is in pub/sub mode. own: c's own invalidation sent after its
   * command (written as a push of that command, so CLIENT REPLY OFF does not drop it).
   */
  private send(c: Client, payload: string, redirect = c.tracking !== null ? c.tracking.redirect : 0, own = false): void {
    if (redirect !== 0) {
      const target = this.server.clients.get(redirect);
      if (target === undefined) {
        if (c.tracking !== null) c.tracking.brokenRedirect = true;
        if (c.resp === 3) this.deliver(c, REDIR_BROKEN_PUSH + redirect + CRLF, own);
        return;
      }
      if (target.resp === 3) this.deliver(target, INVALIDATE_PUSH + payload, own && target === c);
      else if (target.pubsub !== null) this.deliver(target, INVALIDATE_MESSAGE + payload, own && target === c);
      return;
    }
    if (c.resp === 3) this.deliver(c, INVALIDATE_PUSH + payload, own);
  }

  private deliver(c: Client, message: string, own: boolean): void {
    c.push(() => c.raw(message), own || undefined);
    if (c !== this.server.currentClient) this.server.wake(c);
  }

  /**
   * Before the turn's output is written: for each prefix (in order) the keys changed under it,
   * sorted, go to its clients in one message; a NOLOOP client's leaves out the keys it changed
   * itself, and is not sent when none is left (Redis's trackingBroadcastInvalidationMessages).
   */
  broadcast(): void {
    this.broadcastPending = false;
    if (this.sortedPrefixes === null) this.sortedPrefixes = sortedKeys(this.prefixes.keys());
    for (const prefix of this.sortedPrefixes) {
      const b = this.prefixes.get(prefix);
      if (b === undefined || b.keys.size === 0) continue;
      const keys = sortedKeys(b.keys.keys());
      let all: string | null = null;
      for (const c of b.clients) {
        if (c.tracking !== null && c.tracking.noloop) {
          const theirs = broadcastPayload(keys, b.keys, c);
          if (theirs !== null) this.send(c, theirs);
        } else {
          this.send(c, (all ??= broadcastPayload(keys, b.keys, null)!));
        }
      }
      b.keys.clear();
    }
  }

  // ---------------------------------------------------------------- tracking-table-max-keys

  /**
   * Keeps the table within tracking-table-max-keys (Redis's trackingLimitUsedSlots): random keys
   * are dropped, their clients told as if the keys had changed, with an effort that grows by 100
   * keys each time a round ends still over the limit (the cron tries again). Called when the
   * table grows past the limit, when the limit changes, and from the cron.
   */
  limit(): void {
    const max = this.maxKeys;
    if (max === 0 || this.table.size <= max) {
      this.overLimitRounds = 0;
      return;
    }
    let effort = 100 * (this.overLimitRounds + 1);
    while (effort-- > 0) {
      const key = this.randomKey();
      if (key === undefined) break;
      this.invalidateKey(key, null, true);
      if (this.table.size <= max) {
        this.overLimitRounds = 0;
        return;
      }
    }
    this.overLimitRounds++;
  }

  /** A random key of the table: uniform in a small table, else a short random walk of a shared cursor. */
  private randomKey(): string | undefined {
    const n = this.table.size;
    if (n === 0) return undefined;
    let skip: number;
    if (n <= 1024) {
      skip = Math.floor(Math.random() * n);
      for (const k of this.table.keys()) if (skip-- === 0) return k;
      return undefined;
    }
    skip = 1 + Math.floor(Math.random() * 64);
    for (;;) {
      this.evictCursor ??= this.table.keys();
      const r = this.evictCursor.next();
      if (r.done) {
        this.evictCursor = null;
        continue;
      }
      if (--skip === 0) return r.value;
    }
  }
}

/**
 * The keys of one BCAST message as a RESP array; leaving out those last changed by `except`
 * (NOLOOP), null when nothing is left (Redis's trackingBuildBroadcastReply).
 */
function broadcastPayload(keys: readonly string[], writers: Map<string, Client | null>, except: Client | null): string | null {
  let out = '';
  let n = 0;
  for (const key of keys) {
    if (except !== null && writers.get(key) === except) continue;
    out += '$' + key.length + CRLF + key + CRLF;
    n++;
  }
  if (n === 0 && except !== null) return null;
  return '*' + n + CRLF + out;
}
