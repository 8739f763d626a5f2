// DEBUG: the subcommands nodis implements (SLEEP, SET-ACTIVE-EXPIRE, OBJECT, POPULATE,
// PROTOCOL, LOG, ERROR, CHANGE-REPL-ID, CONFIG-REWRITE-FORCE-ALL, DIGEST, DIGEST-VALUE,
// QUICKLIST-PACKED-THRESHOLD, SET-SKIP-CHECKSUM-VALIDATION, PAUSE-CRON, RELOAD, LOADAOF, AOF-FLUSH-SLEEP, REPLICATE,
// HELP).

import type { Client } from '../server/client.js';
import type { CommandSpec } from '../server/command.js';
import { ERR_NO_SUCH_KEY, errSubcommandSyntax } from '../server/errors.js';
import { atoi, parseInteger, strtodPrefix } from '../util/numbers.js';
import { optionWord } from '../util/cstring.js';
import { encodingOf } from '../types/value.js';
import { datasetDigest, valueDigest } from './digest.js';
import { rdbSerializedLength } from '../persistence/rdb.js';
import { DEBUG_RELOAD_HELP, debugReload } from './persistence.js';
import { debugLoadAof } from './aof.js';
import { sleepSync } from '../util/time.js';
import { replyHelp } from './help.js';
import { lruClock } from './info.js';
import { positiveArg } from './args.js';
import { memtoull, strerror } from '../server/config.js';
import { ListValue, setPackedThreshold } from '../types/list.js';

const DEBUG_HELP = [
  'AOF-FLUSH-SLEEP <microsec>',
  '    Server will sleep before flushing the AOF, this is used for testing.',
  'CHANGE-REPL-ID',
  '    Change the replication IDs of the instance.',
  '    Dangerous: should be used only for testing the replication subsystem.',
  'CONFIG-REWRITE-FORCE-ALL',
  '    Like CONFIG REWRITE but writes all configuration options, including',
  '    keywords not listed in original configuration file or default values.',
  'ERROR <string>',
  '    Return a Redis protocol error with <string> as message. Useful for clients',
  '    unit tests to simulate Redis errors.',
  'LOADAOF',
  '    Flush the AOF buffers on disk and reload the AOF in memory.',
  'REPLICATE <string>',
  '    Replicates the provided string to replicas, allowing data divergence.',
  'LOG <message>',
  '    Write <message> to the server log.',
  'OBJECT <key>',
  '    Show low level info about `key` and associated value.',
  'POPULATE <count> [<prefix>] [<size>]',
  "    Create <count> string keys named key:<num>. If <prefix> is specified then",
  "    it is used instead of the 'key' prefix. These are not propagated to",
  '    replicas. Cluster slots are not respected so keys not belonging to the',
  '    current node can be created in cluster mode.',
  'PROTOCOL <type>',
  '    Reply with a test value of the specified type. <type> can be: string,',
  '    integer, double, bignum, null, array, set, map, attrib, push, verbatim,',
  '    true, false.',
  ...DEBUG_RELOAD_HELP,
  'SET-ACTIVE-EXPIRE <0|1>',
  '    Setting it to 0 disables expiring keys in background when they are not',
  '    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the',
  '    default.',
  'QUICKLIST-PACKED-THRESHOLD <size>',
  '    Sets the threshold for elements to be inserted as plain vs packed nodes',
  '    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.',
  'SET-SKIP-CHECKSUM-VALIDATION <0|1>',
  "    Enables or disables checksum checks for RDB files and RESTORE's payload.",
  'SLEEP <seconds>',
  '    Stop the server for <seconds>. Decimals allowed.',
  'PAUSE-CRON <0|1>',
  '    Stop periodic cron job processing.',
];

let fakeAddress = 0x7f3a10000000;

/**
 * printf("%.2f") of a non-negative double: as toFixed(2), but an exact tie (12.125) rounds to
 * even as glibc does, where toFixed rounds it up.
 */
function fixed2(x: number): string {
  const exact = x.toFixed(30);
  if (!/\.\d\d50*$/.test(exact)) return x.toFixed(2);
  const down = exact.slice(0, exact.indexOf('.') + 3);
  if ((down.charCodeAt(down.length - 1) & 1) === 0) return down;
  return (Number(down) + 0.01).toFixed(2);
}

function debugObject(c: Client, key: string): void {
  // Like Redis, DEBUG OBJECT looks at the dictionary directly, without expiring the key.
  const v = c.db.dict.get(key);
  if (v === undefined) {
    c.error(ERR_NO_SUCH_KEY);
    return;
  }
  const server = c.server;
  const encoding = encodingOf(v);
  let refcount = 1;
  if (encoding === 'int' && typeof v === 'string') {
    const n = Number(v);
    // Small integers are shared objects in Redis unless maxmemory evicts by LRU/LFU.
    const policy = server.config.get('maxmemory-policy');
    const noShared = server.config.num('maxmemory') !== 0 && /lru|lfu/.test(policy);
    if (!noShared && n >= 0 && n < 10000) refcount = 2147483647;
  }
  const idle = typeof v === 'string' || !v.lru ? 0 : Math.max(0, Math.floor((server.clock.now() - v.lru) / 1000));
  const lru = (lruClock(server) - idle + 2 ** 24) % 2 ** 24;
  fakeAddress += 0x10;
  let extra = '';
  if (v instanceof ListValue) {
    // A quicklist's shape: its nodes, elements per node, node size limit, whether inner nodes are
    // compressed (list-compress-depth, read now: nodis compresses none), its bytes.
    const { nodes, bytes } = v.nodeStats();
    extra =
      ` ql_nodes:${nodes} ql_avg_node:${fixed2(v.length / nodes)} ql_listpack_max:${v.fill}` +
      ` ql_compressed:${server.config.num('list-compress-depth') !== 0 ? 1 : 0} ql_uncompressed_size:${bytes}`;
  }
  c.simple(
    `Value at:0x${fakeAddress.toString(16)} refcount:${refcount} encoding:${encoding} ` +
      `serializedlength:${rdbSerializedLength(v, server.config.bool('rdbcompression'))} lru:${lru} lru_seconds_idle:${idle}${extra}`,
  );
}

function debugPopulate(c: Client, argv: string[]): void {
  const count = positiveArg(c, argv[2]);
  if (count === null) return;
  let size = 0;
  if (argv.length === 5) {
    const n = positiveArg(c, argv[4]);
    if (n === null) return;
    size = n;
  }
  const prefix = argv.length >= 4 ? argv[3] : 'key';
  for (let j = 0; j < count; j++) {
    // Redis formats the key into a 128-byte buffer.
    const key = `${prefix}:${j}`.slice(0, 127);
    if (c.db.lookupWrite(key) !== undefined) continue;
    let value = `value:${j}`;
    if (size > 0) value = size <= value.length ? value.slice(0, size) : value + '\0'.repeat(size - value.length);
    c.db.set(key, value);
    // No event and no dirty count, as Redis's DEBUG POPULATE; WATCH still sees the key.
    c.db.changed(key, 0, '', 0);
  }
  c.ok();
}

function debugProtocol(c: Client, type: string): void {
  switch (optionWord(type)) {
    case 'string':
      c.bulk('Hello World');
      return;
    case 'integer':
      c.integer(12345);
      return;
    case 'double':
      c.double(3.141);
      return;
    case 'bignum':
      c.bigNumber('1234567999999999999999999999999999999');
      return;
    case 'null':
      c.nullBulk();
      return;
    case 'array':
      c.arrayLen(3);
      for (let i = 0; i < 3; i++) c.integer(i);
      return;
    case 'set':
      c.setLen(3);
      for (let i = 0; i < 3; i++) c.integer(i);
      return;
    case 'map':
      c.mapLen(3);
      for (let i = 0; i < 3; i++) {
        c.integer(i);
        c.bool(i === 1);
      }
      return;
    case 'attrib':
      // RESP2 has no attributes: only the reply that follows is sent.
      if (c.resp === 3) {
        c.attributeLen(1);
        c.bulk('key-popularity');
        c.arrayLen(2);
        c.bulk('key:123');
        c.integer(90);
      }
      c.bulk('Some real reply following the attribute');
      return;
    case 'push':
      if (c.resp === 2) {
        c.error('ERR RESP2 is not supported by this command');
        return;
      }
      c.push(() => {
        c.pushLen(2);
        c.bulk('server-cpu-usage');
        c.integer(42);
      });
      c.bulk('Some real reply following the push reply');
      return;
    case 'verbatim':
      c.verbatim('This is a verbatim\nstring');
      return;
    case 'true':
      c.bool(true);
      return;
    case 'false':
      c.bool(false);
      return;
    default:
      c.error(
        'ERR Wrong protocol type name. Please use one of the following: ' +
          'string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false',
      );
  }
}


// enable-debug-command is checked before DEBUG runs (dispatch's checkCommand).
function debug(c: Client, argv: string[]): void {
  const sub = optionWord(argv[1]);
  const argc = argv.length;
  if (sub === 'help' && argc === 2) {
    replyHelp(c, argv[0], DEBUG_HELP);
  } else if (sub === 'sleep' && argc === 3) {
    const us = Math.trunc(strtodPrefix(argv[2]) * 1e6);
    if (us > 0) sleepSync(us / 1000);
    c.ok();
  } else if (sub === 'set-active-expire' && argc === 3) {
    c.server.activeExpireEnabled = atoi(argv[2]) !== 0;
    c.ok();
  } else if (sub === 'digest' && argc === 2) {
    c.simple(datasetDigest(c.server.dbs));
  } else if (sub === 'digest-value' && argc >= 2) {
    c.arrayLen(argc - 2);
    for (let i = 2; i < argc; i++) c.simple(valueDigest(c.db, argv[i]));
  } else if (sub === 'object' && argc === 3) {
    debugObject(c, argv[2]);
  } else if (sub === 'replicate' && argc >= 3) {
    // Straight into the stream, in the database it has selected (data divergence, for tests).
    c.server.replication.feed(-1, argv.slice(2));
    c.ok();
  } else if (sub === 'populate' && argc >= 3 && argc <= 5) {
    debugPopulate(c, argv);
  } else if (sub === 'protocol' && argc === 3) {
    debugProtocol(c, argv[2]);
  } else if (sub === 'log' && argc === 3) {
    c.server.log.warning(`DEBUG LOG: ${argv[2]}`);
    c.ok();
  } else if (sub === 'error' && argc === 3) {
    // Sent as given, without an error code of its own and without counting in errorstats.
    c.errorUncounted(argv[2]);
  } else if (sub === 'reload') {
    debugReload(c, argv);
  } else if (sub === 'loadaof') {
    debugLoadAof(c);
  } else if (sub === 'set-skip-checksum-validation' && argc === 3) {
    c.server.skipChecksumValidation = atoi(argv[2]) !== 0;
    c.ok();
  } else if (sub === 'aof-flush-sleep' && argc === 3) {
    c.server.aof.writer.flushSleepUs = atoi(argv[2]);
    c.ok();
  } else if (sub === 'quicklist-packed-threshold' && argc === 3) {
    const size = memtoull(argv[2]);
    if (size === null || !setPackedThreshold(Number(size))) {
      c.error('ERR argument must be a memory value bigger than 1 and smaller than 4gb');
    } else {
      c.ok();
    }
  } else if (sub === 'pause-cron' && argc === 3) {
    c.server.cronPaused = atoi(argv[2]) !== 0;
    c.ok();
  } else if (sub === 'config-rewrite-force-all' && argc === 2) {
    // Without a config file Redis writes to a file named "(null)"; nodis refuses, as CONFIG REWRITE does.
    const server = c.server;
    if (!server.configFile) {
      c.error('ERR The server is running without a config file');
      return;
    }
    try {
      server.config.rewrite(server.configFile, true);
      c.ok();
    } catch (e) {
      c.error(`ERR CONFIG-REWRITE-FORCE-ALL failed: ${strerror((e as NodeJS.ErrnoException).code)}`);
    }
  } else if (sub === 'change-repl-id' && argc === 2) {
    c.server.replication.changeReplId();
    c.server.replication.clearReplId2();
    c.ok();
  } else {
    c.error(errSubcommandSyntax(argv[1], argv[0]));
  }
}

// ---------------------------------------------------------------------------------------------

export const debugCommands: CommandSpec[] = [{ name: 'debug', handler: debug }];
