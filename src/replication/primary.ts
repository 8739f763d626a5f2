// The primary side of replication: the one stream of commands that reproduces every write
// (fed by the server's propagation at the end of each execution unit), and the replicas that
// read it after a full synchronisation (SYNC / PSYNC). The AOF will read the same stream.

import { readFileSync } from 'node:fs';
import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import { encodeArgv } from '../protocol/writer.js';
import { ReplicationBacklog } from './backlog.js';
import { BackgroundSave, startBackgroundSave } from '../persistence/snapshot.js';
import { rdbFilePath } from '../persistence/rdb.js';
import { BLOCKED_WAIT } from '../keyspace/blocking.js';
import { checkPendingShutdown } from './shutdown.js';
import { randomHex } from '../util/builtins.js';

/**
 * Where a replica is in its synchronisation (Redis's SLAVE_STATE_*): waiting for a snapshot to
 * start, waiting for the one it joined to end (its stream held meanwhile), being sent the file,
 * reading the stream, or done (a replica that wanted only the snapshot).
 */
export type ReplState = 'wait_bgsave_start' | 'wait_bgsave_end' | 'send_bulk' | 'online' | 'rdb_transmitted';

/** What a connection announced with REPLCONF, and whether it reads the stream. */
export interface ReplicaState {
  /** A replica (SYNC/PSYNC accepted: Redis's CLIENT_SLAVE); false while only REPLCONF was sent. */
  online: boolean;
  /** Its synchronisation state (meaningful once online is set). */
  state: ReplState;
  /** REPLCONF ip-address: how INFO and the logs name it instead of the peer address. */
  ipAddress: string;
  /** REPLCONF rdb-only 1: a snapshot and nothing after it (redis-cli --rdb). */
  rdbOnly: boolean;
  /** REPLCONF rdb-filter-only functions: the snapshot holds only the functions. */
  functionsOnly: boolean;
  /** Attached with SYNC: no acknowledgements are expected from it (CLIENT_PRE_PSYNC). */
  preSync: boolean;
  /** After a diskless transfer: its stream starts with its first REPLCONF ACK. */
  streamOnAck: boolean;
  /** The offset its +FULLRESYNC named. */
  initialOffset: number;
  /** When it started waiting for a snapshot (unix ms), for repl-diskless-sync-delay. */
  waitingSince: number;
  /** REPLCONF listening-port (0 until announced). */
  listeningPort: number;
  /** Offset the replica last acknowledged (REPLCONF ACK). */
  ackOffset: number;
  /** When it last acknowledged (unix ms), for lag=. */
  ackTime: number;
  /** REPLCONF capa values. */
  capa: Set<string>;
}

export class ReplicationPrimary {
  /** Replicas in the order they attached (INFO's slave0, slave1 …). */
  readonly replicas: Client[] = [];
  /**
   * Replication ID (INFO master_replid): names the history the offsets count. Drawn when first
   * read, so that start-up does not load node:crypto for it.
   */
  get replId(): string {
    return (this.currentReplId ??= randomHex(20));
  }
  set replId(id: string) {
    this.currentReplId = id;
  }
  private currentReplId: string | null = null;
  /** The previous ID (master_replid2) and the first offset it no longer names (second_repl_offset). */
  replId2 = NO_REPL_ID;
  secondReplOffset = -1;
  /** Bytes of the stream so far (master_repl_offset). */
  offset = 0;
  /** The last bytes of the stream; null until the first replica (Redis keeps it from then on). */
  backlog: ReplicationBacklog | null = null;
  /** The database the stream last selected; -1 forces a SELECT before the next command. */
  private selectedDb = -1;
  /**
   * When the stream last carried a PING. It starts at the server's start, as Redis pings on a
   * count of cron seconds since start: a replica attached soon after start, or after the period
   * was raised (Redis's test suite sets 3600), gets no PING ahead of its first commands.
   */
  private lastPing: number;

  /** The snapshot being made for replicas (Redis's RDB child started for SYNC), if any. */
  private job: FullSyncJob | null = null;
  /** Since when no replica is attached (unix ms), for repl-backlog-ttl. */
  private noReplicasSince: number;
  /** Replicas online with a recent acknowledgement (refreshGoodSlavesCount). */
  goodReplicas = 0;
  /** WAIT asked for acknowledgements: REPLCONF GETACK goes out before this turn ends. */
  private getAckPending = false;
  /** Clients blocked in WAIT, in the order they blocked. */
  private waiting: Array<{ c: Client; offset: number; count: number }> = [];
  private beforeSleepQueued = false;
  /** When the once-a-second part of the cron last ran. */
  private lastSecondCron = 0;

  /** The stream is being kept (a backlog exists): propagation feeds it. */
  get active(): boolean {
    return this.backlog !== null;
  }

  /** The database the stream has selected, as a snapshot's repl-stream-db records it. */
  get streamDb(): number {
    return this.selectedDb === -1 ? 0 : this.selectedDb;
  }

  constructor(private readonly server: Server) {
    this.lastPing = server.clock.now();
    this.noReplicasSince = this.lastPing;
    server.config.onChange('repl-backlog-size', () => this.backlog?.resize(this.backlogSize()));
    server.config.onChange('min-replicas-to-write', () => this.refreshGoodReplicas());
    server.config.onChange('min-replicas-max-lag', () => this.refreshGoodReplicas());
    this.refreshGoodReplicas();
  }

  private backlogSize(): number {
    return this.server.config.num('repl-backlog-size');
  }

  /** Starts keeping the stream (createReplicationBacklog): the next byte is offset+1. */
  createBacklog(): void {
    if (this.backlog === null) this.backlog = new ReplicationBacklog(this.backlogSize(), this.offset + 1);
    // The first command after this selects its database.
    this.selectedDb = -1;
  }

  /** The next command fed selects its database first (a promoted replica's stream). */
  selectNext(): void {
    this.selectedDb = -1;
  }

  /**
   * At start-up, a primary's snapshot names the history its replicas followed: it becomes the
   * secondary ID, valid up to the snapshot's offset, and the stream goes on from there, so they
   * may continue after the restart (loadDataFromDisk).
   */
  continueHistory(replId: string, offset: number): void {
    if (this.backlog === null) this.createBacklog();
    this.replId2 = replId;
    this.secondReplOffset = offset + 1;
    // What the load itself fed (DELs of expired keys) follows the saved offset.
    this.offset += offset;
    this.backlog!.firstByteOffset = this.offset - this.backlog!.histlen + 1;
    this.noReplicasSince = this.server.clock.now();
  }

  /** What a primary's snapshot records (rdbPopulateSaveInfo): only while it keeps a backlog. */
  saveInfo(): { streamDb: number; replId: string; offset: number } | null {
    if (this.backlog === null) return null;
    return { streamDb: this.streamDb, replId: this.replId, offset: this.offset };
  }

  /** Stops keeping the stream (freeReplicationBacklog). */
  freeBacklog(): void {
    this.backlog = null;
  }

  /** A new replication ID: the history so far is no longer continued under the old one. */
  changeReplId(): void {
    this.replId = randomHex(20);
  }

  clearReplId2(): void {
    this.replId2 = NO_REPL_ID;
    this.secondReplOffset = -1;
  }

  /**
   * A new history that continues the current one (promotion of a replica, shiftReplicationId):
   * replicas that followed the old ID up to here may still continue from the backlog.
   */
  shiftReplId(): void {
    this.replId2 = this.replId;
    this.secondReplOffset = this.offset + 1;
    this.changeReplId();
    this.server.log.notice(
      `Setting secondary replication ID to ${this.replId2}, valid up to offset: ${this.secondReplOffset}. New replication ID is ${this.replId}`,
    );
  }

  /**
   * After a full synchronisation from a primary: its ID and offset are now ours, the old history
   * is gone (a backlog empty from offset+1), and replicas of ours must synchronise again.
   */
  resetStream(replId: string, offset: number): void {
    this.replId = replId;
    this.clearReplId2();
    this.offset = offset;
    this.backlog = null;
    this.createBacklog();
    this.disconnectReplicas();
  }

  /** Closes every replica's connection (they will reconnect and ask again). */
  disconnectReplicas(): void {
    for (const r of [...this.replicas]) r.close();
  }

  /**
   * Appends one command to the stream (a SELECT first when its database differs from the
   * stream's; dbid -1 keeps the current one) and sends it to every replica. encoded: argv as
   * RESP, when the caller has it already.
   */
  feed(dbid: number, argv: readonly string[], encoded?: string): void {
    if (this.backlog === null) return;
    const command = encoded ?? encodeArgv(argv);
    if (dbid >= 0 && dbid !== this.selectedDb) {
      this.selectedDb = dbid;
      this.feedRaw(encodeArgv(['SELECT', String(dbid)]) + command);
    } else {
      this.feedRaw(command);
    }
  }

  /**
   * Appends bytes to the stream as they are: the backlog and every replica get them. A replica
   * proxies its primary's stream to its own replicas this way, byte for byte.
   */
  feedRaw(bytes: string): void {
    const backlog = this.backlog;
    if (backlog === null) return;
    backlog.append(bytes);
    this.offset += bytes.length;
    const job = this.job;
    if (job !== null && job.stream !== null) job.stream.push(bytes);
    for (const r of this.replicas) {
      const st = r.replica!;
      // Waiting for a snapshot to start: the stream it will get begins at that cut. A replica
      // that only wants the snapshot gets nothing else.
      if (st.state === 'wait_bgsave_start' || st.rdbOnly) continue;
      // Held (output not written) until its snapshot has been sent.
      r.raw(bytes);
      this.server.wake(r);
    }
  }

  /**
   * PSYNC <replid> <offset> (masterTryPartialResynchronization): continues c from the backlog
   * when it follows one of our histories and its offset is still held; false for a full
   * synchronisation (logged as Redis does).
   */
  tryPartialResync(c: Client, replId: string, psyncOffset: number): boolean {
    const name = replicaName(c);
    if (replId !== this.replId && (replId !== this.replId2 || psyncOffset > this.secondReplOffset)) {
      if (replId === '?') this.server.log.notice(`Full resync requested by replica ${name}`);
      else if (replId !== this.replId && replId !== this.replId2) {
        this.server.log.notice(
          `Partial resynchronization not accepted: Replication ID mismatch (Replica asked for '${replId}', my replication IDs are '${this.replId}' and '${this.replId2}')`,
        );
      } else {
        this.server.log.notice(
          `Partial resynchronization not accepted: Requested offset for second ID was ${psyncOffset}, but I can reply up to ${this.secondReplOffset}`,
        );
      }
      return false;
    }
    const backlog = this.backlog;
    if (backlog === null || !backlog.covers(psyncOffset)) {
      this.server.log.notice(`Unable to partial resync with replica ${name} for lack of backlog (Replica request was: ${psyncOffset}).`);
      if (psyncOffset > this.offset) {
        this.server.log.warning(`Warning: replica ${name} tried to PSYNC with an offset that is greater than the master replication offset.`);
      }
      return false;
    }
    const state = c.replica ?? (c.replica = newReplicaState());
    c.raw(state.capa.has('psync2') ? `+CONTINUE ${this.replId}\r\n` : '+CONTINUE\r\n');
    const held = backlog.from(psyncOffset);
    c.raw(held.toString('latin1'));
    state.online = true;
    state.state = 'online';
    state.ackTime = this.server.clock.now();
    if (!this.replicas.includes(c)) this.replicas.push(c);
    this.refreshGoodReplicas();
    this.server.log.notice(
      `Partial resynchronization request from ${name} accepted. Sending ${held.length} bytes of backlog starting from offset ${psyncOffset}.`,
    );
    return true;
  }

  /**
   * A full synchronisation for c (syncCommand's second half): c waits for a snapshot. It joins
   * the one being made to disk for other replicas when it can; otherwise one starts now, or
   * later (repl-diskless-sync-delay, another background save running) from the cron.
   */
  fullSync(c: Client, preSync: boolean): void {
    const server = this.server;
    const st = c.replica ?? (c.replica = newReplicaState());
    st.online = true;
    st.state = 'wait_bgsave_start';
    st.preSync = preSync;
    st.waitingSince = server.clock.now();
    // Nothing goes to it until its snapshot is sent: the stream after the cut waits in its output.
    c.holdOutput = true;
    this.replicas.push(c);
    // The first replica starts the stream under a new ID: nothing before it can be continued.
    if (this.backlog === null) {
      this.changeReplId();
      this.clearReplId2();
      this.createBacklog();
      server.log.notice(`Replication backlog created, my new replication IDs are '${this.replId}' and '${this.replId2}'`);
    }
    const job = this.job;
    if (job !== null && !job.socket) {
      // The snapshot being written to disk will do if it records the stream for other replicas
      // and was made for the same kind of replica.
      if (job.stream !== null && job.rdbOnly === st.rdbOnly && job.functionsOnly === st.functionsOnly) {
        this.setupFullResync(c, job.offset);
        if (!st.rdbOnly) for (const bytes of job.stream) c.raw(bytes);
        server.log.notice('Waiting for end of BGSAVE for SYNC');
      } else {
        server.log.notice("Can't attach the replica to the current BGSAVE. Waiting for next BGSAVE for SYNC");
      }
    } else if (job !== null) {
      server.log.notice('Current BGSAVE has socket target. Waiting for next BGSAVE for SYNC');
    } else if (server.bgsave !== null && !server.aof.rewriting) {
      server.log.notice("Can't attach the replica to the current BGSAVE. Waiting for next BGSAVE for SYNC");
    } else if (server.config.bool('repl-diskless-sync') && st.capa.has('eof') && server.config.num('repl-diskless-sync-delay') !== 0) {
      server.log.notice('Delay next BGSAVE for diskless SYNC');
    } else if (server.bgsave !== null || server.aof.rewriting) {
      server.log.notice('No BGSAVE in progress, but another BG operation is active. BGSAVE for replication delayed');
    } else {
      this.startSync(st.capa.has('eof'), st.rdbOnly, st.functionsOnly);
    }
  }

  /** replicationSetupSlaveForFullResync: +FULLRESYNC (not for SYNC) and the wait for the end. */
  private setupFullResync(c: Client, offset: number): void {
    const st = c.replica!;
    st.initialOffset = offset;
    st.state = 'wait_bgsave_end';
    // The replica loads a snapshot that says nothing of the stream's database.
    this.selectedDb = -1;
    if (!st.preSync) c.socket?.write(`+FULLRESYNC ${this.replId} ${offset}\r\n`, 'latin1');
  }

  /**
   * shouldStartChildReplication + startBgsaveForReplication, from the cron: a snapshot for the
   * replicas waiting for one, once no background save runs and (diskless) their delay is over or
   * repl-diskless-sync-max-replicas are waiting.
   */
  private startPendingSync(): void {
    const server = this.server;
    if (this.job !== null || server.bgsave !== null || server.aof.rewriting) return;
    let waiting = 0;
    let eof = true;
    let rdbOnly = false;
    let functionsOnly = false;
    let maxIdle = 0;
    const now = server.clock.now();
    for (const r of this.replicas) {
      const st = r.replica!;
      if (st.state !== 'wait_bgsave_start') continue;
      if (waiting === 0) {
        rdbOnly = st.rdbOnly;
        functionsOnly = st.functionsOnly;
      } else if (st.rdbOnly !== rdbOnly || st.functionsOnly !== functionsOnly) {
        continue;
      }
      waiting++;
      eof &&= st.capa.has('eof');
      maxIdle = Math.max(maxIdle, Math.floor(now / 1000) - Math.floor(st.waitingSince / 1000));
    }
    if (waiting === 0) return;
    const config = server.config;
    const maxReplicas = config.num('repl-diskless-sync-max-replicas');
    if (
      !config.bool('repl-diskless-sync') ||
      (maxReplicas > 0 && waiting >= maxReplicas) ||
      maxIdle >= config.num('repl-diskless-sync-delay')
    ) {
      this.startSync(eof, rdbOnly, functionsOnly);
    }
  }

  /** startBgsaveForReplication: the snapshot, to the replicas' sockets or to disk. */
  private startSync(eof: boolean, rdbOnly: boolean, functionsOnly: boolean): void {
    const server = this.server;
    const socket = (server.config.bool('repl-diskless-sync') || functionsOnly) && eof;
    server.log.notice(`Starting BGSAVE for SYNC with target: ${socket ? 'replicas sockets' : 'disk'}`);
    const waiting = this.replicas.filter((r) => {
      const st = r.replica!;
      return st.state === 'wait_bgsave_start' && st.rdbOnly === rdbOnly && st.functionsOnly === functionsOnly;
    });
    // The cut: the snapshot records this offset, and the stream after it goes to these replicas.
    const repl = { streamDb: this.streamDb, replId: this.replId, offset: this.offset };
    if (!socket) {
      if (!startBackgroundSave(server, repl)) {
        this.syncStartFailed(waiting);
        return;
      }
      const save = server.bgsave!;
      const job: FullSyncJob = { socket, save, offset: repl.offset, targets: [], eofMark: '', stream: [], rdbOnly, functionsOnly };
      this.job = job;
      for (const r of waiting) this.setupFullResync(r, job.offset);
      void save.done.then((ok) => this.syncDone(job, ok));
      return;
    }
    const eofMark = randomHex(20);
    let save: BackgroundSave | null = null;
    const targets = waiting;
    const sink = async (chunk: Buffer): Promise<void> => {
      let live = 0;
      for (const r of targets) {
        if (r.closed || r.socket === null) continue;
        live++;
        r.socket.write(chunk);
      }
      if (live === 0) {
        server.log.warning('Diskless rdb transfer, last replica dropped, killing fork child.');
        save?.abort();
        return;
      }
      // Held until the slowest replica's socket has taken most of what it was given.
      for (const r of targets) {
        const sock = r.socket;
        if (r.closed || sock === null || sock.writableLength < SOCKET_HIGH_WATER) continue;
        await new Promise<void>((resolve) => {
          const done = (): void => {
            sock.off('drain', done);
            sock.off('close', done);
            resolve();
          };
          sock.on('drain', done);
          sock.on('close', done);
        });
      }
    };
    for (const r of targets) {
      this.setupFullResync(r, repl.offset);
      r.socket?.write(`$EOF:${eofMark}\r\n`, 'latin1');
    }
    save = new BackgroundSave(server, {
      path: rdbFilePath(server),
      tempFile: '',
      repl,
      sink,
      functionsOnly,
    });
    server.bgsave = save;
    server.log.notice(`Background RDB transfer started by pid ${process.pid}`);
    const job: FullSyncJob = { socket, save, offset: repl.offset, targets, eofMark, stream: null, rdbOnly, functionsOnly };
    this.job = job;
    void save.done.then((ok) => {
      if (server.bgsave === save) server.bgsave = null;
      if (ok) server.log.notice('Background RDB transfer terminated with success');
      else server.log.warning('Background transfer error');
      server.emit('bgsave-done', ok);
      this.syncDone(job, ok);
    });
  }

  /** The snapshot could not start: the replicas waiting for it are told, and dropped. */
  private syncStartFailed(waiting: Client[]): void {
    this.server.log.warning('BGSAVE for replication failed');
    for (const r of waiting) {
      this.detach(r);
      r.replica!.online = false;
      r.holdOutput = false;
      r.error('ERR BGSAVE failed, replication can\'t continue');
      r.close();
    }
  }

  /**
   * updateSlavesWaitingBgsave: the snapshot ended. Diskless replicas have it all but its end
   * marker; disk replicas are sent the file; then their held stream goes out.
   */
  private syncDone(job: FullSyncJob, ok: boolean): void {
    if (this.job === job) this.job = null;
    const server = this.server;
    const log = server.log;
    const waiting = this.replicas.filter((r) => r.replica!.state === 'wait_bgsave_end');
    if (job.socket) {
      const up = job.targets.filter((r) => !r.closed);
      if (ok) log.warning(`Diskless rdb transfer, done reading from pipe, ${up.length} replicas still up.`);
      for (const r of up) {
        if (!ok) {
          log.warning('SYNC failed. BGSAVE child returned an error');
          r.drop();
          continue;
        }
        r.socket?.write(job.eofMark, 'latin1');
        log.notice(
          `Streamed RDB transfer with replica ${replicaName(r)} succeeded (socket). Waiting for REPLCONF ACK from slave to enable streaming`,
        );
        if (!this.putOnline(r)) {
          r.close();
          continue;
        }
        r.replica!.streamOnAck = true;
      }
    } else {
      let file: Buffer | null = null;
      for (const r of waiting) {
        if (!ok) {
          log.warning('SYNC failed. BGSAVE child returned an error');
          r.drop();
          continue;
        }
        try {
          file ??= readFileSync(rdbFilePath(server));
        } catch (e) {
          log.warning(`SYNC failed. Can't open/stat DB after BGSAVE: ${(e as Error).message}`);
          r.drop();
          continue;
        }
        const st = r.replica!;
        st.state = 'send_bulk';
        const sock = r.socket;
        if (sock === null) continue;
        sock.write(`$${file.length}\r\n`, 'latin1');
        sock.write(file, (err) => {
          if (err || r.closed) return;
          if (this.putOnline(r)) this.startStream(r);
          else r.close();
        });
      }
    }
    // Replicas that could not join wait for the next one.
    this.startPendingSync();
  }

  /** replicaPutOnline: false for a replica that wanted only the snapshot (it is closed). */
  private putOnline(c: Client): boolean {
    const st = c.replica!;
    if (st.rdbOnly) {
      st.state = 'rdb_transmitted';
      this.server.log.notice(`RDB transfer completed, rdb only replica (${replicaName(c)}) should be disconnected asap`);
      return false;
    }
    st.state = 'online';
    st.ackTime = this.server.clock.now();
    this.refreshGoodReplicas();
    this.server.log.notice(`Synchronization with replica ${replicaName(c)} succeeded`);
    return true;
  }

  /** replicaStartCommandStream: the stream held since the cut goes out, and all that follows. */
  private startStream(c: Client): void {
    c.holdOutput = false;
    this.server.wake(c);
  }

  /** REPLCONF ACK from a replica (its offset and the time). */
  acknowledged(c: Client, offset: number): void {
    const st = c.replica;
    if (st === null || !st.online) return;
    if (offset > st.ackOffset) st.ackOffset = offset;
    st.ackTime = this.server.clock.now();
    if (st.streamOnAck && st.state === 'online') {
      st.streamOnAck = false;
      this.startStream(c);
    }
    if (this.waiting.length !== 0 || this.server.failover.state === 'waiting-for-sync' || this.server.pendingShutdown !== null) this.queueBeforeSleep();
  }

  /**
   * What Redis's shared replication buffer would hold (INFO mem_total_replication_buffers): the
   * backlog, or more while a replica has not yet taken what it was sent.
   */
  bufferMemory(): number {
    if (this.backlog === null) return 0;
    let held = this.backlog.histlen;
    for (const r of this.replicas) held = Math.max(held, r.pendingOutput);
    return held;
  }

  /** replicationCountAcksByOffset: online replicas that acknowledged offset. */
  countAcks(offset: number): number {
    let n = 0;
    for (const r of this.replicas) {
      const st = r.replica!;
      if (st.state === 'online' && st.ackOffset >= offset) n++;
    }
    return n;
  }

  /**
   * WAIT blocks c until count replicas acknowledged offset or the deadline passes; the replicas
   * are asked for acknowledgements before this turn ends.
   */
  blockForAcks(c: Client, offset: number, count: number, deadline: number, argv: string[]): void {
    this.server.blocking.block(c, BLOCKED_WAIT, [], deadline, argv, neverReady);
    this.waiting.push({ c, offset, count });
    this.requestAcks();
  }

  /** replicationRequestAckFromSlaves: one REPLCONF GETACK for this turn. */
  requestAcks(): void {
    this.getAckPending = true;
    this.queueBeforeSleep();
  }

  private queueBeforeSleep(): void {
    if (this.beforeSleepQueued) return;
    this.beforeSleepQueued = true;
    setImmediate(this.beforeSleep);
  }

  /** Redis's beforeSleep for replication: GETACK out, then WAITs that have their acks answered. */
  private readonly beforeSleep = (): void => {
    this.beforeSleepQueued = false;
    if (this.getAckPending) {
      this.getAckPending = false;
      if (this.replicas.length !== 0) this.feed(-1, GETACK);
    }
    // A replica's acknowledgement may be the one a FAILOVER or a shutdown waits for.
    if (this.server.failover.state === 'waiting-for-sync') this.server.failover.update();
    if (this.server.pendingShutdown !== null) checkPendingShutdown(this.server);
    if (this.waiting.length === 0) return;
    const still: typeof this.waiting = [];
    for (const w of this.waiting) {
      const blocked = w.c.blocked;
      if (w.c.closed || blocked === null || blocked.type !== BLOCKED_WAIT) continue;
      if (this.countAcks(w.offset) >= w.count) this.server.blocking.resume(w.c);
      else still.push(w);
    }
    this.waiting = still;
  };

  /**
   * Makes c a replica reading the stream from now on, with no snapshot (in-process tests that
   * look at the stream a replica gets).
   */
  attachOnline(c: Client): void {
    if (this.backlog === null) this.createBacklog();
    this.selectedDb = -1;
    const st = c.replica ?? (c.replica = newReplicaState());
    st.online = true;
    st.state = 'online';
    st.ackTime = this.server.clock.now();
    if (!this.replicas.includes(c)) this.replicas.push(c);
  }

  /** Forgets a replica that went away. */
  detach(c: Client): void {
    const i = this.replicas.indexOf(c);
    if (i < 0) return;
    this.replicas.splice(i, 1);
    if (this.replicas.length === 0) this.noReplicasSince = this.server.clock.now();
    this.refreshGoodReplicas();
  }

  /** Called by the server cron: a PING into the stream every repl-ping-replica-period seconds. */
  cron(): void {
    const now = this.server.clock.now();
    // Snapshots for waiting replicas start as soon as they may (and their delay has passed).
    this.startPendingSync();
    if (now - this.lastSecondCron < 1000) return;
    this.lastSecondCron = now;
    this.secondCron(now);
  }

  /** replicationCron's once-a-second work. */
  private secondCron(now: number): void {
    const config = this.server.config;
    // A replica's replicas get its primary's stream, PINGs included, and nothing of its own.
    if (this.replicas.length !== 0 && !this.server.replicaSide.active) {
      const period = config.num('repl-ping-replica-period') * 1000;
      if (now - this.lastPing >= period) {
        this.lastPing = now;
        // Not while a FAILOVER with a timeout holds writes: the offsets it compares must stay put.
        if (this.server.failover.endTime === 0 || !this.server.pause.check()) this.feed(-1, PING);
      }
    }
    const socketJob = this.job !== null && this.job.socket;
    const timeout = config.num('repl-timeout') * 1000;
    for (const r of [...this.replicas]) {
      const st = r.replica!;
      // A newline keeps a replica that waits for its snapshot from timing out (it is not part of
      // the stream: it changes no offset).
      if (st.state === 'wait_bgsave_start' || (st.state === 'wait_bgsave_end' && !socketJob)) r.socket?.write('\n');
      if (st.state === 'online' && !st.preSync && now - st.ackTime > timeout) {
        this.server.log.warning(`Disconnecting timedout replica (streaming sync): ${replicaName(r)}`);
        r.drop();
      }
    }
    // No replica for repl-backlog-ttl seconds: the backlog goes, and with it the history.
    const ttl = config.num('repl-backlog-ttl');
    if (this.replicas.length === 0 && ttl !== 0 && this.backlog !== null && !this.server.replicaSide.active) {
      if (Math.floor((now - this.noReplicasSince) / 1000) > ttl) {
        this.changeReplId();
        this.clearReplId2();
        this.freeBacklog();
        this.server.log.notice(`Replication backlog freed after ${ttl} seconds without connected replicas.`);
      }
    }
    this.refreshGoodReplicas();
  }

  /** refreshGoodSlavesCount: online replicas whose last acknowledgement is within min-replicas-max-lag. */
  refreshGoodReplicas(): void {
    const config = this.server.config;
    const maxLag = config.num('min-replicas-max-lag');
    const min = config.num('min-replicas-to-write');
    this.minGoodReplicas = maxLag === 0 ? 0 : min;
    if (min === 0 || maxLag === 0) {
      this.goodReplicas = 0;
      return;
    }
    const now = Math.floor(this.server.clock.now() / 1000);
    let good = 0;
    for (const r of this.replicas) {
      const st = r.replica!;
      if (st.state === 'online' && now - Math.floor(st.ackTime / 1000) <= maxLag) good++;
    }
    this.goodReplicas = good;
  }

  /** checkGoodReplicasStatus: whether writes may go on under min-replicas-to-write. */
  enoughGoodReplicas(): boolean {
    const min = this.minGoodReplicas;
    return min === 0 || this.server.replicaSide.active || this.goodReplicas >= min;
  }

  /**
   * min-replicas-to-write, or 0 when min-replicas-max-lag is 0 (the check is off): kept by
   * refreshGoodReplicas, which every change of either setting runs, as every write asks.
   */
  private minGoodReplicas = 0;

  /** INFO replication's replica fields: connected_slaves and one slaveN line each. */
  infoFields(): Array<[string, string | number]> {
    const now = this.server.clock.now();
    const fields: Array<[string, string | number]> = [['connected_slaves', this.replicas.length]];
    let n = 0;
    for (const r of this.replicas) {
      const st = r.replica!;
      const state = INFO_STATE[st.state];
      // A replica that only took a snapshot is in the count but not on a line of its own.
      if (state === undefined) continue;
      const ip = replicaAddress(r);
      // Seconds since its last acknowledgement (since 1970 before its first, as Redis prints).
      const lag = Math.floor(now / 1000) - Math.floor(st.ackTime / 1000);
      fields.push([`slave${n++}`, `ip=${ip},port=${st.listeningPort},state=${state},offset=${st.ackOffset},lag=${lag}`]);
    }
    return fields;
  }
}

const PING = ['PING'];
const GETACK = ['REPLCONF', 'GETACK', '*'];
/** Diskless transfers wait for a replica's socket holding more than this (bytes). */
const SOCKET_HIGH_WATER = 8 << 20;
const neverReady = (): boolean => false;

const INFO_STATE: Partial<Record<ReplState, string>> = {
  wait_bgsave_start: 'wait_bgsave',
  wait_bgsave_end: 'wait_bgsave',
  send_bulk: 'send_bulk',
  online: 'online',
};

/** A snapshot made for replicas, and how it reaches them. */
interface FullSyncJob {
  /** Written to the replicas' sockets as it is made (diskless), else to dir/dbfilename. */
  readonly socket: boolean;
  readonly save: BackgroundSave;
  /** The offset at the cut: what +FULLRESYNC named. */
  readonly offset: number;
  /** Diskless: the replicas it is sent to, and the marker that ends it. */
  readonly targets: Client[];
  readonly eofMark: string;
  /** Disk: the stream since the cut, for replicas that join it later (null: none may). */
  stream: string[] | null;
  readonly rdbOnly: boolean;
  readonly functionsOnly: boolean;
}

/** The peer address of a connection, without its port (and an IPv6 one without brackets). */
export function peerIp(c: Client): string {
  return c.addr.slice(0, c.addr.lastIndexOf(':')).replace(/^\[|\]$/g, '');
}

/** A replica's address as Redis names it: REPLCONF ip-address if announced, else its peer's. */
export function replicaAddress(c: Client): string {
  const announced = c.replica?.ipAddress ?? '';
  return announced !== '' ? announced : peerIp(c);
}
const NO_REPL_ID = '0'.repeat(40);

/** How logs name a replica (replicationGetSlaveName): its address with its listening port. */
export function replicaName(c: Client): string {
  const ip = replicaAddress(c);
  if (ip === '') return `client id #${c.id}`;
  const port = c.replica?.listeningPort ?? 0;
  return port !== 0 ? `${ip.includes(':') ? `[${ip}]` : ip}:${port}` : `${ip}:<unknown-replica-port>`;
}

export function newReplicaState(): ReplicaState {
  return {
    online: false,
    state: 'wait_bgsave_start',
    listeningPort: 0,
    ackOffset: 0,
    ackTime: 0,
    capa: new Set(),
    ipAddress: '',
    rdbOnly: false,
    functionsOnly: false,
    preSync: false,
    streamOnAck: false,
    initialOffset: 0,
    waitingSince: 0,
  };
}
