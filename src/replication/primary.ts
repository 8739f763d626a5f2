// The primary side of replication: the one stream of commands that reproduces every write
// (fed by the server's propagation at the end of each execution unit), and the replicas that
// read it after a full synchronisation (SYNC / PSYNC). The AOF will read the same stream.

import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import { encodeArgv } from '../protocol/writer.js';

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
  /** Bytes of the stream so far (master_repl_offset). */
  offset = 0;
  /** The stream has started (after the first replica; Redis keeps it from then on). */
  active = false;
  /** The database the stream last selected; -1 forces a SELECT before the next command. */
  private selectedDb = -1;
  /**
   * When the stream last carried a PING. It starts at the server's start, as Redis pings on a
   * count of cron seconds since start: a replica attached soon after start, or after the period
   * was raised (Redis's test suite sets 3600), gets no PING ahead of its first commands.
   */
  private lastPing: number;

  /** The database the stream has selected, as a snapshot's repl-stream-db records it. */
  get streamDb(): number {
    return this.selectedDb === -1 ? 0 : this.selectedDb;
  }

  constructor(private readonly server: Server) {
    this.lastPing = server.clock.now();
  }

  /**
   * Appends one command to the stream (a SELECT first when its database differs from the
   * stream's; dbid -1 keeps the current one) and sends it to every replica.
   */
  feed(dbid: number, argv: readonly string[]): void {
    if (!this.active) return;
    let bytes = '';
    if (dbid >= 0 && dbid !== this.selectedDb) {
      bytes = encodeArgv(['SELECT', String(dbid)]);
      this.selectedDb = dbid;
    }
    bytes += encodeArgv(argv);
    this.offset += bytes.length;
    for (const r of this.replicas) {
      r.raw(bytes);
      this.server.wake(r);
    }
  }

  /**
   * Starts a full synchronisation for c: +FULLRESYNC (PSYNC only), the snapshot as a bulk
   * payload without a final CRLF, then the stream from this point.
   */
  attach(c: Client, psync: boolean, snapshot: Buffer): void {
    this.active = true;
    if (psync) c.raw(`+FULLRESYNC ${this.server.replId} ${this.offset}\r\n`);
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
    if (this.replicas.length === 0) return;
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

export function newReplicaState(): ReplicaState {
  return { online: false, listeningPort: 0, ackOffset: 0, ackTime: 0, capa: new Set() };
}
