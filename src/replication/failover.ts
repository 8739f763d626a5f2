// FAILOVER (Redis 6.2+, replication.c's failoverCommand and updateFailoverStatus): a primary
// hands its role to one of its replicas without losing a write. It pauses writes, waits until a
// replica (the one named, or the first) has acknowledged the whole stream, then becomes that
// replica's replica with a PSYNC carrying FAILOVER, which makes the target promote itself and
// continue from the same history. ABORT, a timeout, or a refusal returns it to being a primary.

import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import { PAUSE_WRITE } from '../server/pause.js';
import { ERR_SYNTAX } from '../server/errors.js';
import { int64Arg } from '../commands/args.js';
import { optionWord } from '../util/cstring.js';
import { replicaAddress } from './primary.js';

/** INFO master_failover_state's words (getFailoverStateString). */
export type FailoverState = 'no-failover' | 'waiting-for-sync' | 'failover-in-progress';

export class Failover {
  state: FailoverState = 'no-failover';
  /** The replica taking over: named by TO, or the first one found caught up. */
  private targetHost: string | null = null;
  private targetPort = 0;
  /** When waiting ends (unix ms; 0: no TIMEOUT). */
  endTime = 0;
  private force = false;

  constructor(private readonly server: Server) {}

  get inProgress(): boolean {
    return this.state !== 'no-failover';
  }

  /** FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT ms]. */
  command(c: Client, argv: string[]): void {
    const server = this.server;
    if (server.config.bool('cluster-enabled')) {
      c.error('ERR FAILOVER not allowed in cluster mode. Use CLUSTER FAILOVER command instead.');
      return;
    }
    if (argv.length === 2 && optionWord(argv[1]) === 'abort') {
      if (!this.inProgress) {
        c.error('ERR No failover in progress.');
        return;
      }
      this.abort('Failover manually aborted');
      c.ok();
      return;
    }
    let timeout = 0;
    let force = false;
    let host: string | null = null;
    let port = 0;
    for (let j = 1; j < argv.length; j++) {
      const opt = optionWord(argv[j]);
      if (opt === 'timeout' && j + 1 < argv.length && timeout === 0) {
        const t = int64Arg(c, argv[j + 1]);
        if (t === null) return;
        if (t <= 0n) {
          c.error('ERR FAILOVER timeout must be greater than 0');
          return;
        }
        timeout = Number(t);
        j++;
      } else if (opt === 'to' && j + 2 < argv.length && host === null) {
        const p = int64Arg(c, argv[j + 2]);
        if (p === null) return;
        host = argv[j + 1];
        port = Number(p);
        j += 2;
      } else if (opt === 'force' && !force) {
        force = true;
      } else {
        c.error(ERR_SYNTAX);
        return;
      }
    }
    if (this.inProgress) {
      c.error('ERR FAILOVER already in progress.');
      return;
    }
    if (server.replicaSide.active) {
      c.error('ERR FAILOVER is not valid when server is a replica.');
      return;
    }
    if (server.replication.replicas.length === 0) {
      c.error('ERR FAILOVER requires connected replicas.');
      return;
    }
    if (force && (timeout === 0 || host === null)) {
      c.error('ERR FAILOVER with force option requires both a timeout and target HOST and IP.');
      return;
    }
    if (host !== null) {
      const target = this.findReplica(host, port);
      if (target === null) {
        c.error('ERR FAILOVER target HOST and PORT is not a replica.');
        return;
      }
      if (target.replica!.state !== 'online') {
        c.error('ERR FAILOVER target replica is not online.');
        return;
      }
      this.targetHost = host;
      this.targetPort = port;
      server.log.notice(`FAILOVER requested to ${host}:${port}.`);
    } else {
      server.log.notice('FAILOVER requested to any replica.');
    }
    if (timeout !== 0) this.endTime = server.clock.now() + timeout;
    this.force = force;
    this.state = 'waiting-for-sync';
    server.pause.pause('failover', Number.MAX_SAFE_INTEGER, PAUSE_WRITE);
    c.ok();
  }

  /** The replica at host:port (its announced address and listening port), as findReplica. */
  private findReplica(host: string, port: number): Client | null {
    for (const r of this.server.replication.replicas) {
      const st = r.replica!;
      const ip = replicaIp(r);
      if (ip.toLowerCase() === host.toLowerCase() && st.listeningPort === port) return r;
    }
    return null;
  }

  /**
   * Each event-loop turn and cron tick (updateFailoverStatus): the timeout, and whether the
   * target (or any replica) has acknowledged the whole stream; then the switch.
   */
  update(): void {
    if (this.state !== 'waiting-for-sync') return;
    const server = this.server;
    if (this.endTime !== 0 && this.endTime <= server.clock.now()) {
      if (this.force) {
        server.log.notice(`FAILOVER to ${this.targetHost}:${this.targetPort} time out exceeded, failing over.`);
        this.state = 'failover-in-progress';
        server.replicaSide.setMaster(this.targetHost!, this.targetPort);
      } else {
        this.abort('Replica never caught up before timeout');
      }
      return;
    }
    const offset = server.replication.offset;
    let replica: Client | null = null;
    if (this.targetHost !== null) {
      replica = this.findReplica(this.targetHost, this.targetPort);
    } else {
      for (const r of server.replication.replicas) {
        if (r.replica!.ackOffset !== offset) continue;
        const st = r.replica!;
        const ip = replicaIp(r);
        if (ip === '') continue;
        this.targetHost = ip;
        this.targetPort = st.listeningPort;
        replica = r;
        break;
      }
    }
    if (replica !== null && replica.replica!.ackOffset === offset) {
      this.state = 'failover-in-progress';
      server.log.notice(`Failover target ${this.targetHost}:${this.targetPort} is synced, failing over.`);
      server.replicaSide.setMaster(this.targetHost!, this.targetPort);
    }
  }

  /** The target answered the PSYNC FAILOVER (+CONTINUE or +FULLRESYNC): done. */
  succeeded(): void {
    this.clear();
  }

  /** abortFailover: back to a primary if the switch had begun, writes resumed. */
  abort(reason: string): void {
    if (!this.inProgress) return;
    const server = this.server;
    if (this.targetHost !== null) server.log.notice(`FAILOVER to ${this.targetHost}:${this.targetPort} aborted: ${reason}`);
    else server.log.notice(`FAILOVER to any replica aborted: ${reason}`);
    if (this.state === 'failover-in-progress') server.replicaSide.unsetMaster();
    this.clear();
  }

  /** clearFailoverState. */
  private clear(): void {
    this.endTime = 0;
    this.force = false;
    this.targetHost = null;
    this.targetPort = 0;
    this.state = 'no-failover';
    this.server.pause.unpause('failover');
  }
}

/** Where a replica can be reached: its announced or peer address; none over a unix socket. */
function replicaIp(c: Client): string {
  if (c.replica!.ipAddress === '' && (c.socket === null || c.isUnixSocket)) return '';
  return replicaAddress(c);
}
