// The primary's side of the replication handshake (replication.c): SYNC and PSYNC hand a
// connection a snapshot and then the replication stream; REPLCONF carries what a replica
// announces about itself and its acknowledgements.

import type { CommandSpec } from '../server/command.js';
import type { Client } from '../server/client.js';
import { ERR_MASTERDOWN, ERR_SYNTAX } from '../server/errors.js';
import { newReplicaState, peerIp, replicaName } from '../replication/primary.js';
import { parseInt64 } from '../util/numbers.js';
import { int64Arg, rangeArg, timeoutArg } from './args.js';
import { cString, optionWord } from '../util/cstring.js';
import { ERR_NOREPLICAS, ERR_NOT_INTEGER } from '../server/errors.js';
import type { Command } from '../server/command.js';
import { addGate, type Gate } from '../server/dispatch.js';
import { pubsubGate } from '../server/pubsub.js';
import { diskErrorGate } from './persistence.js';
import { scriptMayWrite } from '../server/pause.js';
import { clientInfoString } from './connection.js';

/**
 * min-replicas-to-write (processCommand, after the disk-error check): with fewer good replicas
 * than that, writes (a script declaring it may write, an EXEC holding a write) are refused.
 */
const noReplicasGate: Gate = (c, cmd, argv) => {
  if (c.server.replication.enoughGoodReplicas()) return null;
  let write = cmd.write || scriptMayWrite(c, cmd, argv) === true;
  if (!write && cmd.fullName === 'exec' && c.multi !== null) {
    write = c.multi.some((q) => q.cmd.write || scriptMayWrite(c, q.cmd, q.argv) === true);
  }
  return write ? ERR_NOREPLICAS : null;
};
addGate(noReplicasGate, diskErrorGate);

/**
 * SYNC and PSYNC (syncCommand). PSYNC continues from the backlog when it can (+CONTINUE);
 * otherwise the replica gets a full synchronisation: +FULLRESYNC <replid> <offset> (PSYNC only)
 * once its snapshot starts, then the snapshot, then the stream from the snapshot's cut.
 */
function syncGeneric(c: Client, argv: string[], psync: boolean): void {
  // Already a replica: a repeated SYNC is ignored, as Redis does.
  if (c.replica?.online) return;
  const server = c.server;
  // PSYNC <replid> <offset> FAILOVER: our primary hands us its role (FAILOVER on its side).
  if (psync && argv.length > 3 && optionWord(argv[3]) === 'failover') {
    server.log.warning(`Failover request received for replid ${argv[1]}.`);
    if (!server.replicaSide.active) {
      c.error("ERR PSYNC FAILOVER can't be sent to a master.");
      return;
    }
    if (argv[1] !== server.replication.replId) {
      c.error('ERR PSYNC FAILOVER replid must match my replid.');
      return;
    }
    server.replicaSide.unsetMaster();
    server.log.notice(`MASTER MODE enabled (failover request from '${clientInfoString(c)}')`);
  }
  if (server.failover.inProgress) {
    c.error("NOMASTERLINK Can't SYNC while failing over");
    return;
  }
  // The snapshot must be the first thing the replica reads after its request.
  if (c.replyBytes !== 0) {
    c.error('ERR SYNC and PSYNC are invalid with pending output');
    return;
  }
  // A filtered snapshot is only ever streamed (never written over the RDB file).
  if (c.replica?.functionsOnly && !c.replica.capa.has('eof')) {
    c.error('ERR Filtered replica requires EOF capability');
    return;
  }
  const repl = server.replication;
  server.log.notice(`Replica ${replicaName(c)} asks for synchronization`);
  if (psync) {
    const offset = parseInt64(argv[2]);
    if (offset === null) {
      c.error(ERR_NOT_INTEGER);
      server.log.warning(`Replica ${replicaName(c)} asks for synchronization but with a wrong offset`);
      return;
    }
    if (repl.tryPartialResync(c, argv[1], Number(offset))) {
      server.stats.syncPartialOk++;
      return;
    }
    if (argv[1] !== '?') server.stats.syncPartialErr++;
  }
  server.stats.syncFull++;
  repl.fullSync(c, !psync);
}

function sync(c: Client, argv: string[]): void {
  syncGeneric(c, argv, false);
}

function psync(c: Client, argv: string[]): void {
  syncGeneric(c, argv, true);
}

/** Redis's NET_HOST_STR_LEN: an announced address must be shorter. */
const NET_HOST_STR_LEN = 256;

/** REPLCONF <option> <value> …: listening-port, ip-address, capa, ack, getack, rdb-only … */
function replconf(c: Client, argv: string[]): void {
  if (argv.length % 2 === 0) {
    c.error(ERR_SYNTAX);
    return;
  }
  for (let j = 1; j < argv.length; j += 2) {
    const opt = optionWord(argv[j]);
    const value = argv[j + 1];
    switch (opt) {
      case 'listening-port': {
        const port = int64Arg(c, value);
        if (port === null) return;
        // Redis keeps the port in a C int.
        (c.replica ??= newReplicaState()).listeningPort = Number(BigInt.asIntN(32, BigInt(port)));
        break;
      }
      case 'ip-address':
        if (value.length >= NET_HOST_STR_LEN) {
          c.error(`ERR REPLCONF ip-address provided by replica instance is too long: ${value.length} bytes`);
          return;
        }
        (c.replica ??= newReplicaState()).ipAddress = value;
        break;
      case 'capa':
        (c.replica ??= newReplicaState()).capa.add(value.toLowerCase());
        break;
      case 'ack': {
        // Only a replica acknowledges, and an acknowledgement gets no reply.
        const offset = parseInt64(value);
        if (c.replica?.online && offset !== null) c.server.replication.acknowledged(c, Number(offset));
        return;
      }
      case 'getack':
        // From our primary: the offset applied so far, at once (replicationSendAck).
        if (c.isMaster) c.server.replicaSide.sendAck();
        return;
      case 'rdb-only': {
        const only = rangeArg(c, value, 0, 1);
        if (only === null) return;
        (c.replica ??= newReplicaState()).rdbOnly = only === 1;
        break;
      }
      case 'rdb-filter-only': {
        // Everything is left out but what is named; only functions may be named.
        const filters = value.split(/[ \t\r\n]+/).filter((f) => f !== '');
        for (const f of filters) {
          if (f.toLowerCase() !== 'functions') {
            c.error(`ERR Unsupported rdb-filter-only option: ${f}`);
            return;
          }
        }
        (c.replica ??= newReplicaState()).functionsOnly = true;
        break;
      }
      default:
        return c.error(`ERR Unrecognized REPLCONF option: ${argv[j]}`);
    }
  }
  c.ok();
}

/**
 * WAIT numreplicas timeout (waitCommand): the number of replicas that acknowledged the client's
 * last write, once there are numreplicas of them or the timeout (ms, 0: none) passes. Inside
 * MULTI or a script it answers at once.
 */
function wait(c: Client, argv: string[]): void {
  const server = c.server;
  if (server.replicaSide.active) {
    c.error(
      'ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.',
    );
    return;
  }
  const wanted = int64Arg(c, argv[1]);
  if (wanted === null) return;
  const deadline = timeoutArg(c, argv[2], 'milliseconds');
  if (deadline === null) return;
  const repl = server.replication;
  const acked = repl.countAcks(c.woff);
  if (acked >= wanted || !server.blocking.canBlock(c)) {
    c.integer(acked);
    return;
  }
  repl.blockForAcks(c, c.woff, Number(wanted), deadline, argv);
}

// --- The replica's side: REPLICAOF, ROLE, and the gates of a replica ----------------------------

/** REPLICAOF host port | NO ONE (and its old name SLAVEOF). */
function replicaof(c: Client, argv: string[]): void {
  const server = c.server;
  if (server.config.bool('cluster-enabled')) {
    c.error('ERR REPLICAOF not allowed in cluster mode.');
    return;
  }
  if (server.failover.inProgress) {
    c.error('ERR REPLICAOF not allowed while failing over.');
    return;
  }
  const side = server.replicaSide;
  // (Compared as C strings: up to a NUL byte, as strcasecmp and sdsnew read them.)
  if (optionWord(argv[1]) === 'no' && optionWord(argv[2]) === 'one') {
    if (side.active) {
      side.unsetMaster();
      server.log.notice(`MASTER MODE enabled (user request from '${clientInfoString(c)}')`);
    }
    c.ok();
    return;
  }
  if (c.replica?.online) {
    c.error('ERR Command is not valid when client is a replica.');
    return;
  }
  const port = rangeArg(c, argv[2], 0, 65535, 'ERR Invalid master port');
  if (port === null) return;
  const host = cString(argv[1]);
  if (side.active && side.host!.toLowerCase() === host.toLowerCase() && side.port === port) {
    server.log.notice('REPLICAOF would result into synchronization with the master we are already connected with. No operation performed.');
    c.simple('OK Already connected to specified master');
    return;
  }
  side.setMaster(host, port);
  server.log.notice(`REPLICAOF ${host}:${port} enabled (user request from '${clientInfoString(c)}')`);
  c.ok();
}

/** ROLE: master, its offset and online replicas; or slave, the primary, the link's state, offset. */
function role(c: Client): void {
  const server = c.server;
  const side = server.replicaSide;
  if (!side.active) {
    const repl = server.replication;
    c.arrayLen(3);
    c.bulk('master');
    c.integer(repl.offset);
    const online = repl.replicas.filter((r) => r.replica?.online);
    c.arrayLen(online.length);
    for (const r of online) {
      const st = r.replica!;
      c.arrayLen(3);
      c.bulk(peerIp(r));
      c.bulk(String(st.listeningPort));
      c.bulk(String(st.ackOffset));
    }
    return;
  }
  c.arrayLen(5);
  c.bulk('slave');
  c.bulk(side.host!);
  c.integer(side.port);
  c.bulk(side.roleState());
  c.integer(side.roleOffset());
}

/** Whether the command writes: a write, an EXEC of a queued write, a script declaring writes. */
function writesData(c: Client, cmd: Command, argv: string[]): boolean {
  if (cmd.write) return true;
  if (cmd.fullName === 'exec') return c.multi !== null && c.multi.some((q) => q.cmd.write);
  if (cmd.mayReplicate) return scriptMayWrite(c, cmd, argv) === true;
  return false;
}

export const ERR_READONLY_REPLICA = "READONLY You can't write against a read only replica.";

/** replica-read-only: writes from anyone but the primary are refused (processCommand). */
const readOnlyReplicaGate: Gate = (c, cmd, argv) => {
  const server = c.server;
  if (!server.replicaSide.active || c.mustObey || !server.config.bool('replica-read-only')) return null;
  return writesData(c, cmd, argv) ? ERR_READONLY_REPLICA : null;
};

/**
 * replica-serve-stale-data no: while the link to the primary is down, only commands flagged
 * stale run (an EXEC only if all its queued commands are).
 */
const staleDataGate: Gate = (c, cmd) => {
  if (!c.server.replicaSide.runningStale) return null;
  let stale = cmd.flags.includes('stale');
  if (stale && cmd.fullName === 'exec' && c.multi !== null) stale = c.multi.every((q) => q.cmd.flags.includes('stale'));
  return stale ? null : ERR_MASTERDOWN;
};

/** A replica gives no snapshot while it has none from its own primary (syncCommand). */
const syncWithoutLinkGate: Gate = (c, cmd, argv) => {
  const side = c.server.replicaSide;
  if (!side.active || side.state === 'connected' || c.replica?.online) return null;
  if (cmd.fullName !== 'sync' && cmd.fullName !== 'psync') return null;
  // A PSYNC FAILOVER from our primary promotes us first (syncGeneric).
  if (argv.length > 3 && optionWord(argv[3]) === 'failover') return null;
  return "NOMASTERLINK Can't SYNC while not connected with my master";
};

addGate(readOnlyReplicaGate, diskErrorGate);
addGate(staleDataGate, pubsubGate);
addGate(syncWithoutLinkGate);

export const replicationCommands: CommandSpec[] = [
  { name: 'sync', handler: sync },
  { name: 'psync', handler: psync },
  { name: 'replconf', handler: replconf },
  { name: 'wait', handler: wait },
  { name: 'replicaof', handler: replicaof },
  { name: 'slaveof', handler: replicaof },
  { name: 'role', handler: role },
  { name: 'failover', handler: (c, argv) => c.server.failover.command(c, argv) },
];
