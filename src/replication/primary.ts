// The primary side of replication: the one stream of commands that reproduces every write
// (fed by the server's propagation at the end of each execution unit), and the replicas that
// read it after a full synchronisation (SYNC / PSYNC). The AOF will read the same stream.

import { randomBytes } from 'node:crypto';
import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import { encodeArgv } from '../protocol/writer.js';
import { ReplicationBacklog } from './backlog.js';

/** What a connection announced with REPLCONF, and whether it reads the stream. */
export interface ReplicaState {
  /** Reading the stream (after SYNC/PSYNC); false while only REPLCONF was sent. */
  online: boolean;
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
  /** Replication ID (INFO master_replid): names the history the offsets count. */
  replId = newReplId();
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
    server.config.onChange('repl-backlog-size', () => this.backlog?.resize(this.backlogSize()));
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

  /** Stops keeping the stream (freeReplicationBacklog). */
  freeBacklog(): void {
    this.backlog = null;
  }

  /** A new replication ID: the history so far is no longer continued under the old one. */
  changeReplId(): void {
    this.replId = newReplId();
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
   * stream's; dbid -1 keeps the current one) and sends it to every replica.
   */
  feed(dbid: number, argv: readonly string[]): void {
    if (this.backlog === null) return;
    let bytes = '';
    if (dbid >= 0 && dbid !== this.selectedDb) {
      bytes = encodeArgv(['SELECT', String(dbid)]);
      this.selectedDb = dbid;
    }
    bytes += encodeArgv(argv);
    this.feedRaw(bytes);
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
    for (const r of this.replicas) {
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
    state.ackTime = this.server.clock.now();
    if (!this.replicas.includes(c)) this.replicas.push(c);
    this.server.log.notice(
      `Partial resynchronization request from ${name} accepted. Sending ${held.length} bytes of backlog starting from offset ${psyncOffset}.`,
    );
    return true;
  }

  /**
   * Starts a full synchronisation for c: +FULLRESYNC (PSYNC only), the snapshot as a bulk
   * payload without a final CRLF, then the stream from this point.
   */
  attach(c: Client, psync: boolean, snapshot: Buffer): void {
    if (psync) c.raw(`+FULLRESYNC ${this.replId} ${this.offset}\r\n`);
    c.raw(`$${snapshot.length}\r\n`);
    c.raw(snapshot.toString('latin1'));
    // The replica loads a snapshot that says nothing of the stream's database.
    this.selectedDb = -1;
    const state = c.replica ?? (c.replica = newReplicaState());
    state.online = true;
    state.ackTime = this.server.clock.now();
    if (!this.replicas.includes(c)) this.replicas.push(c);
  }

  /** Forgets a replica that went away. */
  detach(c: Client): void {
    const i = this.replicas.indexOf(c);
    if (i >= 0) this.replicas.splice(i, 1);
  }

  /** Called by the server cron: a PING into the stream every repl-ping-replica-period seconds. */
  cron(): void {
    // A replica's replicas get its primary's stream, PINGs included, and nothing of its own.
    if (this.replicas.length === 0 || this.server.replicaSide.active) return;
    const now = this.server.clock.now();
    const period = this.server.config.num('repl-ping-replica-period') * 1000;
    if (now - this.lastPing < period) return;
    this.lastPing = now;
    this.feed(-1, PING);
  }

  /** INFO replication's replica fields: connected_slaves and one slaveN line each. */
  infoFields(): Array<[string, string | number]> {
    const now = this.server.clock.now();
    const fields: Array<[string, string | number]> = [['connected_slaves', this.replicas.length]];
    this.replicas.forEach((r, i) => {
      // Every entry is online: attach() sets its state and detach() removes it.
      const st = r.replica!;
      const ip = r.addr.slice(0, r.addr.lastIndexOf(':')).replace(/^\[|\]$/g, '');
      const lag = Math.floor((now - st.ackTime) / 1000);
      fields.push([`slave${i}`, `ip=${ip},port=${st.listeningPort},state=online,offset=${st.ackOffset},lag=${lag}`]);
    });
    return fields;
  }
}

const PING = ['PING'];
const NO_REPL_ID = '0'.repeat(40);

function newReplId(): string {
  return randomBytes(20).toString('hex');
}

/** How logs name a replica (replicationGetSlaveName): its address with its listening port. */
export function replicaName(c: Client): string {
  const ip = c.addr.slice(0, c.addr.lastIndexOf(':')).replace(/^\[|\]$/g, '');
  if (ip === '') return `client id #${c.id}`;
  const port = c.replica?.listeningPort ?? 0;
  return port !== 0 ? `${ip.includes(':') ? `[${ip}]` : ip}:${port}` : `${ip}:<unknown-replica-port>`;
}

export function newReplicaState(): ReplicaState {
  return { online: false, listeningPort: 0, ackOffset: 0, ackTime: 0, capa: new Set() };
}
