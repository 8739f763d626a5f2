// Blocked clients (Redis's blocked.c, as Redis 7.2 does it): clients blocked on keys (BLPOP and
// the other blocking list commands, BZPOPMIN and the other sorted-set pops, XREAD/XREADGROUP
// BLOCK), and clients whose command CLIENT PAUSE postponed (see server/pause.ts); WAIT later.
//
//   block()        the command found nothing to serve: the client waits on its keys, in each
//                  key's queue (FIFO), with a deadline from the one clock (0: forever). Its
//                  further pipelined commands wait too: the server stops parsing its input.
//   signal()       a key changed (Server.keyChanged, from db.changed(), as Redis's
//                  signalKeyAsReady): if clients wait on it, it is ready, once per unit
//   handleReady()  at the end of the outermost execution unit: for each ready key, each client
//                  waiting on it, first come first served, whose key now holds what it waits for
//                  (checked per client, as handleClientsBlockedOnKey does) runs its command
//                  again, as a unit of its own: it takes the non-blocking path, so its reply,
//                  keyspace events, propagation (LPOP, LMOVE …) and statistics are exactly
//                  those of that path. Keys readied meanwhile (BLMOVE pushing to a key others
//                  wait on) are served in the same loop.
//   unblock()      a timeout (null reply), CLIENT UNBLOCK (TIMEOUT: the null reply; ERROR:
//                  -UNBLOCKED), or the client going away (forgotten).
//   postpone()     CLIENT PAUSE holds the command back (BLOCKED_POSTPONE): no keys, no deadline;
//                  releasePostponed() lets every postponed client go, in order, once the pause
//                  is lifted or relaxed: each runs its command again from the start
//                  (Server.resumeClients), and may be postponed again.
//   suspend()      the command waits for an answer from outside the server (MIGRATE's target):
//                  no keys, no deadline of its own; resume() runs it again (as a served client's
//                  command, not shown to MONITOR twice), and the command finishes with what
//                  it was waiting for.
//
// A client with denyBlocking set (inside MULTI, a script) never blocks: the command answers as
// if it had timed out at once (canBlock).

import type { Client } from '../server/client.js';
import type { Command } from '../server/command.js';
import type { Server } from '../server/server.js';
import type { Value } from '../types/value.js';
import type { Database } from './db.js';
import { applyReplyMode, rerun } from '../server/dispatch.js';

/** What a client waits for (Redis's btype); the INFO and CLIENT LIST views count them all. */
export const BLOCKED_LIST = 1;
export const BLOCKED_ZSET = 2;
export const BLOCKED_STREAM = 3;
/** Held back by CLIENT PAUSE: the command runs from the start once the pause ends. */
export const BLOCKED_POSTPONE = 4;
/** Waiting for another server's answer (MIGRATE): the command runs again once it arrived. */
export const BLOCKED_REMOTE = 5;
/** The client's script runs on in a worker thread past busy-reply-threshold (scripting/lua.ts). */
export const BLOCKED_SCRIPT = 6;
/** WAIT: until enough replicas acknowledged the client's last write (replication/primary.ts). */
export const BLOCKED_WAIT = 7;

/** Whether a key's value (undefined: no key) would let a waiting command through now. */
export type ReadyTest = (value: Value | undefined, key: string) => boolean;

/** Why a client stops waiting without being served. */
export type UnblockReason = 'timeout' | 'error';

export const ERR_UNBLOCKED = 'UNBLOCKED client unblocked via CLIENT UNBLOCK';

/** A blocked client's state (Redis's c->bstate). */
export class BlockedState {
  constructor(
    readonly client: Client,
    readonly type: number,
    readonly db: Database,
    /** The keys waited on, each once. */
    readonly keys: string[],
    /** Unix ms after which it times out; 0 for never. */
    readonly timeout: number,
    /** The command to run again once a key is ready, and its arguments as received. */
    readonly cmd: Command,
    readonly argv: string[],
    readonly ready: ReadyTest,
    /** It wakes when a key it waits on goes away (XREADGROUP: Redis 7.2's unblock_on_nokey). */
    readonly onNoKey: boolean,
  ) {}
}

const neverReady: ReadyTest = () => false;

export class Blocking {
  /** Clients blocked now (INFO blocked_clients). */
  blockedClients = 0;
  /** Blocked clients with a deadline (INFO clients_in_timeout_table). */
  timedClients = 0;
  /** Keys with at least one client waiting, over every database (INFO total_blocking_keys). */
  waitedKeys = 0;
  /** Keys with at least one client waiting that wakes when the key goes (INFO total_blocking_keys_on_nokey). */
  waitedKeysOnNoKey = 0;
  /** Per database number: how many such clients wait on each key. */
  private noKeyWaiters: Array<Map<string, number> | undefined> = [];
  /** Per database number: each waited key's clients, in the order they blocked. */
  private waiting: Array<Map<string, Client[]> | undefined> = [];
  /** Keys signalled since the last handleReady, in order, and the same as a set per database. */
  private ready: Array<{ db: Database; key: string }> = [];
  private readySets: Array<Set<string> | undefined> = [];
  /** Serving is under way (its own units end inside it: they must not serve again). */
  private serving = false;
  /** Deadlines, a binary min-heap; entries of clients no longer blocked are dropped lazily. */
  private deadlines: BlockedState[] = [];
  private timer: NodeJS.Timeout | null = null;
  private timerAt = 0;
  /** Clients unblocked whose pipelined input waits to be parsed (see Server.resumeClients). */
  readonly unblocked: Client[] = [];
  /** Clients whose command CLIENT PAUSE holds back, in the order they came (server.postponed_clients). */
  private postponed: Client[] = [];

  constructor(private readonly server: Server) {}

  /** Whether c may block (not inside MULTI or a script): otherwise it answers as timed out. */
  canBlock(c: Client): boolean {
    return !c.denyBlocking;
  }

  /**
   * Blocks c on keys (blockForKeys) until one is ready for it, the deadline (unix ms, 0: none)
   * passes, or it is unblocked. argv is the command it runs again when served.
   */
  block(c: Client, type: number, keys: readonly string[], timeout: number, argv: string[], ready: ReadyTest, onNoKey = false): void {
    const cmd = this.server.table.lookup(argv[0])!;
    const db = c.db;
    let map = this.waiting[db.id];
    if (map === undefined) map = this.waiting[db.id] = new Map();
    const distinct: string[] = [];
    for (const key of keys) {
      if (distinct.includes(key)) continue;
      distinct.push(key);
      const queue = map.get(key);
      if (queue === undefined) {
        map.set(key, [c]);
        this.waitedKeys++;
      } else {
        queue.push(c);
      }
    }
    if (onNoKey) this.countNoKey(db.id, distinct, 1);
    const state = new BlockedState(c, type, db, distinct, timeout, cmd, argv, ready, onNoKey);
    c.blocked = state;
    this.blockedClients++;
    if (timeout !== 0) {
      this.timedClients++;
      this.pushDeadline(state);
      this.armTimer();
    }
  }

  /**
   * CLIENT PAUSE holds c's command back (blockClient with BLOCKED_POSTPONE): c waits, its later
   * input unread, until releasePostponed. Nothing is counted for the command until it runs.
   */
  postpone(c: Client, cmd: Command, argv: string[]): void {
    c.blocked = new BlockedState(c, BLOCKED_POSTPONE, c.db, [], 0, cmd, argv, neverReady, false);
    this.postponed.push(c);
    this.blockedClients++;
  }

  /**
   * c's command waits for something outside the server (MIGRATE's target): c is blocked, its
   * later input unread, until resume(c). CLIENT UNBLOCK cannot end it (as a module's client
   * without a timeout callback).
   */
  suspend(c: Client, cmd: Command, argv: string[]): void {
    c.blocked = new BlockedState(c, BLOCKED_REMOTE, c.db, [], 0, cmd, argv, neverReady, false);
    this.blockedClients++;
  }

  /** What a suspended client waited for is there: its command runs again, as a unit of its own. */
  resume(c: Client): void {
    const state = c.blocked;
    if (state === null || (state.type !== BLOCKED_REMOTE && state.type !== BLOCKED_WAIT)) return;
    this.serve(c, state);
  }

  /**
   * Holds c while its script runs on past busy-reply-threshold (Redis protects the caller and
   * serves other clients meanwhile): its later input waits, as a blocked client's. It is not a
   * blocked client (INFO blocked_clients does not count it, CLIENT UNBLOCK cannot reach it).
   */
  holdForScript(c: Client, cmd: Command, argv: string[]): void {
    c.blocked = new BlockedState(c, BLOCKED_SCRIPT, c.db, [], 0, cmd, argv, neverReady, false);
  }

  /** The held script's caller has its reply: its waiting input is parsed after this turn. */
  releaseScriptHold(c: Client): void {
    if (c.blocked === null || c.blocked.type !== BLOCKED_SCRIPT) return;
    c.blocked = null;
    if (!c.closed) this.woken(c);
  }

  /**
   * The pause was lifted or relaxed (unblockPostponedClients): every postponed client is let
   * go, in order, to run its command again from the start once this unit is over.
   */
  releasePostponed(): void {
    const clients = this.postponed;
    if (clients.length === 0) return;
    this.postponed = [];
    for (const c of clients) {
      const state = c.blocked!;
      c.blocked = null;
      this.blockedClients--;
      c.pendingCommand = state.argv;
      this.woken(c);
    }
  }

  /** A key changed (signalKeyAsReady): queued for handleReady if clients wait on it. */
  signal(db: Database, key: string): void {
    const map = this.waiting[db.id];
    if (map === undefined || !map.has(key)) return;
    let set = this.readySets[db.id];
    if (set === undefined) set = this.readySets[db.id] = new Set();
    if (set.has(key)) return;
    set.add(key);
    this.ready.push({ db, key });
  }

  /**
   * Clients (re)blocked on db's keys after SWAPDB or a flush: every waited key is ready (one that
   * is gone wakes XREADGROUP with its error; the others' ready tests skip it).
   */
  swapped(...dbs: Database[]): void {
    for (const db of dbs) {
      const map = this.waiting[db.id];
      if (map === undefined) continue;
      for (const key of map.keys()) this.signal(db, key);
    }
  }

  /** Whether keys were readied and wait for handleReady. */
  get pending(): boolean {
    return this.ready.length !== 0;
  }

  /**
   * Serves the clients waiting on ready keys (handleClientsBlockedOnKeys), until serving
   * readies no more keys. Runs at the end of the outermost unit.
   */
  handleReady(): void {
    if (this.serving || this.ready.length === 0) return;
    this.serving = true;
    try {
      while (this.ready.length !== 0) {
        const batch = this.ready;
        this.ready = [];
        for (const { db, key } of batch) {
          this.readySets[db.id]!.delete(key);
          const queue = this.waiting[db.id]?.get(key);
          if (queue === undefined) continue;
          // The clients waiting now, in order; each checks the key afresh, since the one
          // before it may have emptied it (or BLMOVE filled it).
          for (const c of queue.slice()) {
            const state = c.blocked;
            if (state === null || state.db !== db) continue;
            // A key whose time passed is removed here (its DEL propagated), as Redis 7.0's
            // lookup does; Redis 7.2 leaves it for the next access. Not a hit or a miss.
            const expired = db.expires.size !== 0 && db.expireIfNeeded(key);
            if (!state.ready(expired ? undefined : db.dict.get(key), key)) continue;
            this.serve(c, state);
          }
        }
      }
    } finally {
      this.serving = false;
    }
  }

  /** Runs a blocked client's command again, now that its key is ready. */
  private serve(c: Client, state: BlockedState): void {
    this.release(c, state);
    const mark = c.replyBytes;
    rerun(c, state.cmd, state.argv);
    if (c.replyMode !== 'on' && c.blocked === null) applyReplyMode(c, mark, state.cmd);
    this.woken(c);
  }

  /**
   * Unblocks c without serving it: a timeout or CLIENT UNBLOCK TIMEOUT (the null reply), or
   * CLIENT UNBLOCK ERROR. The command counts as called then (and failed, for the error).
   */
  unblock(c: Client, reason: UnblockReason, message = ERR_UNBLOCKED): void {
    const state = c.blocked;
    if (state === null) return;
    this.release(c, state);
    const mark = c.replyBytes;
    if (reason === 'error') c.error(message);
    // WAIT times out with the number of replicas that did acknowledge.
    else if (state.type === BLOCKED_WAIT) c.integer(this.server.replication.countAcks(c.woff));
    else c.nullArray();
    const cmd = state.cmd;
    cmd.stats.calls++;
    if (reason === 'error') cmd.stats.failedCalls++;
    this.server.stats.commandsProcessed++;
    this.server.commandRan(cmd, c, state.argv);
    if (c.replyMode !== 'on') applyReplyMode(c, mark, cmd);
    this.woken(c);
  }

  /** The client is going away: it is forgotten. */
  forget(c: Client): void {
    const state = c.blocked;
    if (state !== null) this.release(c, state);
  }

  /** Removes c from every queue it waits in and from the counts. */
  private release(c: Client, state: BlockedState): void {
    if (state.type === BLOCKED_SCRIPT) {
      c.blocked = null;
      return;
    }
    if (state.type === BLOCKED_POSTPONE || state.type === BLOCKED_REMOTE) {
      if (state.type === BLOCKED_POSTPONE) {
        const i = this.postponed.indexOf(c);
        if (i >= 0) this.postponed.splice(i, 1);
      }
      c.blocked = null;
      this.blockedClients--;
      return;
    }
    const map = this.waiting[state.db.id]!;
    for (const key of state.keys) {
      const queue = map.get(key);
      if (queue === undefined) continue;
      const i = queue.indexOf(c);
      if (i >= 0) queue.splice(i, 1);
      if (queue.length === 0) {
        map.delete(key);
        this.waitedKeys--;
      }
    }
    if (state.onNoKey) this.countNoKey(state.db.id, state.keys, -1);
    c.blocked = null;
    this.blockedClients--;
    if (state.timeout !== 0) this.timedClients--;
  }

  /** Counts clients that wake when a key goes (delta +1 or -1 on each of keys). */
  private countNoKey(dbid: number, keys: readonly string[], delta: number): void {
    let map = this.noKeyWaiters[dbid];
    if (map === undefined) map = this.noKeyWaiters[dbid] = new Map();
    for (const key of keys) {
      const n = (map.get(key) ?? 0) + delta;
      if (n === 0) {
        map.delete(key);
        this.waitedKeysOnNoKey--;
      } else {
        if (n === 1 && delta === 1) this.waitedKeysOnNoKey++;
        map.set(key, n);
      }
    }
  }

  /** After an unblock: the reply goes out, and the input the client sent meanwhile is parsed. */
  private woken(c: Client): void {
    const server = this.server;
    server.wake(c);
    this.unblocked.push(c);
    if (this.unblocked.length === 1) setImmediate(server.resumeClients);
  }

  // ---- Timeouts -------------------------------------------------------------------------------

  /** Times out every blocked client whose deadline has passed (Redis: strictly before now). */
  checkTimeouts(): void {
    const now = this.server.clock.now();
    const heap = this.deadlines;
    while (heap.length !== 0) {
      const top = heap[0];
      if (top.client.blocked !== top) {
        this.popDeadline();
        continue;
      }
      if (top.timeout >= now) break;
      this.popDeadline();
      this.unblock(top.client, 'timeout');
    }
    this.armTimer();
  }

  /** Sets a timer for the earliest deadline (its delay read from the clock). */
  private armTimer(): void {
    const heap = this.deadlines;
    while (heap.length !== 0 && heap[0].client.blocked !== heap[0]) this.popDeadline();
    if (heap.length === 0) {
      if (this.timer !== null) clearTimeout(this.timer);
      this.timer = null;
      return;
    }
    const at = heap[0].timeout;
    if (this.timer !== null && this.timerAt === at) return;
    if (this.timer !== null) clearTimeout(this.timer);
    const delay = Math.max(0, at - this.server.clock.now() + 1);
    this.timerAt = at;
    this.timer = setTimeout(this.onTimer, Math.min(delay, 2 ** 31 - 1));
    this.timer.unref();
  }

  private readonly onTimer = (): void => {
    this.timer = null;
    this.checkTimeouts();
  };

  /** The clock moved (a test's clock.advance): deadlines are checked again at once. */
  clockMoved(): void {
    if (this.timedClients === 0) return;
    if (this.server.unitDepth !== 0) setImmediate(() => this.checkTimeouts());
    else this.checkTimeouts();
  }

  /** Stops the timer (the server closes). */
  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private pushDeadline(s: BlockedState): void {
    const heap = this.deadlines;
    let i = heap.length;
    heap.push(s);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent].timeout <= s.timeout) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = s;
  }

  private popDeadline(): void {
    const heap = this.deadlines;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    let i = 0;
    const n = heap.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const m = r < n && heap[r].timeout < heap[l].timeout ? r : l;
      if (heap[m].timeout >= last.timeout) break;
      heap[i] = heap[m];
      i = m;
    }
    heap[i] = last;
  }
}
