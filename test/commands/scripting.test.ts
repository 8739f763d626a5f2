// Scripting (EVAL EVALSHA EVAL_RO EVALSHA_RO SCRIPT) against real Redis: replies in RESP2 and
// RESP3, the conversions both ways, Redis 7's error texts, shebang flags, the sandbox, the
// bundled libraries (cjson, cmsgpack, struct, bit), and what reaches the replication stream.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Differential, differentialSuite, encodeCommand, type StepLike } from '../helpers/differential.js';
import { scriptingIfUsed, shebangFlags, SCRIPT_EVAL_COMPAT, SCRIPT_NO_WRITES, SCRIPT_ALLOW_OOM } from '../../src/scripting/lua.js';
import { startServer } from '../../src/embed.js';
import { RawConnection } from '../helpers/resp.js';

const ev = (script: string, ...rest: string[]): string[] => ['EVAL', script, ...rest];
const sha1 = (s: string): string => createHash('sha1').update(s, 'latin1').digest('hex');
const err = (cmd: string[]): StepLike => ({ cmd, error: true });

describe('scripting', differentialSuite(), () => {
  const d = new Differential();
  before(() => d.start());
  after(() => d.stop());

  const both = async (steps: StepLike[]): Promise<void> => {
    await d.check(steps);
    await d.check(steps, { resp3: true });
  };

  it('runs a script with KEYS and ARGV, and redis.call reaches the data', async () => {
    await both([
      ev('return {KEYS[1], KEYS[2], ARGV[1], ARGV[2]}', '2', 'k1', 'k2', 'a1', 'a2'),
      ev("return redis.call('set', KEYS[1], ARGV[1])", '1', 'key', 'value'),
      ev("return redis.call('get', KEYS[1])", '1', 'key'),
      ev("return redis.call('incr', 'counter')", '0'),
      ev("redis.call('select', 9) return redis.call('set', 'insel', '1')", '0'),
      ['GET', 'insel'],
      ev('return 1', '0'),
    ]);
  });

  it('SORT of a set by a constant is sorted inside a script (its order would differ on replay), not outside', async () => {
    await both([
      ['SADD', 'myset', 'z', 'b', 'aa', 'a', 'c', '10', '9'],
      ev("return redis.call('sort', KEYS[1], 'by', '_')", '1', 'myset'),
      ev("return redis.call('sort', KEYS[1], 'by', '_', 'get', '#', 'get', '_:*')", '1', 'myset'),
      ev("return redis.call('sort', KEYS[1], 'desc')", '1', 'myset'),
    ]);
  });

  it('converts Lua values to replies (numbers truncate, tables stop at nil, false is nil, err/ok tables)', async () => {
    await both([
      ev('return 3.99', '0'),
      ev('return -3.99', '0'),
      ev("return 'hello'", '0'),
      ev('return true', '0'),
      ev('return false', '0'),
      ev('return nil', '0'),
      ev("return {1, 2, 3, 'x', nil, 5}", '0'),
      ev("return {1, {2, {3, 'deep'}}, false, 4}", '0'),
      ev("return {err='My Error'}", '0'),
      ev("return {err='ERR with code'}", '0'),
      ev("return {ok='fine'}", '0'),
      ev("return redis.error_reply('x')", '0'),
      ev("return redis.error_reply('MY x')", '0'),
      ev("return redis.status_reply('status')", '0'),
      ev("return {1, {err='nested'}, 3}", '0'),
      ev('return 2^53 + 10', '0'),
      ev('return {}', '0'),
    ]);
  });

  it('converts replies to Lua values (bulk, nil as false, integer, status and error tables, arrays)', async () => {
    await both([
      { cmd: ['RPUSH', 'list', 'a', 'b', 'c'], setup: true },
      { cmd: ['SET', 'str', 'text'], setup: true },
      ev("return type(redis.call('get', 'nokey'))", '0'),
      ev("return redis.call('get', 'nokey') == false", '0'),
      ev("return redis.call('lrange', 'list', 0, -1)", '0'),
      ev("return redis.call('set', 'k', 'v').ok", '0'),
      ev("return redis.pcall('incr', 'str').err", '0'),
      ev("return redis.pcall('incr', 'str')", '0'),
      ev("return redis.call('ping')", '0'),
      ev("return type(redis.call('llen', 'list'))", '0'),
      ev("return redis.call('hgetall', 'nohash')", '0'),
      ev("return redis.call('exists', 'str', 'list')", '0'),
    ]);
  });

  it('RESP3 inside the script with redis.setresp(3): maps, sets, doubles, booleans, null', async () => {
    await both([
      { cmd: ['HSET', 'h', 'f', 'v'], setup: true },
      { cmd: ['SADD', 's', 'm'], setup: true },
      { cmd: ['ZADD', 'z', '1.5', 'm'], setup: true },
      ev("redis.setresp(3) return redis.call('hgetall', 'h')", '0'),
      ev("redis.setresp(3) return redis.call('smembers', 's')", '0'),
      ev("redis.setresp(3) return redis.call('zscore', 'z', 'm')", '0'),
      ev("redis.setresp(3) return {double=3.5}", '0'),
      ev("redis.setresp(3) return {map={a=1}}", '0'),
      ev('redis.setresp(3) return true', '0'),
      ev('redis.setresp(3) return false', '0'),
      ev("redis.setresp(2) return redis.call('hgetall', 'h')", '0'),
      ev("return redis.call('zscore', 'z', 'm')", '0'),
      err(ev('redis.setresp(4)', '0')),
    ]);
  });

  it("answers Redis 7's error texts: runtime, globals, redis.call failures, refused commands, compile errors", async () => {
    await both([
      { cmd: ['SET', 's', 'a'], setup: true },
      err(ev('return y', '0')),
      err(ev('x = 1', '0')),
      err(ev("error('custom')", '0')),
      err(ev("return redis.call('lpush', 's', 'x')", '0')),
      err(ev("return redis.call('nosuch')", '0')),
      err(ev('return redis.call()', '0')),
      err(ev("return redis.call('get')", '0')),
      err(ev('return redis.call({})', '0')),
      err(ev("return redis.call('blpop', 'l', 0)", '0')),
      err(ev("return redis.call('multi')", '0')),
      err(ev("return redis.call('eval', 'return 1', '0')", '0')),
      err(ev('syntax error here', '0')),
      err(ev('return 1', '-1')),
      err(ev('return 1', '2', 'a')),
      err(ev('return 1', 'x')),
      err(ev('return type(os)', '0')),
      err(ev('return type(print)', '0')),
      err(ev('return type(loadfile)', '0')),
      err(ev('local a = 1\nlocal b = 2\nreturn nosuchglobal', '0')),
      err(['EVALSHA', 'ffffffffffffffffffffffffffffffffffffffff', '0']),
      err(['EVALSHA', 'short', '0']),
      err(['EVALSHA', 'short', 'notanumber']),
      err(['EVALSHA_RO', 'v', '-0']),
      err(['EVALSHA', 'ffffffffffffffffffffffffffffffffffffffff', 'notanumber']),
      ev("return redis.pcall('nosuch')", '0'),
      ev('return redis.pcall()', '0'),
    ]);
  });

  it('SCRIPT LOAD, EXISTS (any letter case), EVALSHA, FLUSH and HELP', async () => {
    await both([
      ['SCRIPT', 'FLUSH'],
      ['SCRIPT', 'LOAD', "return 'loaded'"],
      ['SCRIPT', 'EXISTS', sha1("return 'loaded'"), 'ffffffffffffffffffffffffffffffffffffffff'],
      ['EVALSHA', sha1("return 'loaded'").toUpperCase(), '0'],
      ev('return 1', '0'),
      ['SCRIPT', 'EXISTS', 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db', 'E0E1F9FABFC9D4800C877A703B823AC0578FF8DB'],
      ['SCRIPT', 'FLUSH', 'ASYNC'],
      ['SCRIPT', 'EXISTS', 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db'],
      ['SCRIPT', 'FLUSH', 'sync'],
      err(['SCRIPT', 'FLUSH', 'x']),
      err(['SCRIPT', 'LOAD', 'bad syntax']),
      err(['EVALSHA', 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db', '0']),
      err(['SCRIPT', 'KILL']),
      ['SCRIPT', 'HELP'],
      ['SCRIPT', 'DEBUG', 'NO'],
      err(['SCRIPT', 'DEBUG', 'maybe']),
      err(['SCRIPT', 'NOSUCH']),
    ]);
  });

  it('shebang flags: no-writes, EVAL_RO and EVALSHA_RO refuse writes; bad shebangs are refused', async () => {
    await both([
      ev('#!lua flags=no-writes\nreturn redis.call("get", "x")', '0'),
      err(ev('#!lua flags=no-writes\nreturn redis.call("set", "x", "1")', '0')),
      err(['EVAL_RO', "return redis.call('set', 'x', '1')", '0']),
      err(['EVAL_RO', "return redis.call('publish', 'ch', 'm')", '0']),
      ['EVAL_RO', "return redis.call('get', 'x')", '0'],
      err(['EVAL_RO', '#!lua\nreturn 1', '0']),
      ['EVAL_RO', '#!lua flags=no-writes\nreturn 1', '0'],
      ['SCRIPT', 'LOAD', "return redis.call('set', 'x', '1')"],
      err(['EVALSHA_RO', sha1("return redis.call('set', 'x', '1')"), '0']),
      ev('#!lua flags=allow-oom,allow-stale,no-cluster,allow-cross-slot-keys\nreturn 1', '0'),
      ev('#!lua\nreturn 2', '0'),
      err(ev('#!lua flags=bad\nreturn 1', '0')),
      err(ev('#!luax\nreturn 1', '0')),
      err(ev('#!lua x\nreturn 1', '0')),
      err(ev('#!lua', '0')),
      err(ev('#!lua\nreturn y', '0')),
    ]);
  });

  it('the redis table: sha1hex, log, version, REPL_* constants, replicate_commands, set_repl', async () => {
    await both([
      ev("return redis.sha1hex('')", '0'),
      ev("return redis.sha1hex('Pizza & Mandolino')", '0'),
      ev("redis.log(redis.LOG_WARNING, 'from a script') return 1", '0'),
      ev('return {redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING}', '0'),
      ev('return {redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, redis.REPL_ALL}', '0'),
      ev('return redis.replicate_commands()', '0'),
      ev('redis.set_repl(redis.REPL_ALL) return 1', '0'),
      ev('return type(redis.REDIS_VERSION)', '0'),
    ]);
  });

  it('cjson, cmsgpack, struct and bit behave as in Redis', async () => {
    await both([
      ev("return cjson.encode({1, 2, 'three', {a = 1}})", '0'),
      ev("local t = cjson.decode('[1,2,{\"x\":[true,null,3.5]}]') return {t[1], t[2], tostring(t[3].x[1]), t[3].x[3] * 2}", '0'),
      ev("return cjson.decode('{\"n\": 12345678901234}').n", '0'),
      ev("return cjson.encode(cjson.decode('\"\\\\u00e9\"'))", '0'),
      ev("return cmsgpack.pack({1, 2, 'x', {a = 'b'}})", '0'),
      ev('local a, b, c = cmsgpack.unpack(cmsgpack.pack(1, 2.5, -3)) return {a, tostring(b), c}', '0'),
      ev('return cmsgpack.pack(-1099511627776)', '0'),
      ev('return {cmsgpack.unpack(cmsgpack.pack(0.1))}', '0'),
      ev("return struct.pack('>I2 <i4 b', 258, -2, 7)", '0'),
      ev("return {struct.unpack('>I2', '\\1\\2')}", '0'),
      ev('return {bit.band(0xff, 0x0f), bit.bor(1, 2), bit.bxor(3, 1), bit.lshift(1, 10), bit.tohex(255)}', '0'),
      ev('return {bit.tobit(0xffffffff), bit.bnot(0), bit.arshift(-256, 4)}', '0'),
    ]);
  });

  it('propagates the commands a script ran, wrapped in MULTI/EXEC when more than one, never the script', async () => {
    await d.check(
      [
        ev("redis.call('set', KEYS[1], 'v') redis.call('incr', 'n') return 1", '1', 'a'),
        ev("return redis.call('incr', 'n')", '0'),
        ev("return redis.call('get', 'a')", '0'),
        ev("redis.call('select', 2) redis.call('set', 'b', '1') return 1", '0'),
        ['SCRIPT', 'LOAD', "return redis.call('del', 'a')"],
        ['EVALSHA', sha1("return redis.call('del', 'a')"), '0'],
        ['SET', 'a', '2'],
        ['MULTI'],
        ev("return redis.call('set', 'm', '1')", '0'),
        ['SET', 'after', '1'],
        ['EXEC'],
        ev("redis.call('expire', 'a', 100) return 1", '0'),
      ],
      { replication: true },
    );
  });

  it('a script serves a client blocked on a key it pushed to, after the script', async () => {
    await d.withPair(async (p) => {
      const waiter = await d.pair({ flush: false });
      try {
        waiter.write(encodeCommand(['BLPOP', 'q', '0']));
        // Let both servers take the BLPOP before the script runs.
        await sleep(100);
        await p.run([ev("redis.call('rpush', 'q', 'x') redis.call('rpush', 'q', 'y') return redis.call('llen', 'q')", '0')]);
        assert.equal(await waiter.nodis.read(), await waiter.redis.read());
        await p.run([['LRANGE', 'q', '0', '-1']]);
      } finally {
        waiter.close();
      }
    });
  });

  it('INFO counts the cached scripts', async () => {
    await d.withPair(async (p) => {
      await p.run([['SCRIPT', 'FLUSH'], ['SCRIPT', 'LOAD', 'return 1'], ['SCRIPT', 'LOAD', 'return 2']]);
      const [n] = await p.both('INFO', 'memory');
      assert.match(n!, /number_of_cached_scripts:2\r\n/);
      assert.match(n!, /used_memory_scripts_eval:[1-9]/);
      assert.match(n!, /used_memory_lua:[1-9]/);
    });
  });

  it('FUNCTION LOAD, FCALL, FCALL_RO, LIST, DELETE, FLUSH and STATS, with their errors', async () => {
    const lib1 = "#!lua name=lib1\nredis.register_function('f1', function(keys, args) return redis.call('get', keys[1]) end)";
    const lib2 =
      "#!lua name=lib2\nredis.register_function{function_name='ro', callback=function(keys, args) return x end, flags={'no-writes'}, description='d'}";
    await both([
      ['FUNCTION', 'FLUSH'],
      { cmd: ['SET', 's', 'v'], setup: true },
      ['FUNCTION', 'LOAD', lib1],
      ['FCALL', 'f1', '1', 's'],
      ['FCALL', 'F1', '1', 's'],
      err(['FCALL_RO', 'f1', '1', 's']),
      err(['FUNCTION', 'LOAD', lib1]),
      ['FUNCTION', 'LOAD', 'REPLACE', lib1],
      ['FUNCTION', 'LOAD', lib2],
      err(['FCALL', 'ro', '0']),
      err(['FCALL_RO', 'ro', 'x']),
      err(['FCALL', 'nosuch', '0']),
      err(['FCALL', 'f1', '5']),
      ['FUNCTION', 'LIST', 'LIBRARYNAME', 'lib1'],
      ['FUNCTION', 'LIST', 'WITHCODE', 'LIBRARYNAME', 'lib2'],
      err(['FUNCTION', 'LIST', 'LIBRARYNAME']),
      err(['FUNCTION', 'LIST', 'bad']),
      err(['FUNCTION', 'LIST', 'APPEND\0x']),
      err(['FUNCTION', 'LIST', '\r\n']),
      err(['FUNCTION', 'LIST', 'a\nb\r']),
      err(['FUNCTION', 'LOAD', 'x\0y', 'REPLACE', 'k']),
      ['FUNCTION', 'STATS'],
      err(['FUNCTION', 'LOAD', "#!lua name=lib3\nredis.register_function('f1', function() return 1 end)"]),
      err(['FUNCTION', 'LOAD', "#!lua name=lib3\nredis.call('ping')"]),
      err(['FUNCTION', 'LOAD', "#!lua name=lib3\nredis.register_function('f-x', function() return 1 end)"]),
      err(['FUNCTION', 'LOAD', "#!lua name=lib3\nredis.register_function{function_name='fx', callback=function() return 1 end, flags={'bad'}}"]),
      err(['FUNCTION', 'LOAD', '#!lua name=lib3\nreturn']),
      err(['FUNCTION', 'LOAD', '#!lua name=lib3\nx y']),
      err(['FUNCTION', 'LOAD', "#!lua name=lib3\nredis.register_function('a', 5)"]),
      err(['FUNCTION', 'LOAD', '#!lua\nreturn']),
      err(['FUNCTION', 'LOAD', 'return 1']),
      err(['FUNCTION', 'LOAD', '#!lua name=a name=b\nreturn']),
      err(['FUNCTION', 'LOAD', '#!lua name=x foo=y\nreturn']),
      err(['FUNCTION', 'LOAD', '#!nope name=x\nreturn']),
      err(['FUNCTION', 'LOAD', 'bad', 'x']),
      ['FUNCTION', 'LOAD', "#!lua name=\"quoted\"\nredis.register_function('q', function() return 1 end)"],
      err(['FUNCTION', 'DELETE', 'nosuch']),
      ['FUNCTION', 'DELETE', 'lib2'],
      err(['FUNCTION', 'FLUSH', 'bad']),
      err(['FUNCTION', 'FLUSH', 'sync', 'extra']),
      err(['FUNCTION', 'KILL']),
      ['FUNCTION', 'HELP'],
      ['FUNCTION', 'FLUSH', 'SYNC'],
      ['FUNCTION', 'LIST'],
    ]);
  });

  it('FUNCTION DUMP and RESTORE with the APPEND, REPLACE and FLUSH policies', async () => {
    const lib = (name: string, fn: string, ret: string) => `#!lua name=${name}\nredis.register_function('${fn}', function() return ${ret} end)`;
    await both([
      ['FUNCTION', 'FLUSH'],
      ['FUNCTION', 'DUMP'],
      ['FUNCTION', 'LOAD', lib('a', 'fa', '1')],
      ['FUNCTION', 'DUMP'],
    ]);
    await d.withPair(async (p) => {
      await p.run([['FUNCTION', 'FLUSH'], ['FUNCTION', 'LOAD', lib('a', 'fa', '1')]]);
      // Each server restores its own payload (they are byte for byte equal, as compared above).
      const dump = await p.do('FUNCTION', 'DUMP');
      const payload = dump.slice(dump.indexOf('\r\n') + 2, -2);
      await p.run([
        err(['FUNCTION', 'RESTORE', payload]),
        err(['FUNCTION', 'RESTORE', payload, 'BAD']),
        err(['FUNCTION', 'RESTORE', payload, 'APPEND', 'x']),
        err(['FUNCTION', 'RESTORE', 'garbage']),
        ['FUNCTION', 'RESTORE', payload, 'REPLACE'],
        ['FUNCTION', 'DELETE', 'a'],
        ['FUNCTION', 'LOAD', lib('b', 'fa', '2')],
        err(['FUNCTION', 'RESTORE', payload, 'REPLACE']),
        ['FCALL', 'fa', '0'],
        ['FUNCTION', 'RESTORE', payload, 'FLUSH'],
        ['FCALL', 'fa', '0'],
        ['FUNCTION', 'LIST'],
      ]);
    });
  });

  it('propagates FUNCTION LOAD, DELETE, FLUSH and what a function ran', async () => {
    await d.check(
      [
        ['FUNCTION', 'LOAD', "#!lua name=p\nredis.register_function('w', function(keys) redis.call('set', keys[1], 'x') return redis.call('incr', 'c') end)"],
        ['FCALL', 'w', '1', 'k'],
        ['FUNCTION', 'DELETE', 'p'],
        ['FUNCTION', 'FLUSH'],
      ],
      { replication: true },
    );
  });

  it('reads shebang flags as Redis does', () => {
    assert.deepEqual(shebangFlags('return 1'), { flags: SCRIPT_EVAL_COMPAT, length: 0 });
    assert.deepEqual(shebangFlags('#!lua flags=no-writes,allow-oom\nreturn 1'), { flags: SCRIPT_NO_WRITES | SCRIPT_ALLOW_OOM, length: 31 });
    assert.deepEqual(shebangFlags('#!lua flags=\nreturn 1'), { flags: 0, length: 12 });
    assert.deepEqual(shebangFlags('#!lua'), { error: 'ERR Invalid script shebang' });
  });
});

describe('scripting: the engine loads on first use', () => {
  it('a server starts without the engine; the first EVAL (pipelined, and inside MULTI) waits for it, in order', async () => {
    const server = await startServer({ port: 0, log: () => {} });
    try {
      assert.equal(scriptingIfUsed(server.server)?.ready ?? false, false);
      const conn = await RawConnection.open({ port: server.port });
      conn.write(encodeCommand(['MULTI']) + encodeCommand(['EVAL', "return redis.call('incr', 'n')", '0']) + encodeCommand(['EXEC']));
      conn.write(encodeCommand(['EVAL', "return redis.call('incr', 'n')", '0']) + encodeCommand(['GET', 'n']));
      const replies = [];
      for (let i = 0; i < 5; i++) replies.push(await conn.read());
      assert.deepEqual(replies, ['+OK\r\n', '+QUEUED\r\n', '*1\r\n:1\r\n', ':2\r\n', '$1\r\n2\r\n']);
      conn.close();
    } finally {
      await server.close();
    }
  });
});
