// One connection: its socket, its parser, its reply buffer and its state (db, name, protocol …).

import type { Socket } from 'node:net';
import { RequestParser } from '../protocol/parser.js';
import { ReplyWriter, OUT_BLOCK_BYTES, type OutputChunk, type SharedFrame } from '../protocol/writer.js';
import type { Database, WatchedKey } from '../keyspace/db.js';
import type { Server } from './server.js';
import type { ReplicaState } from '../replication/primary.js';
import type { ClientPubSub } from './pubsub.js';
import type { ClientTracking } from './tracking.js';
import { discardTransaction, type QueuedCommand } from './multi.js';
import type { BlockedState } from '../keyspace/blocking.js';

export type ReplyMode = 'on' | 'off' | 'skip';

/** Redis's per-client static reply buffer (PROTO_REPLY_CHUNK_BYTES), outside the output limits. */
const REPLY_BUFFER_BYTES = 16 * 1024;
/**
 * What follows the static buffer Redis keeps in a list of blocks of at least 16 KB, each of which
 * jemalloc rounds up to 20 KB (less the block's 16-byte header, all usable): the limits and
 * CLIENT LIST's omem count whole blocks, so output past the static buffer is counted in blocks
 * of this size here too.
 */
const REPLY_BLOCK_BYTES = 20480 - 16;

/** Output past the static buffer as Redis counts it: whole reply blocks. */
function countedOutput(unsent: number): number {
  return unsent <= 0 ? 0 : Math.ceil(unsent / REPLY_BLOCK_BYTES) * REPLY_BLOCK_BYTES;
}
/** A batch of output this big is worth a GC once written. */
const BIG_BATCH_BYTES = 8 * 1024 * 1024;
const EMPTY = Buffer.alloc(0);
/** What a client that must still AUTH may leave unread before it is dropped. */
const UNAUTHENTICATED_OUTPUT_BYTES = 1024;

export class Client extends ReplyWriter {
  readonly id: number;
  readonly parser: RequestParser;
  db: Database;
  name = '';
  libName = '';
  libVer = '';
  /** False while requirepass is set and AUTH has not succeeded. */
  authenticated: boolean;
  user = 'default';
  readonly createdAt: number;
  /** Last time a command arrived, for CLIENT LIST idle= and the idle timeout. */
  lastInteraction: number;
  /** Last command run, for CLIENT LIST cmd= (full name, "client|list"). */
  lastCommand = 'NULL';
  replyMode: ReplyMode = 'on';
  /** Set by QUIT (and protocol errors): close once pending replies are written. */
  closeAfterReply = false;
  closed = false;
  /** Waiting in the server's list of clients to write out (Server.wake). */
  flushQueued = false;
  noEvict = false;
  noTouch = false;
  /** Set for CLIENT KILL's flag filters and CLIENT LIST flags=. */
  readonly isUnixSocket: boolean;
  readonly addr: string;
  /**
   * CLIENT LIST's laddr=: asked of the socket the first time it is wanted, so that a connection
   * that never shows it costs no getsockname call (Redis too reads it on demand).
   */
  get laddr(): string {
    if (this.localAddr === null) {
      const s = this.socket;
      this.localAddr = s && !this.isUnixSocket ? formatAddr(s.localAddress, s.localPort) : this.addr;
    }
    return this.localAddr;
  }
  private localAddr: string | null = null;

  constructor(
    readonly server: Server,
    readonly socket: Socket | null,
    id: number,
  ) {
    super();
    this.id = id;
    this.db = server.dbs[0];
    this.createdAt = server.clock.now();
    this.lastInteraction = this.createdAt;
    this.authenticated = !server.requirePass();
    this.parser = new RequestParser({
      maxBulkLen: server.config.num('proto-max-bulk-len'),
      queryBufferLimit: server.config.num('client-query-buffer-limit'),
    });
    this.parser.restricted = !this.authenticated;
    // The first look at the limits once past the static buffer's size (see outputGrew).
    if (socket) this.spillAt = REPLY_BUFFER_BYTES + 1;
    const s = socket;
    this.isUnixSocket = !!s && s.remoteAddress === undefined && s.localAddress === undefined;
    if (!s) this.addr = '';
    else if (this.isUnixSocket) this.addr = `${server.config.get('unixsocket')}:0`;
    else this.addr = formatAddr(s.remoteAddress, s.remotePort);
  }

  /**
   * What the running command propagates when it changed the dataset, set by the handler (Redis's
   * rewriteClientCommandVector): null propagates argv as received.
   */
  propagateArgv: string[] | null = null;
  /** Propagate even without a change (FLUSHALL on empty data, PUBLISH), or never (-1); 0: if dirty. */
  propagateMode: -1 | 0 | 1 = 0;

  /**
   * Positions of the running command's arguments that are secrets (AUTH's password …): the slow
   * log and MONITOR show "(redacted)" there (Redis's redactClientCommandArgument). Null: none.
   */
  redacted: number[] | null = null;

  /** Hides argument i of the running command from the slow log and MONITOR. */
  redactArgument(i: number): void {
    (this.redacted ??= []).push(i);
  }

  /** Propagate this instead of the command as received (relative times made absolute …). */
  rewriteArgv(argv: string[]): void {
    this.propagateArgv = argv;
  }

  /** Propagate the command even though it changed no data (Redis's forceCommandPropagation). */
  forcePropagation(): void {
    this.propagateMode = 1;
  }

  /** The command propagates nothing itself (it called alsoPropagate for its effects). */
  preventPropagation(): void {
    this.propagateMode = -1;
  }

  // Per-feature state, created on first use and released by releaseFeatures().
  /** Set once the connection is a replica reading the replication stream (SYNC/PSYNC). */
  replica: ReplicaState | null = null;
  /** A replica waiting for its snapshot: its output (the stream) accumulates unsent. */
  holdOutput = false;
  /** The stream's offset after this client's last write that reached it (WAIT waits for it). */
  woff = 0;
  /** Channels and patterns subscribed to; null when none (not in pub/sub mode). */
  pubsub: ClientPubSub | null = null;
  /** What the client waits for while a blocking command holds it (keyspace/blocking.ts). */
  blocked: BlockedState | null = null;
  /**
   * A command CLIENT PAUSE held back, let go and waiting to run again from the start before the
   * rest of the client's input (Redis's CLIENT_PENDING_COMMAND); null when none.
   */
  pendingCommand: string[] | null = null;
  /** In MONITOR mode: every command run is shown to it. */
  monitor = false;
  /** The commands queued since MULTI; null when not in a transaction. */
  multi: QueuedCommand[] | null = null;
  /** A command was refused while queueing: EXEC aborts (Redis's CLIENT_DIRTY_EXEC). */
  multiError = false;
  /** What the queued commands' arguments take (CLIENT LIST multi-mem). */
  multiBytes = 0;
  /** A watched key changed: EXEC fails (Redis's CLIENT_DIRTY_CAS). */
  casDirty = false;
  /** The keys WATCHed, in any database; null when none. */
  watching: WatchedKey[] | null = null;
  /**
   * Blocking commands run as their non-blocking forms (Redis's CLIENT_DENY_BLOCKING): set while
   * EXEC runs its commands.
   */
  denyBlocking = false;
  /** The server's script client, which runs redis.call's commands (Redis's CLIENT_SCRIPT). */
  scriptClient = false;
  /**
   * Its commands are obeyed, not judged (Redis's mustObeyClient): the client loading the AOF,
   * whose commands were checked when they first ran (e.g. XADD's rewritten trim with LIMIT).
   */
  mustObey = false;
  /** The connection to this replica's primary (Redis's CLIENT_MASTER): CLIENT LIST flags=M. */
  isMaster = false;
  /** Client-side caching: the mode of CLIENT TRACKING ON; null while tracking is off. */
  tracking: ClientTracking | null = null;

  /**
   * Releases the per-feature state (replication, pub/sub, MULTI, MONITOR, tracking; blocking as
   * it lands): when the connection goes away, and for RESET.
   */
  releaseFeatures(): void {
    if (this.replica) {
      this.server.replication.detach(this);
      this.replica = null;
    }
    if (this.pubsub) this.server.pubsub.release(this);
    if (this.blocked) this.server.blocking.forget(this);
    if (this.multi !== null || this.watching !== null) discardTransaction(this);
    if (this.monitor) {
      this.server.monitors.delete(this);
      this.monitor = false;
    }
    if (this.tracking !== null) this.server.tracking.disable(this);
  }

  /** Push messages written while this client's replies are switched off (see push()). */
  pushed = '';

  /**
   * Writes a RESP3 push message (out-of-band data, not a reply): it is sent even while CLIENT
   * REPLY is OFF or SKIP, as Redis's CLIENT_PUSHING flag does. running: the push belongs to the
   * command this client is running (by default: while it is the unit's client).
   */
  push(write: () => void, running?: boolean): void {
    // Only the running command's output is trimmed by the reply mode; a push to another client
    // goes straight out.
    if (this.replyMode === 'on' || !(running ?? this.server.currentClient === this)) {
      write();
      return;
    }
    const start = this.replyBytes;
    write();
    this.pushed += this.takeFrom(start);
  }

  /**
   * A push many clients receive alike (a pub/sub message), encoded once for all of them (see
   * ReplyWriter.frame); like push(), it is sent even while replies are switched off.
   */
  pushFrame(f: SharedFrame): void {
    if (this.replyMode === 'on' || this.server.currentClient !== this) this.frame(f);
    else this.push(() => this.frame(f));
  }

  protected override countError(msg: string): void {
    this.server.countErrorReply(msg);
  }

  /** Writes pending replies to the socket in one write (one writev when they are chunked). */
  flush(): void {
    // A client without a connection keeps its output for whoever drives it (tests, scripts).
    if (!this.socket) return;
    if (this.closed) {
      this.discardReplies();
      return;
    }
    const pending = this.replyBytes;
    if (pending === 0) return;
    const socket = this.socket;
    // What Redis holds against client-output-buffer-limit: the replies not yet handed to the
    // kernel, this batch included (it checks as it queues a reply, before writing), less the
    // first 16 KB, which sit in the client's static buffer and are never counted.
    const unsent = socket.writableLength + pending - REPLY_BUFFER_BYTES;
    if ((unsent > 0 || this.softLimitSince !== 0) && this.overOutputLimits(unsent)) return;
    if (this.holdOutput) return;
    this.server.stats.netOutputBytes += pending;
    if (!this.chunked) {
      const out = this.out;
      this.out = '';
      socket.write(out, 'latin1');
      return;
    }
    socket.cork();
    this.drain(this.writeChunk);
    // The copies Node made of a big batch are freed only by a GC: ask for one once they are sent.
    if (pending >= BIG_BATCH_BYTES) socket.write(EMPTY, () => this.server.memory.released(pending));
    socket.uncork();
  }

  private readonly writeChunk = (chunk: OutputChunk): void => {
    // (A Buffer is shared with other clients: Node writes it without copying it.)
    if (typeof chunk === 'string') this.socket!.write(chunk, 'latin1');
    else this.socket!.write(chunk);
  };

  /** As output piles up within a batch, the limits are checked as Redis checks them per reply. */
  protected override outputGrew(): void {
    if (!this.socket || this.closed) return;
    const unsent = this.pendingOutput - REPLY_BUFFER_BYTES;
    if (unsent > 0) this.overOutputLimits(unsent);
    // Under the static buffer's size no limit can be reached: look again once past it.
    else this.spillAt = Math.min(OUT_BLOCK_BYTES, 1 - unsent);
  }

  /** Since when the output buffer has been over the soft limit (0: it is not). */
  private softLimitSince = 0;

  /**
   * client-output-buffer-limit for normal, pub/sub and replica clients: replies (or the stream) the client does not read
   * pile up in memory; past the hard limit, or past the soft limit for longer than its seconds,
   * the client is dropped (true), as Redis does. A client that has not authenticated yet may not
   * hold more than 1 KB, as Redis 7.0.15 (CVE-2025-21605) allows.
   */
  private overOutputLimits(unsent: number): boolean {
    const pending = countedOutput(unsent);
    let over = pending > UNAUTHENTICATED_OUTPUT_BYTES && this.authRequired();
    const limit = this.server.config.clientOutputBufferLimit(this.replica?.online ? 'replica' : this.pubsub ? 'pubsub' : 'normal');
    if (!over) over = limit.hardBytes > 0 && pending >= limit.hardBytes;
    if (!over && limit.softBytes > 0 && pending >= limit.softBytes) {
      const now = this.server.clock.now();
      if (this.softLimitSince === 0) this.softLimitSince = now;
      else over = now - this.softLimitSince > limit.softSeconds * 1000;
    } else if (!over) {
      this.softLimitSince = 0;
    }
    if (!over) {
      // Near a limit, replies are checked one by one (each spills), as Redis checks each reply.
      let cap = this.authRequired() ? UNAUTHENTICATED_OUTPUT_BYTES : Infinity;
      if (limit.hardBytes > 0 && limit.hardBytes < cap) cap = limit.hardBytes;
      if (limit.softBytes > 0 && limit.softBytes < cap) cap = limit.softBytes;
      // Counted in whole blocks, the output reaches cap once it passes the block boundary below it.
      const room = (Math.ceil(cap / REPLY_BLOCK_BYTES) - 1) * REPLY_BLOCK_BYTES - unsent + 1;
      this.spillAt = room < OUT_BLOCK_BYTES ? Math.max(1, room) : OUT_BLOCK_BYTES;
      return false;
    }
    this.server.log.warning(`Client id=${this.id} addr=${this.addr} closed for overcoming of output buffer limits.`);
    this.drop();
    return true;
  }

  /**
   * A client over its soft output limit is dropped once the limit's time is up even when no more
   * output comes (Redis's clientsCron looks at every client about once a second).
   */
  checkSoftLimit(): void {
    if (this.softLimitSince !== 0 && this.socket && !this.closed) this.overOutputLimits(this.pendingOutput - REPLY_BUFFER_BYTES);
  }

  /**
   * Closes the connection at once, throwing away what it has not been sent (output limits,
   * a fault in its request): whatever it held is released.
   */
  drop(): void {
    if (this.closed) return;
    this.closed = true;
    this.discardReplies();
    this.parser.reset();
    this.socket?.destroy();
    this.server.unlinkClient(this);
  }

  /** Output waiting: replies not yet handed to the socket plus what the socket still holds. */
  get pendingOutput(): number {
    return this.replyBytes + (this.socket ? this.socket.writableLength : 0);
  }

  /**
   * What the client holds, as CLIENT LIST reports it in Redis's terms: the first 16 KB of
   * pending output stand for Redis's static reply buffer (obl), the rest for its reply list
   * (omem, counted in oll blocks of REPLY_BLOCK_BYTES); tot-mem adds the query buffer and the
   * running command's arguments.
   */
  memoryFields(argvBytes = 0): { qbuf: number; qbufFree: number; obl: number; oll: number; omem: number; total: number } {
    const pending = this.pendingOutput;
    const obl = Math.min(pending, REPLY_BUFFER_BYTES);
    const omem = countedOutput(pending - obl);
    const qbuf = this.parser.queryBufferBytes;
    const qbufFree = Math.max(0, this.parser.bufferBytes - qbuf);
    return {
      qbuf,
      qbufFree,
      obl,
      oll: omem / REPLY_BLOCK_BYTES,
      omem,
      total: qbuf + qbufFree + argvBytes + REPLY_BUFFER_BYTES + omem + this.multiBytes,
    };
  }

  /** Flushes and closes the connection. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.socket?.end();
    this.server.unlinkClient(this);
  }

  /**
   * Whether the client must still AUTH (Redis's authRequired): asked each time, so clearing
   * requirepass lets waiting connections in, while setting one leaves open connections as they were.
   */
  authRequired(): boolean {
    return !this.authenticated && this.server.requirePass() !== '';
  }

  setAuthenticated(user: string): void {
    this.authenticated = true;
    this.user = user;
    this.parser.restricted = false;
  }

  /** Back to the default user; authenticated again only if no password is required (RESET). */
  clearAuthentication(): void {
    this.user = 'default';
    this.authenticated = !this.server.requirePass();
    this.parser.restricted = this.authRequired();
  }
}

function formatAddr(host: string | undefined, port: number | undefined): string {
  if (!host) return '';
  const h = host.startsWith('::ffff:') ? host.slice(7) : host;
  // Redis writes IPv6 peers as [addr]:port.
  return h.includes(':') ? `[${h}]:${port ?? 0}` : `${h}:${port ?? 0}`;
}
