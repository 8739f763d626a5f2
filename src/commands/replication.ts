// The primary's side of the replication handshake (replication.c): SYNC and PSYNC hand a
// connection a snapshot and then the replication stream; REPLCONF carries what a replica
// announces about itself and its acknowledgements.

import type { CommandSpec } from '../server/command.js';
import type { Client } from '../server/client.js';
import { ERR_SYNTAX } from '../server/errors.js';
import { newReplicaState, replicaName } from '../replication/primary.js';
import { parseInt64 } from '../util/numbers.js';
import { int64Arg, rangeArg, timeoutArg } from './args.js';
import { optionWord } from '../util/cstring.js';
import { ERR_NOREPLICAS, ERR_NOT_INTEGER } from '../server/errors.js';
import { addGate, type Gate } from '../server/dispatch.js';
import { scriptMayWrite } from '../server/pause.js';
import { diskErrorGate } from './persistence.js';


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
  const server = c.server;
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
        // Sent by a primary to its replicas: answered on the replica side.
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
  if (server.config.has('replicaof') && server.config.get('replicaof') !== '') {
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

export const replicationCommands: CommandSpec[] = [
  { name: 'sync', handler: sync },
  { name: 'psync', handler: psync },
  { name: 'replconf', handler: replconf },
  { name: 'wait', handler: wait },
];
