// Configuration: parameter table, parsing, units, validation, redis.conf loading and CONFIG
// GET/SET/RESETSTAT/REWRITE/HELP, unit-tested and compared with real Redis.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync, mkdirSync, realpathSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  Config,
  ConfigFileError,
  ConfigOpenError,
  NOTIFY,
  keyspaceEventsFromString,
  keyspaceEventsToString,
  parseMemory,
  quoteRepr,
} from '../../src/server/config.js';
import { startServer } from '../../src/embed.js';
import { Differential, differentialSuite, splitAggregate } from '../helpers/differential.js';
import { RawConnection } from '../helpers/resp.js';
import { tempDirs } from '../helpers/tempdir.js';

function dataFile(name: string): string {
  return new URL(`../../../data/${name}`, import.meta.url).pathname;
}

const tempDir = tempDirs('nodis-config-test-');

/** Loads config text and returns the error it throws (or null). */
function loadError(text: string, cfg = new Config()): ConfigFileError | null {
  try {
    cfg.loadString(text);
    return null;
  } catch (e) {
    if (e instanceof ConfigFileError) return e;
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// Unit tests

describe('config table', () => {
  it('has every Redis 7 parameter with its default', () => {
    const ref = JSON.parse(readFileSync(dataFile('config-defaults.json'), 'utf8')) as Record<string, string>;
    const c = new Config();
    assert.deepEqual(new Set(c.names()), new Set(Object.keys(ref)));
    // The reference server was started with these on its command line.
    const startup = new Set(['port', 'save', 'dir']);
    for (const [k, v] of Object.entries(ref)) {
      if (!startup.has(k)) assert.equal(c.get(k), v, k);
    }
    assert.equal(c.get('port'), '6379');
    assert.equal(c.get('save'), '3600 1 300 100 60 10000');
    assert.equal(c.get('dir'), realpathSync(process.cwd()));
  });

  it('knows hidden parameters by exact name only', () => {
    const c = new Config();
    for (const n of ['watchdog-period', 'key-load-delay', 'rdb-key-save-delay', 'use-exit-on-panic', 'loading-process-events-interval-bytes']) {
      assert.ok(c.has(n), n);
      assert.ok(!c.names().includes(n), n);
    }
    assert.deepEqual(c.getMatching(['watchdog-period'], () => true), [['watchdog-period', '0']]);
    assert.deepEqual(c.getMatching(['watchdog*'], (_p, n) => n.startsWith('watchdog')), []);
    assert.deepEqual(c.getMatching(['hz*'], (_p, n) => n.startsWith('hz')), [['hz', '10']]);
  });

  it('reads typed values cheaply: num() in bytes, bool(), typed accessors', () => {
    const c = new Config();
    assert.equal(c.num('proto-max-bulk-len'), 512 * 1024 * 1024);
    assert.equal(c.num('client-query-buffer-limit'), 1024 ** 3);
    assert.equal(c.set('maxmemory', '2gb'), null);
    assert.equal(c.num('maxmemory'), 2 * 1024 ** 3);
    assert.equal(c.get('maxmemory'), '2147483648');
    assert.equal(c.bool('appendonly'), false);
    assert.equal(c.set('appendonly', 'YES'), null);
    assert.equal(c.bool('appendonly'), true);
    assert.equal(c.get('appendonly'), 'yes');
    assert.deepEqual(c.savePoints(), [
      { seconds: 3600, changes: 1 },
      { seconds: 300, changes: 100 },
      { seconds: 60, changes: 10000 },
    ]);
    assert.deepEqual(c.clientOutputBufferLimit('replica'), { hardBytes: 268435456, softBytes: 67108864, softSeconds: 60 });
    assert.deepEqual(c.bindAddresses(), ['*', '-::*']);
    assert.deepEqual(c.oomScoreAdjValues(), [0, 200, 800]);
    assert.deepEqual(c.latencyPercentiles(), [50, 99, 99.9]);
    assert.equal(c.replicaOf(), null);
    assert.equal(c.optionalString('unixsocket'), null);
    assert.equal(c.num('unixsocketperm'), 0);
    assert.equal(c.set('unixsocketperm', '700'), null);
    assert.equal(c.num('unixsocketperm'), 0o700);
    assert.equal(c.get('unixsocketperm'), '700');
    assert.ok(c.isSensitive('requirepass') && c.isSensitive('MASTERAUTH') && !c.isSensitive('hz'));
    assert.ok(c.isImmutable('databases') && c.isImmutable('slaveof') && !c.isImmutable('hz'));
    assert.equal(c.primaryName('SLAVEOF'), 'replicaof');
    assert.equal(c.primaryName('nosuch'), null);
  });

  it('parses memory units like Redis (k=1000, kb=1024 …, any case)', () => {
    const cases: Array<[string, number | null]> = [
      ['0', 0],
      ['', 0],
      ['1', 1],
      ['1b', 1],
      ['1B', 1],
      ['1k', 1000],
      ['1K', 1000],
      ['1kb', 1024],
      ['1KB', 1024],
      ['1kB', 1024],
      ['2m', 2_000_000],
      ['2mb', 2 * 1024 * 1024],
      ['3g', 3_000_000_000],
      ['3gb', 3 * 1024 ** 3],
      ['01k', 1000],
      ['k', 0],
      ['-1', null],
      [' 1', null],
      ['+1', null],
      ['1.5mb', null],
      ['1 mb', null],
      ['1tb', null],
      ['1kbb', null],
      ['abc', null],
    ];
    for (const [s, want] of cases) assert.equal(parseMemory(s), want, JSON.stringify(s));
    const c = new Config();
    // strtoull saturates, then the unit multiplies with unsigned wrap-around.
    assert.equal(c.set('maxmemory', '99999999999999999999'), null);
    assert.equal(c.get('maxmemory'), '18446744073709551615');
    assert.equal(c.set('maxmemory', '18446744073709551615k'), null);
    assert.equal(c.get('maxmemory'), String(BigInt.asUintN(64, 18446744073709551615n * 1000n)));
  });

  it('validates each type with Redis error texts', () => {
    const c = new Config();
    const cases: Array<[string, string, string | null]> = [
      ['maxmemory', 'x', 'argument must be a memory value'],
      ['maxmemory', '-1', 'argument must be a memory value'],
      ['appendonly', 'maybe', "argument must be 'yes' or 'no'"],
      ['hz', 'abc', "argument couldn't be parsed into an integer"],
      ['hz', '+1', "argument couldn't be parsed into an integer"],
      ['hz', '01', "argument couldn't be parsed into an integer"],
      ['hz', '-1', 'argument must be between 0 and 2147483647 inclusive'],
      ['port', '65536', 'argument must be between 0 and 65535 inclusive'],
      ['maxclients', '-1', 'argument must be between 1 and 4294967295 inclusive'],
      ['maxclients', '0', 'argument must be between 1 and 4294967295 inclusive'],
      ['slowlog-log-slower-than', '-2', 'argument must be between -1 and 9223372036854775807 inclusive'],
      ['proto-max-bulk-len', '1000', 'argument must be between 1048576 and 9223372036854775807 inclusive'],
      ['hash-max-listpack-value', '9223372036854775808', 'argument must be between 0 and 9223372036854775807 inclusive'],
      ['unixsocketperm', '8', "argument couldn't be parsed as an octal number"],
      ['unixsocketperm', '1000', 'argument must be between 0 and 777 inclusive'],
      ['unixsocketperm', '-1', 'argument must be between 0 and 777 inclusive'],
      ['maxmemory-clients', '101%', 'percentage argument must be less or equal to 100'],
      ['maxmemory-clients', '-5', 'argument must be a memory or percent value'],
      ['loglevel', 'loud', 'argument(s) must be one of the following: debug, verbose, notice, warning'],
      [
        'maxmemory-policy',
        'lru',
        'argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, ' +
          'allkeys-lru, allkeys-lfu, allkeys-random, noeviction',
      ],
      ['shutdown-on-sigint', 'save nosave', "shutdown options SAVE and NOSAVE can't be used simultaneously"],
      ['notify-keyspace-events', 'KEq', "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."],
      ['save', '100', 'Invalid save parameters'],
      ['save', '0 1', 'Invalid save parameters'],
      ['save', '100 -1', 'Invalid save parameters'],
      ['save', '100  1', 'Invalid save parameters'],
      ['client-output-buffer-limit', 'normal 1 2', 'Wrong number of arguments in buffer limit configuration.'],
      ['client-output-buffer-limit', 'master 1 2 3', 'Invalid client class specified in buffer limit configuration.'],
      ['client-output-buffer-limit', 'normal 1 2 -3', 'Error in hard, soft or soft_seconds setting in buffer limit configuration.'],
      ['oom-score-adj-values', '1 2', 'wrong number of arguments'],
      ['oom-score-adj-values', '1 2 2001', 'Invalid oom-score-adj-values, elements must be between -2000 and 2000.'],
      ['latency-tracking-info-percentiles', '101', 'latency-tracking-info-percentiles parameters should sit between [0.0,100.0]'],
      ['latency-tracking-info-percentiles', 'x', 'Invalid latency-tracking-info-percentiles parameters'],
      ['bind', Array.from({ length: 17 }, (_, i) => `10.0.0.${i}`).join(' '), 'Too many bind addresses specified.'],
      ['replicaof', 'host', 'wrong number of arguments'],
      ['replicaof', 'host port', 'Invalid master port'],
      ['replicaof', 'host 65536', 'Invalid master port'],
      ['dbfilename', 'a/b.rdb', "dbfilename can't be a path, just a filename"],
      ['appendfilename', '', "appendfilename can't be empty"],
      ['appenddirname', 'x/y', "appenddirname can't be a path, just a dirname"],
      ['cluster-announce-hostname', 'a_b', 'Hostnames may only contain alphanumeric characters, hyphens or dots'],
      ['proc-title-template', '{title}', 'template format is invalid or contains unknown variables'],
      ['proc-title-template', '{nope} x', 'template format is invalid or contains unknown variables'],
      ['dir', '/nonexistent-nodis-dir', 'No such file or directory'],
      ['dir', '/etc/hostname', 'Not a directory'],
      ['nosuch', '1', "Unknown option or number of arguments for CONFIG SET - 'nosuch'"],
    ];
    for (const [name, v, err] of cases) {
      const before = c.has(name) ? c.get(name) : null;
      assert.equal(c.set(name, v), err, `${name} ${JSON.stringify(v)}`);
      if (before !== null) assert.equal(c.get(name), before, `${name} unchanged after a failed set`);
    }
  });

  it('keeps special parameters in their canonical form', () => {
    const c = new Config();
    const cases: Array<[string, string, string]> = [
      ['hz', '1000', '500'],
      ['hz', '0', '1'],
      ['maxmemory-clients', '10%', '10%'],
      ['maxmemory-clients', '1mb', '1048576'],
      ['maxmemory-clients', '18446744073709551615', '1%'],
      ['oom-score-adj', 'relative', 'yes'],
      ['shutdown-on-sigint', 'NOW force', 'now force'],
      ['shutdown-on-sigint', 'default now', 'now'],
      ['notify-keyspace-events', 'KEA', 'AKE'],
      ['notify-keyspace-events', 'Ex', 'xE'],
      ['notify-keyspace-events', 'g$lshzxetdmn', 'Am'],
      ['notify-keyspace-events', 'nK', 'nK'],
      ['notify-keyspace-events', '', ''],
      ['save', '', ''],
      ['save', '100 ', '100 0'],
      ['save', '+100 1', '100 1'],
      ['save', '100 4294967296', '100 0'],
      ['client-output-buffer-limit', 'NORMAL 1mb 2MB 3', 'normal 1048576 2097152 3 slave 268435456 67108864 60 pubsub 33554432 8388608 60'],
      ['client-output-buffer-limit', 'replica 1 1 1 pubsub 2 2 2', 'normal 1048576 2097152 3 slave 1 1 1 pubsub 2 2 2'],
      ['oom-score-adj-values', '01 +2 3', '1 2 3'],
      ['oom-score-adj-values', ' 1 2', '0 1 2'],
      ['latency-tracking-info-percentiles', '0 1e2 1.5000', '0 100 1.5'],
      ['latency-tracking-info-percentiles', '', ''],
      ['bind', '', ''],
      ['bind', '127.0.0.1 -::1', '127.0.0.1 -::1'],
      ['replicaof', '10.0.0.1 6380', '10.0.0.1 6380'],
      ['replicaof', 'NO ONE', ''],
      ['unixsocketperm', '', '0'],
      ['unixsocketperm', '0777', '777'],
      ['list-max-ziplist-size', '-5', '-5'],
    ];
    for (const [name, v, want] of cases) {
      assert.equal(c.set(name, v), null, `${name} ${JSON.stringify(v)}`);
      assert.equal(c.get(name), want, `${name} ${JSON.stringify(v)}`);
    }
    assert.equal(c.notifyKeyspaceEvents(), 0);
    assert.equal(c.num('maxmemory-clients'), 1048576 * 0 + c.num('maxmemory-clients'));
  });

  it('converts notify-keyspace-events letters both ways', () => {
    assert.equal(keyspaceEventsFromString('A'), NOTIFY.ALL);
    assert.equal(keyspaceEventsFromString('KEA'), NOTIFY.ALL | NOTIFY.KEYSPACE | NOTIFY.KEYEVENT);
    assert.equal(keyspaceEventsFromString('?'), -1);
    assert.equal(keyspaceEventsToString(NOTIFY.ALL | NOTIFY.NEW | NOTIFY.KEY_MISS), 'Am');
    assert.equal(keyspaceEventsToString(NOTIFY.GENERIC | NOTIFY.EXPIRED | NOTIFY.KEYEVENT), 'gxE');
  });

  it('shares one value between a name and its alias', () => {
    const c = new Config();
    const seen: string[] = [];
    c.onChange('replica-read-only', (v) => seen.push(v));
    assert.equal(c.set('slave-read-only', 'no'), null);
    assert.equal(c.get('replica-read-only'), 'no');
    assert.equal(c.set('hash-max-ziplist-entries', '7'), null);
    assert.equal(c.num('hash-max-listpack-entries'), 7);
    assert.equal(c.set('lua-time-limit', '100'), null);
    assert.equal(c.get('busy-reply-threshold'), '100');
    assert.equal(c.set('slaveof', '127.0.0.1 7000'), null);
    assert.equal(c.get('replicaof'), '127.0.0.1 7000');
    assert.deepEqual(c.replicaOf(), { host: '127.0.0.1', port: 7000 });
    // Setting the same value again does not call the listeners.
    assert.equal(c.set('replica-read-only', 'no'), null);
    assert.deepEqual(seen, ['no']);
  });

  it('CONFIG SET is all-or-nothing and reports the first problem like Redis', () => {
    const c = new Config();
    const calls: string[] = [];
    c.onChange('hz', (v) => calls.push(`hz=${v}`));
    assert.equal(
      c.configSet([['hz', '20'], ['maxmemory', 'lots']], false),
      "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value",
    );
    assert.equal(c.get('hz'), '10');
    assert.deepEqual(calls, []);
    assert.equal(c.configSet([['hz', '20'], ['maxmemory', '1mb']], false), null);
    assert.equal(c.get('hz'), '20');
    assert.equal(c.get('maxmemory'), '1048576');
    assert.deepEqual(calls, ['hz=20']);
    assert.equal(
      c.configSet([['databases', '2']], false),
      "ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config",
    );
    assert.equal(
      c.configSet([['dir', '/tmp']], false),
      "ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config",
    );
    assert.equal(c.configSet([['dir', '/tmp']], true), null);
    assert.equal(c.get('dir'), realpathSync('/tmp'));
    assert.equal(
      c.configSet([['hz', '5'], ['HZ', '6']], false),
      "ERR CONFIG SET failed (possibly related to argument 'HZ') - duplicate parameter",
    );
    assert.equal(c.configSet([['slave-read-only', 'yes'], ['replica-read-only', 'no']], false), null);
    assert.equal(c.get('slave-read-only'), 'no');
    assert.equal(
      c.configSet([['hz', '5'], ['foo', '1'], ['databases', '1']], false),
      "ERR Unknown option or number of arguments for CONFIG SET - 'foo'",
    );
    assert.equal(
      c.configSet([['hz', '5'], ['x\0y', '1']], false),
      "ERR Unknown option or number of arguments for CONFIG SET - 'x'",
    );
    assert.equal(
      c.configSet([['hz', '5'], ['databases', '1'], ['foo', '1']], false),
      "ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config",
    );
    // A failure after several sets restores all of them, aliases included.
    assert.equal(
      c.configSet([['hz', '30'], ['replica-read-only', 'yes'], ['maxmemory', '5mb'], ['loglevel', 'x']], false),
      "ERR CONFIG SET failed (possibly related to argument 'loglevel') - argument(s) must be one of the following: debug, verbose, notice, warning",
    );
    assert.equal(c.get('hz'), '20');
    assert.equal(c.get('replica-read-only'), 'no');
    assert.equal(c.get('maxmemory'), '1048576');
  });

  it('quotes like sdscatrepr', () => {
    assert.equal(quoteRepr('a b'), '"a b"');
    assert.equal(quoteRepr('a"b\\c'), '"a\\"b\\\\c"');
    assert.equal(quoteRepr('\n\r\t\x07\b\x00\xff'), '"\\n\\r\\t\\a\\b\\x00\\xff"');
  });
});

describe('redis.conf parsing', () => {
  it('reads directives, comments, quoting and units', () => {
    const c = new Config();
    c.loadString(
      [
        '# a comment',
        '   # an indented comment',
        '',
        'MAXMEMORY 1GB',
        '  hz   20  ',
        'requirepass "p a\\x41ss\\n"',
        "masterauth 'it\\'s'",
        'save 900 1',
        'save 300 10',
        'bind 127.0.0.1 ::1',
        'client-output-buffer-limit pubsub 64mb 16mb 90',
        'notify-keyspace-events "Ex"',
        'list-max-ziplist-entries 512',
        'lua-replicate-commands yes',
        'loadmodule /x/y.so a b',
        'user alice on >pw',
        'mymodule.opt 5',
        'sentinel',
        'slaveof 10.1.1.1 6380',
        'oom-score-adj-values "1 2 3"',
        'shutdown-on-sigterm save now',
        '\r',
      ].join('\n'),
    );
    assert.equal(c.get('maxmemory'), String(1024 ** 3));
    assert.equal(c.get('hz'), '20');
    assert.equal(c.get('requirepass'), 'p aAss\n');
    assert.equal(c.get('masterauth'), "it's");
    assert.equal(c.get('save'), '900 1 300 10');
    assert.equal(c.get('bind'), '127.0.0.1 ::1');
    assert.deepEqual(c.clientOutputBufferLimit('pubsub'), { hardBytes: 64 * 1024 ** 2, softBytes: 16 * 1024 ** 2, softSeconds: 90 });
    assert.equal(c.get('notify-keyspace-events'), 'xE');
    assert.deepEqual(c.moduleDirectives, [['/x/y.so', 'a', 'b']]);
    assert.deepEqual(c.userDirectives, [['alice', 'on', '>pw']]);
    assert.equal(c.moduleConfigs.get('mymodule.opt'), '5');
    assert.equal(c.get('replicaof'), '10.1.1.1 6380');
    assert.equal(c.get('oom-score-adj-values'), '1 2 3');
    assert.equal(c.get('shutdown-on-sigterm'), 'save now');
  });

  it('lets a file replace the default save points, or clear them', () => {
    const c = new Config();
    c.loadString('save ""\nsave 60 5');
    assert.equal(c.get('save'), '60 5');
    const d = new Config();
    d.loadString('port 1');
    assert.equal(d.get('save'), '3600 1 300 100 60 10000');
    // A later `save ""` (e.g. redis-server conf --save) clears the points the file set.
    const e = new Config();
    e.loadString('save 900 1\nsave 300 10\nsave ""');
    assert.equal(e.get('save'), '');
  });

  it('stops at the first bad line with Redis messages', () => {
    const cases: Array<[string, number | null, string, string]> = [
      ['port 1\nfoo bar', 2, 'foo bar', 'Bad directive or wrong number of arguments'],
      ['port "1', 1, 'port "1', 'Unbalanced quotes in configuration line'],
      ['hz 1 2', 1, 'hz 1 2', 'wrong number of arguments'],
      ['hz', 1, 'hz', 'wrong number of arguments'],
      ['  hz  abc  ', 1, 'hz  abc', "argument couldn't be parsed into an integer"],
      ['list-max-ziplist-entries 5 6', 1, 'list-max-ziplist-entries 5 6', 'Bad directive or wrong number of arguments'],
      ['user', 1, 'user', 'Bad directive or wrong number of arguments'],
      ['foo.bar', 1, 'foo.bar', 'Module config specified without value'],
      ['sentinel monitor x', 1, 'sentinel monitor x', 'sentinel directive while not in sentinel mode'],
      ['activedefrag yes', 1, 'activedefrag yes', 'Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified Jemalloc like the one shipped by default with the Redis source distribution'],
      ['cluster-enabled yes\nreplicaof 1.1.1.1 5', null, '', 'replicaof directive not allowed in cluster mode'],
      ['logfile /nonexistent-nodis-dir/x.log', null, '', "Can't open the log file: No such file or directory"],
    ];
    for (const [text, line, lineText, reason] of cases) {
      const e = loadError(text);
      assert.ok(e, text);
      assert.equal(e.reason, reason, text);
      assert.equal(e.lineNumber, line, text);
      assert.equal(e.lineText, lineText, text);
    }
    assert.equal(
      loadError('port 1\nfoo bar')!.fatalMessage('nodis 1.2.3'),
      "\n*** FATAL CONFIG FILE ERROR (nodis 1.2.3) ***\nReading the configuration file, at line 2\n>>> 'foo bar'\nBad directive or wrong number of arguments\n",
    );
    assert.equal(
      loadError('logfile /nonexistent-nodis-dir/x.log')!.fatalMessage('nodis 1.2.3'),
      "\n*** FATAL CONFIG FILE ERROR (nodis 1.2.3) ***\nCan't open the log file: No such file or directory\n",
    );
  });

  it('validates rename-command through the given hook', () => {
    const c = new Config();
    const known = new Set(['flushall', 'get']);
    const rename = (from: string): string | null => (known.has(from.toLowerCase()) ? null : 'No such command in rename-command');
    c.loadString('rename-command FLUSHALL ""\nrename-command get fetch', { renameCommand: rename });
    assert.deepEqual(c.renamedCommands, [['FLUSHALL', ''], ['get', 'fetch']]);
    const e = (() => {
      try {
        c.loadString('rename-command nosuch x', { renameCommand: rename });
      } catch (err) {
        return err as ConfigFileError;
      }
      return null;
    })();
    assert.equal(e?.reason, 'No such command in rename-command');
  });

  it('includes files relative to the current directory, and globs', () => {
    const dir = tempDir();
    const cwd = process.cwd();
    try {
      mkdirSync(join(dir, 'conf.d'));
      writeFileSync(join(dir, 'main.conf'), 'hz 11\ninclude inc.conf\ninclude conf.d/*.conf\ninclude conf.d/none-*.conf\n');
      writeFileSync(join(dir, 'inc.conf'), 'maxmemory 10mb\n');
      writeFileSync(join(dir, 'conf.d', 'a.conf'), 'maxmemory-policy allkeys-lru\n');
      writeFileSync(join(dir, 'conf.d', 'b.conf'), 'maxmemory-policy allkeys-lfu\n');
      writeFileSync(join(dir, 'bad.conf'), '# one\nport 1\nnope\n');
      process.chdir(dir);
      const c = new Config();
      c.loadFile('main.conf');
      assert.equal(c.get('hz'), '11');
      assert.equal(c.get('maxmemory'), String(10 * 1024 * 1024));
      assert.equal(c.get('maxmemory-policy'), 'allkeys-lfu');
      // An error inside an included file reports that file's line.
      const e = loadError('hz 1\ninclude bad.conf');
      assert.equal(e?.lineNumber, 3);
      assert.equal(e?.lineText, 'nope');
      assert.throws(() => new Config().loadString('include missing.conf'), (err: unknown) => {
        assert.ok(err instanceof ConfigOpenError);
        assert.equal(err.message, "Fatal error, can't open config file 'missing.conf': No such file or directory");
        return true;
      });
    } finally {
      process.chdir(cwd);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('resolves dir relative to the current dir and reports chdir errors', () => {
    const dir = tempDir();
    try {
      mkdirSync(join(dir, 'sub'));
      const c = new Config();
      c.loadString(`dir ${dir}\ndir sub`);
      assert.equal(c.get('dir'), join(dir, 'sub'));
      const e = loadError('dir /nonexistent-nodis-dir');
      assert.equal(e?.reason, 'No such file or directory');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('CONFIG REWRITE (unit)', () => {
  it('keeps comments and unknown lines, updates, appends and removes like Redis', () => {
    const dir = tempDir();
    try {
      const file = join(dir, 'r.conf');
      const original = [
        '# my comment',
        'port 7777',
        'save 900 1',
        'save 300 10',
        'hz 20',
        'maxmemory 1mb',
        '',
        '',
        '# trailing',
        'slave-read-only yes',
        'include inc.conf',
        'loglevel notice',
        'bind 127.0.0.1',
        'unixsocket /tmp/x.sock',
        'hash-max-ziplist-entries 100',
        'bad "quote',
        'rename-command FLUSHALL ""',
        '',
      ].join('\n');
      writeFileSync(file, original);
      writeFileSync(join(dir, 'inc.conf'), '# nothing\n');
      const c = new Config();
      for (const [k, v] of [
        ['port', '7777'],
        ['hz', '30'],
        ['maxmemory', '2mb'],
        ['replica-read-only', 'no'],
        ['save', '60 5'],
        ['bind', '* -::*'],
        ['unixsocket', '/tmp/x.sock'],
        ['hash-max-listpack-entries', '100'],
        ['notify-keyspace-events', 'KEA'],
        ['maxmemory-clients', '10%'],
        ['requirepass', 'a"b c'],
        ['client-output-buffer-limit', 'pubsub 1mb 2mb 3'],
        ['dir', dir],
      ]) {
        assert.equal(c.set(k, v), null, k);
      }
      c.rewrite(file);
      const got = readFileSync(file, 'latin1');
      assert.equal(
        got,
        [
          '# my comment',
          'port 7777',
          'save 60 5',
          '',
          'hz 30',
          'maxmemory 2mb',
          '',
          '# trailing',
          'replica-read-only no',
          'include inc.conf',
          'loglevel notice',
          '',
          'unixsocket "/tmp/x.sock"',
          'hash-max-listpack-entries 100',
          '# ??? bad "quote',
          'rename-command FLUSHALL ""',
          '',
          '# Generated by CONFIG REWRITE',
          'requirepass "a\\"b c"',
          'maxmemory-clients 10%',
          `dir ${quoteRepr(dir)}`,
          'client-output-buffer-limit pubsub 1mb 2mb 3',
          'notify-keyspace-events "AKE"',
          'latency-tracking-info-percentiles 50 99 99.9',
          '',
        ].join('\n'),
      );
      // The rewritten file loads back to the same values (the bad line is now a comment).
      const back = new Config();
      const cwd = process.cwd();
      try {
        process.chdir(dir);
        back.loadFile(file);
      } finally {
        process.chdir(cwd);
      }
      for (const name of back.names()) assert.equal(back.get(name), c.get(name), name);
      // Rewriting again is stable, but for Redis's quirk with client-output-buffer-limit: the
      // first class (normal, at its default) takes over the existing line and the changed class
      // is appended again.
      c.rewrite(file);
      assert.equal(
        readFileSync(file, 'latin1'),
        got.replace('client-output-buffer-limit pubsub 1mb 2mb 3', 'client-output-buffer-limit normal 0 0 0') +
          '\nclient-output-buffer-limit pubsub 1mb 2mb 3\n',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('forceAll (DEBUG CONFIG-REWRITE-FORCE-ALL) writes every option, defaults too, and loads back the same', () => {
    const dir = tempDir();
    try {
      const file = join(dir, 'all.conf');
      writeFileSync(file, 'port 7777\n');
      const c = new Config();
      assert.equal(c.set('port', '7777'), null);
      assert.equal(c.set('dir', dir), null);
      c.rewrite(file, true);
      const text = readFileSync(file, 'latin1');
      for (const line of ['port 7777', 'hz 10', 'maxmemory-policy noeviction', 'save 3600 1', 'appendonly no']) {
        assert.ok(text.includes(`\n${line}\n`) || text.startsWith(`${line}\n`), `${line} in ${text}`);
      }
      const back = new Config();
      back.loadFile(file);
      for (const name of back.names()) assert.equal(back.get(name), c.get(name), name);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes a new file when the old one is gone and fails on an unwritable place', () => {
    const dir = tempDir();
    try {
      const file = join(dir, 'new.conf');
      const c = new Config();
      c.set('hz', '15');
      c.rewrite(file);
      const text = readFileSync(file, 'latin1');
      assert.ok(text.startsWith('# Generated by CONFIG REWRITE\n'), text);
      assert.ok(text.includes('\nhz 15\n'), text);
      assert.throws(() => c.rewrite(join(dir, 'no-such-dir', 'x.conf')), (e: unknown) => (e as NodeJS.ErrnoException).code === 'ENOENT');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('startServer', () => {
  it('rejects invalid directives with a clear error', async () => {
    await assert.rejects(startServer({ maxmemory: 'lots' }), /maxmemory.*argument must be a memory value/);
    await assert.rejects(startServer({ 'no-such-directive': 'x' }), /unknown configuration directive 'no-such-directive'/);
    await assert.rejects(startServer({ hz: -1 }), /argument must be between 0 and 2147483647 inclusive/);
  });

  it('accepts immutable parameters at start-up', async () => {
    const s = await startServer({ databases: 3, appendonly: false, 'maxmemory-policy': 'allkeys-lru' });
    try {
      assert.equal(s.server.dbs.length, 3);
      assert.equal(s.server.config.get('maxmemory-policy'), 'allkeys-lru');
    } finally {
      await s.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Against real Redis

/** Parameters whose values differ by how the two test servers are started. */
const STARTUP_DIFFERENT = new Set(['port', 'unixsocket', 'dir', 'bind']);

/** Names in a CONFIG GET reply (RESP2 flat array or RESP3 map). */
function replyNames(reply: string): string[] {
  const { items } = splitAggregate(reply);
  const names: string[] = [];
  for (let i = 0; i < items.length; i += 2) names.push(items[i].slice(items[i].indexOf('\r\n') + 2, -2));
  return names;
}

describe('CONFIG against real Redis', differentialSuite(), () => {
  const d = new Differential();
  before(() => d.start({ loglevel: 'warning' }));
  after(() => d.stop());

  it('CONFIG GET * lists the same parameter names (RESP2 and RESP3)', async () => {
    await d.withPair(async ({ nodis: n, redis: o }) => {
      const rn = (await n.call('CONFIG', 'GET', '*'))!;
      const ro = (await o.call('CONFIG', 'GET', '*'))!;
      assert.equal(rn[0], '*');
      assert.deepEqual(replyNames(rn).sort(), replyNames(ro).sort());
      await n.call('HELLO', '3');
      await o.call('HELLO', '3');
      const mn = (await n.call('CONFIG', 'GET', '*'))!;
      const mo = (await o.call('CONFIG', 'GET', '*'))!;
      assert.equal(mn[0], '%');
      assert.equal(mn.slice(0, mn.indexOf('\r\n')), mo.slice(0, mo.indexOf('\r\n')));
      assert.deepEqual(replyNames(mn).sort(), replyNames(mo).sort());
    }, { flush: false });
  });

  it('CONFIG GET of each parameter matches Redis (RESP2 and RESP3)', async () => {
    const names = new Config().names().filter((x) => !STARTUP_DIFFERENT.has(x));
    const steps = names.map((x) => ['CONFIG', 'GET', x]);
    await d.check(steps);
    await d.check(steps.slice(0, 20), { resp3: true });
    await d.check([
      ['CONFIG', 'GET', 'watchdog-period'],
      ['CONFIG', 'GET', 'key-load-delay'],
      ['CONFIG', 'GET', 'use-exit-on-panic'],
      ['CONFIG', 'GET', 'nosuch'],
      ['CONFIG', 'GET', ''],
    ]);
  });

  it('CONFIG GET with globs, several patterns, letter case and duplicates', async () => {
    const patterns: string[][] = [
      ['max*'],
      ['*max*'],
      ['m?xmemory'],
      ['hash-*'],
      ['*-ziplist-*'],
      ['slave-*'],
      ['lazyfree*', 'tls-*'],
      ['MAXMEM*'],
      ['[h-i]*'],
      ['[^a-r]*-*'],
      ['*[0-9]*'],
      ['MAXMEMORY'],
      ['Maxmemory', 'maxmemory', 'MAXMEM*'],
      ['hz', 'HZ', 'Hz', 'h?'],
      ['maxmemory', 'maxmemory-policy', 'nosuch', 'timeout'],
      ['nosuch*'],
      ['\\hz'],
      ['*watchdog*'],
      // Glob characters count, and globs match, only up to a NUL byte (fuzzer finding). (A name
      // with a NUL but no glob character before it is looked up in a hash table hashed over the
      // whole name and compared up to the NUL: Redis finds "hz" for "hz\0x" only by chance.)
      ['*ziplist*\0x'],
      ['max*\0?'],
    ];
    for (const resp3 of [false, true]) {
      await d.check(patterns.map((p) => ({ cmd: ['CONFIG', 'GET', ...p], unordered: true })), { resp3 });
    }
  });

  it('CONFIG SET accepts values like Redis and CONFIG GET shows them canonically', async () => {
    const cases: Array<[string, string]> = [
      ['maxmemory', '1gb'],
      ['maxmemory', '1GB'],
      ['maxmemory', '100mb'],
      ['maxmemory', '1k'],
      ['maxmemory', ''],
      ['maxmemory', '1b'],
      ['maxmemory', '01k'],
      ['maxmemory', '99999999999999999999'],
      ['maxmemory', '0'],
      ['maxmemory-clients', '10%'],
      ['maxmemory-clients', '18446744073709551615'],
      ['maxmemory-clients', '0'],
      ['hz', '1000'],
      ['hz', '0'],
      ['hz', '10'],
      ['timeout', '0'],
      ['appendfsync', 'ALWAYS'],
      ['appendfsync', 'everysec'],
      ['oom-score-adj', 'relative'],
      ['oom-score-adj', 'no'],
      ['activerehashing', 'No'],
      ['activerehashing', 'yes'],
      // yes/no, enums, memory units and client classes are C strings: they end at a NUL byte
      // (fuzzer finding); plain numbers are not.
      ['activerehashing', 'no\0x'],
      ['activerehashing', 'yes\0'],
      ['maxmemory-policy', 'allkeys-lru\0x'],
      ['maxmemory-policy', 'noeviction'],
      ['maxmemory', '1mb\0x'],
      ['maxmemory', '0'],
      ['hz', '10\0'],
      ['hll-sparse-max-bytes', '100\0'],
      ['hll-sparse-max-bytes', '3000'],
      ['client-output-buffer-limit', 'normal\0x 1mb 2mb\0 3'],
      ['client-output-buffer-limit', 'normal 0 0 0'],
      ['notify-keyspace-events', 'KEA'],
      ['notify-keyspace-events', 'Ex'],
      ['notify-keyspace-events', 'g$lshzxetdmn'],
      ['notify-keyspace-events', 'KEAn'],
      ['notify-keyspace-events', 'nK'],
      ['notify-keyspace-events', ''],
      ['save', '100 1'],
      ['save', '100 '],
      ['save', '+100 1 200 2'],
      ['save', ''],
      ['client-output-buffer-limit', 'NORMAL 1mb 2MB 3'],
      ['client-output-buffer-limit', 'replica 10 20 30'],
      ['client-output-buffer-limit', 'slave 1 1 1 pubsub 2 2 2'],
      ['client-output-buffer-limit', ''],
      ['client-output-buffer-limit', 'normal 0 0 0 slave 256mb 64mb 60 pubsub 32mb 8mb 60'],
      ['oom-score-adj-values', '01 +2 3'],
      ['oom-score-adj-values', ' 1 2'],
      ['oom-score-adj-values', '0 200 800'],
      ['latency-tracking-info-percentiles', '0 1e2 1.5000'],
      ['latency-tracking-info-percentiles', ''],
      // strtod's hexadecimal floats, subnormals, and what it refuses (fuzzer finding).
      ['latency-tracking-info-percentiles', '0x10 0x1p3 0X.8P1 0x1P+2 -0x0 0x1p-1074'],
      ['latency-tracking-info-percentiles', '0x'],
      ['latency-tracking-info-percentiles', '0x.p1'],
      ['latency-tracking-info-percentiles', '0x1p'],
      ['latency-tracking-info-percentiles', '0x1p-1080'],
      ['latency-tracking-info-percentiles', '0x1g'],
      ['latency-tracking-info-percentiles', '0x1.8p5 5e-324 1e-310 5. .5 +5'],
      ['latency-tracking-info-percentiles', '1e-400'],
      ['latency-tracking-info-percentiles', '0x1p7'],
      ['latency-tracking-info-percentiles', '50 99 99.9'],
      ['shutdown-on-sigint', 'save now'],
      ['shutdown-on-sigint', 'NOW'],
      ['shutdown-on-sigint', 'default now'],
      ['shutdown-on-sigint', 'default'],
      ['list-max-ziplist-size', '-1'],
      ['list-max-listpack-size', '-2'],
      ['slave-read-only', 'no'],
      ['replica-read-only', 'yes'],
      ['lua-time-limit', '100'],
      ['busy-reply-threshold', '5000'],
      ['proc-title-template', '}}{{title}'],
      ['proc-title-template', '{title} x}'],
      ['proc-title-template', '{title} {listen-addr} {server-mode}'],
      ['cluster-announce-hostname', 'ab.c-d'],
      ['cluster-announce-hostname', ''],
      ['requirepass', ''],
      ['masterauth', 'secret'],
      ['masterauth', ''],
      ['slowlog-log-slower-than', '-1'],
      ['slowlog-log-slower-than', '10000'],
      ['maxclients', '4294967295'],
      ['maxclients', '10000'],
    ];
    const steps: string[][] = [];
    for (const [name, v] of cases) {
      steps.push(['CONFIG', 'SET', name, v]);
      steps.push(['CONFIG', 'GET', name]);
    }
    await d.withConfig([...new Set(cases.map((c) => c[0]))], () => d.check(steps));
  });

  it('CONFIG SET errors match Redis, and a failed SET changes nothing', async () => {
    const cases: string[][] = [
      ['maxmemory', 'x'],
      ['maxmemory', '-1'],
      ['maxmemory', ' 1'],
      ['maxmemory', '+1'],
      ['maxmemory', '1.5mb'],
      ['appendonly', 'maybe'],
      ['hz', 'abc'],
      ['hz', '-1'],
      ['hz', '99999999999999999999'],
      ['port', '65536'],
      ['maxclients', '-1'],
      ['loglevel', 'loud'],
      ['maxmemory-policy', 'lru'],
      ['maxmemory-clients', '101%'],
      ['maxmemory-clients', '-5'],
      ['maxmemory-clients', 'abc'],
      ['hash-max-listpack-value', '9223372036854775808'],
      ['proto-max-bulk-len', '9223372036854775808'],
      ['proto-max-bulk-len', '1000'],
      ['active-defrag-cycle-min', '0'],
      ['slowlog-max-len', '-1'],
      ['activedefrag', 'yes'],
      ['databases', '3'],
      ['daemonize', 'no'],
      ['unixsocket', '/tmp/x'],
      ['unixsocketperm', '700'],
      ['replicaof', 'no one'],
      ['slaveof', 'no one'],
      ['enable-debug-command', 'no'],
      ['appendfilename', 'x.aof'],
      ['logfile', ''],
      ['dir', '/tmp'],
      ['dbfilename', 'x.rdb'],
      ['nosuch', '1'],
      ['save', '100'],
      ['save', '100 -1'],
      ['save', '0 1'],
      ['save', '100  1'],
      ['save', '100x 1'],
      ['save', ' '],
      ['client-output-buffer-limit', 'normal 1 2'],
      ['client-output-buffer-limit', 'master 1 2 3'],
      ['client-output-buffer-limit', 'foo 1 2 3'],
      ['client-output-buffer-limit', 'normal x 2 3'],
      ['client-output-buffer-limit', 'normal 1 2 -3'],
      ['client-output-buffer-limit', 'normal 1 2 3x'],
      ['client-output-buffer-limit', 'normal -1 2 3'],
      ['notify-keyspace-events', 'q'],
      ['oom-score-adj-values', '1 2'],
      ['oom-score-adj-values', 'a b c'],
      ['oom-score-adj-values', '-2001 0 0'],
      ['oom-score-adj-values', ''],
      ['latency-tracking-info-percentiles', '101'],
      ['latency-tracking-info-percentiles', '-1'],
      ['latency-tracking-info-percentiles', 'abc'],
      ['latency-tracking-info-percentiles', '50  60'],
      ['bind', Array.from({ length: 17 }, (_, i) => `10.0.0.${i}`).join(' ')],
      ['proc-title-template', '{foo}'],
      ['proc-title-template', '{title}'],
      ['proc-title-template', ''],
      ['cluster-announce-hostname', 'a_b'],
      ['shutdown-on-sigint', 'save nosave'],
      ['shutdown-on-sigint', 'x'],
      ['shutdown-on-sigint', ''],
      ['acl-pubsub-default', 'junk'],
      ['HZ', 'abc'],
      ['Slave-Read-Only', 'x'],
    ];
    const steps: string[][] = [];
    for (const [name, v] of cases) {
      steps.push(['CONFIG', 'SET', name, v]);
      if (name !== 'nosuch' && !STARTUP_DIFFERENT.has(name)) steps.push(['CONFIG', 'GET', name]);
    }
    await d.withConfig(['hz'], () => d.check(steps));
  });

  it('CONFIG SET with several pairs is atomic, with Redis errors for duplicates and syntax', async () => {
    await d.withConfig(['hz', 'maxmemory', 'slave-read-only', 'maxmemory-policy'], () =>
      d.check([
        ['CONFIG', 'SET', 'hz', '20', 'maxmemory', 'lots'],
        ['CONFIG', 'GET', 'hz'],
        ['CONFIG', 'SET', 'hz', '20', 'maxmemory-policy', 'allkeys-lru', 'maxmemory', '1mb'],
        { cmd: ['CONFIG', 'GET', 'hz', 'maxmemory', 'maxmemory-policy'], unordered: true },
        ['CONFIG', 'SET', 'hz', '5', 'HZ', '6'],
        ['CONFIG', 'SET', 'hz', '5', 'hz', '6'],
        ['CONFIG', 'SET', 'hz', '5', 'foo', '1', 'hz', '7'],
        ['CONFIG', 'SET', 'hz', '5', 'databases', '1', 'foo', '2'],
        ['CONFIG', 'SET', 'hz', '5', 'foo', '1', 'databases', '2'],
        ['CONFIG', 'SET', 'hz', '11', 'maxmemory', '2mb', 'loglevel', 'x'],
        { cmd: ['CONFIG', 'GET', 'hz', 'maxmemory'], unordered: true },
        ['CONFIG', 'SET', 'slave-read-only', 'yes', 'replica-read-only', 'no'],
        { cmd: ['CONFIG', 'GET', '*read-only'], unordered: true },
        ['CONFIG', 'SET', 'hz'],
        ['CONFIG', 'SET', 'hz', '1', '2'],
        ['CONFIG', 'SET'],
        ['CONFIG', 'GET'],
        ['CONFIG', 'SET', 'hz', '10'],
      ]),
    );
  });

  it('CONFIG HELP, RESETSTAT, REWRITE without a file, unknown subcommands', async () => {
    for (const resp3 of [false, true]) {
      await d.check(
        [
          ['CONFIG', 'HELP'],
          ['config', 'help'],
          ['CONFIG', 'HELP', 'x'],
          ['CONFIG', 'RESETSTAT'],
          ['CONFIG', 'RESETSTAT', 'x'],
          ['CONFIG', 'REWRITE'],
          ['CONFIG', 'REWRITE', 'x'],
          ['CONFIG', 'NOSUCH'],
          ['CONFIG'],
        ],
        { resp3 },
      );
    }
  });
});

describe('CONFIG RESETSTAT and REWRITE (nodis)', () => {
  it('RESETSTAT zeroes the stats, the command stats and the error stats', async () => {
    const s = await startServer();
    const c = await RawConnection.open({ port: s.port });
    try {
      await c.call('SET', 'k', 'v');
      await c.call('GET', 'k');
      await c.call('NOSUCH');
      await c.call('INCR', 'k');
      // The unknown command is refused, not processed (Redis counts commands in call()).
      assert.equal(s.server.stats.commandsProcessed, 3);
      assert.equal(s.server.stats.errorCodes.get('ERR'), 2);
      assert.equal(s.server.table.lookup('get')!.stats.calls, 1);
      assert.equal(await c.call('CONFIG', 'RESETSTAT'), '+OK\r\n');
      assert.equal(s.server.table.lookup('get')!.stats.calls, 0);
      assert.equal(s.server.table.lookup('get')!.latency, null);
      assert.equal(s.server.stats.errorCodes.size, 0);
      assert.equal(s.server.stats.totalErrorReplies, 0);
      assert.equal(s.server.stats.keyspaceHits, 0);
      const info = (await c.call('INFO', 'stats'))!;
      assert.match(info, /total_commands_processed:1\r\n/);
      const cmdstats = (await c.call('INFO', 'commandstats'))!;
      assert.doesNotMatch(cmdstats, /cmdstat_get:/);
      // Zeroing the error count is not an error of RESETSTAT's own (fuzzer finding).
      assert.match(cmdstats, /cmdstat_config\|resetstat:calls=1,.*,rejected_calls=0,failed_calls=0\r\n/);
    } finally {
      c.close();
      await s.close();
    }
  });

  it('REWRITE updates the file the server was started with', async () => {
    const dir = tempDir();
    const s = await startServer({ log: () => {} }); // (CONFIG SET maxmemory below would warn)
    const c = await RawConnection.open({ port: s.port });
    try {
      const file = join(dir, 'nodis.conf');
      writeFileSync(file, '# nodis test\nhz 10\nmaxmemory 100mb\n');
      s.server.configFile = file;
      assert.equal(await c.call('CONFIG', 'SET', 'hz', '25', 'maxmemory', '3gb', 'maxmemory-policy', 'allkeys-lru'), '+OK\r\n');
      assert.equal(await c.call('CONFIG', 'REWRITE'), '+OK\r\n');
      const text = readFileSync(file, 'latin1');
      assert.ok(text.startsWith('# nodis test\nhz 25\nmaxmemory 3gb\n\n# Generated by CONFIG REWRITE\n'), text);
      assert.ok(text.includes('\nmaxmemory-policy allkeys-lru\n'), text);
      assert.ok(text.includes('\nsave ""\n'), text);
      const back = new Config();
      back.loadFile(file);
      assert.equal(back.get('hz'), '25');
      assert.equal(back.get('maxmemory'), String(3 * 1024 ** 3));
      assert.equal(back.get('bind'), '127.0.0.1');
      // An unwritable place gives Redis's error.
      s.server.configFile = join(dir, 'missing-dir', 'x.conf');
      assert.equal(await c.call('CONFIG', 'REWRITE'), '-ERR Rewriting config file: No such file or directory\r\n');
    } finally {
      c.close();
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('CONFIG SET dir needs enable-protected-configs, then changes the directory without chdir', async () => {
    const dir = tempDir();
    const s = await startServer({ 'enable-protected-configs': 'local' });
    const c = await RawConnection.open({ port: s.port });
    try {
      const cwd = process.cwd();
      assert.equal(await c.call('CONFIG', 'SET', 'dir', dir), '+OK\r\n');
      assert.equal(await c.call('CONFIG', 'GET', 'dir'), `*2\r\n$3\r\ndir\r\n$${dir.length}\r\n${dir}\r\n`);
      assert.equal(process.cwd(), cwd);
      assert.equal(
        await c.call('CONFIG', 'SET', 'dir', '/nonexistent-nodis-dir'),
        "-ERR CONFIG SET failed (possibly related to argument 'dir') - No such file or directory\r\n",
      );
    } finally {
      c.close();
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('CONFIG SET applies loglevel, proto-max-bulk-len and hz at once', async () => {
    const s = await startServer();
    const c = await RawConnection.open({ port: s.port });
    try {
      assert.equal(await c.call('CONFIG', 'SET', 'loglevel', 'warning', 'proto-max-bulk-len', '2mb'), '+OK\r\n');
      assert.equal(s.server.log.level, 'warning');
      assert.equal(s.server.protoLimits.maxBulkLen, 2 * 1024 * 1024);
      // The cron runs at the new hz (the timer's period is 1000/hz ms).
      const period = (): number => (s.server['cronTimer'] as unknown as { _repeat: number })._repeat;
      assert.equal(period(), 100);
      assert.equal(await c.call('CONFIG', 'SET', 'hz', '50'), '+OK\r\n');
      assert.equal(period(), 20);
    } finally {
      c.close();
      await s.close();
    }
  });
});

describe('CONFIG SET port (nodis)', () => {
  it('moves the listener; a port it cannot listen on fails the whole CONFIG SET, which is rolled back', async () => {
    const server = await startServer({ log: () => {} });
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const busyPort = (busy.address() as AddressInfo).port;
    const first = server.port;
    const c = await RawConnection.open({ port: first });
    try {
      assert.equal(
        await c.call('CONFIG', 'SET', 'maxmemory', '10000001', 'port', String(busyPort), 'client-query-buffer-limit', '10m'),
        "-ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port. Check server logs.\r\n",
      );
      assert.equal(await c.call('CONFIG', 'GET', 'maxmemory'), '*2\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n');
      // (An embedded server's port setting is 0: a free port, picked at start.)
      assert.equal(await c.call('CONFIG', 'GET', 'port'), '*2\r\n$4\r\nport\r\n$1\r\n0\r\n');
      assert.equal(await c.call('CONFIG', 'GET', 'client-query-buffer-limit'), '*2\r\n$25\r\nclient-query-buffer-limit\r\n$10\r\n1073741824\r\n');
      const again = await RawConnection.open({ port: first });
      assert.equal(await again.call('PING'), '+PONG\r\n');
      again.close();
      // Port 0 at CONFIG SET time would close the listener (as Redis): pick a free port instead.
      const free = createServer();
      await new Promise<void>((resolve) => free.listen(0, '127.0.0.1', resolve));
      const freePort = (free.address() as AddressInfo).port;
      await new Promise<void>((resolve) => free.close(() => resolve()));
      assert.equal(await c.call('CONFIG', 'SET', 'port', String(freePort)), '+OK\r\n');
      assert.equal(server.port, freePort);
      // The connection that asked stays; new ones go to the new port only.
      assert.equal(await c.call('PING'), '+PONG\r\n');
      const moved = await RawConnection.open({ port: freePort });
      assert.equal(await moved.call('PING'), '+PONG\r\n');
      moved.close();
      await assert.rejects(RawConnection.open({ port: first }));
    } finally {
      c.close();
      busy.close();
      await server.close();
    }
  });
});
