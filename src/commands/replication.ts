// The primary's side of the replication handshake (replication.c): SYNC and PSYNC hand a
// connection a snapshot and then the replication stream; REPLCONF carries what a replica
// announces about itself and its acknowledgements.

import type { CommandSpec } from '../server/command.js';
import type { Client } from '../server/client.js';
import { ERR_SYNTAX } from '../server/errors.js';
import { newReplicaState, replicaName } from '../replication/primary.js';
import { parseInt64 } from '../util/numbers.js';
import { int64Arg } from './args.js';
import { optionWord } from '../util/cstring.js';
import { encodeRdb } from '../persistence/rdb.js';

/**
 * SYNC and PSYNC (syncCommand). PSYNC continues from the backlog when it can (+CONTINUE);
 * otherwise the replica gets a full synchronisation: +FULLRESYNC <replid> <offset> (PSYNC only),
 * then the snapshot, then the stream.
 */
function syncGeneric(c: Client, argv: string[], psync: boolean): void {
  // Already a replica: a repeated SYNC is ignored, as Redis does.
  if (c.replica?.online) return;
  let psyncOffset = 0;
  if (psync) {
    const offset = int64Arg(c, argv[2]);
    if (offset === null) return;
    psyncOffset = Number(offset);
  }
  // The snapshot must be the first thing the replica reads after its request.
  if (c.replyBytes !== 0) {
    c.error('ERR SYNC and PSYNC are invalid with pending output');
    return;
  }
  const server = c.server;
  const repl = server.replication;
  server.log.notice(`Replica ${replicaName(c)} asks for synchronization`);
  if (psync) {
    if (repl.tryPartialResync(c, argv[1], psyncOffset)) {
      server.stats.syncPartialOk++;
      return;
    }
    if (argv[1] !== '?') server.stats.syncPartialErr++;
  }
  server.stats.syncFull++;
  // The first replica starts the stream under a new ID: nothing before it can be continued.
  if (repl.backlog === null) {
    repl.changeReplId();
    repl.clearReplId2();
    repl.createBacklog();
    server.log.notice(`Replication backlog created, my new replication IDs are '${repl.replId}' and '${repl.replId2}'`);
  }
  const snapshot = encodeRdb(server, { repl: { streamDb: repl.streamDb, replId: repl.replId, offset: repl.offset } });
  repl.attach(c, psync, snapshot);
  server.log.notice(`Synchronization with replica ${replicaName(c)} succeeded`);
}

function sync(c: Client, argv: string[]): void {
  syncGeneric(c, argv, false);
}

function psync(c: Client, argv: string[]): void {
  syncGeneric(c, argv, true);
}

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
      case 'capa':
        if (opt === 'capa') (c.replica ??= newReplicaState()).capa.add(value.toLowerCase());
        break;
      case 'ack': {
        // Only a replica acknowledges, and an acknowledgement gets no reply.
        const st = c.replica;
        const offset = parseInt64(value);
        if (st?.online && offset !== null) {
          if (offset > BigInt(st.ackOffset)) st.ackOffset = Number(offset);
          st.ackTime = c.server.clock.now();
        }
        return;
      }
      case 'getack':
        // Sent by a primary to its replicas; nodis is never a replica yet.
        return;
      case 'rdb-only':
      case 'rdb-filter-only':
        if (opt === 'rdb-only' && int64Arg(c, value) === null) return;
        break;
      default:
        return c.error(`ERR Unrecognized REPLCONF option: ${argv[j]}`);
    }
  }
  c.ok();
}

export const replicationCommands: CommandSpec[] = [
  { name: 'sync', handler: sync },
  { name: 'psync', handler: psync },
  { name: 'replconf', handler: replconf },
];
