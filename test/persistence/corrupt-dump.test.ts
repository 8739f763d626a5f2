// RESTORE of corrupted DUMP payloads (as Redis's integration/corrupt-dump-fuzzer does, in
// process and deterministic): every payload is either refused with Redis's errors or restores
// a value that every command can use and that DUMP/RESTORE round-trips. Never an internal
// error, whatever sanitize-dump-payload says (nodis always checks the encodings deeply).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { localServer } from '../helpers/local.js';
import { bulkText } from '../helpers/resp.js';
import { parseDumpPayload } from '../../src/persistence/rdb.js';
import { prng } from '../helpers/prng.js';


/** The keys Redis's fuzzer makes (generate_types), with small encoding limits so both encodings appear. */
function generateTypes(run: (...argv: string[]) => string): void {
  for (const [suffix, n] of [['', 3], ['big', 10]] as const) {
    for (let j = 0; j < n; j++) {
      const val = j % 2 === 0 ? String(j) : `_${j}`;
      run('HSET', `hash${suffix}`, String(j), val);
      run('LPUSH', `list${suffix}`, val);
      run('ZADD', `zset${suffix}`, String(j), val);
      run('SADD', `set${suffix}`, val);
      run('SADD', `intset${suffix}`, String(j * 7 - 3));
      run('XADD', `stream${suffix}`, `${j + 1}-${j}`, 'item', '1', 'value', val);
    }
  }
  run('XGROUP', 'CREATE', 'stream', 'mygroup', '0');
  run('XREADGROUP', 'GROUP', 'mygroup', 'Alice', 'COUNT', '2', 'STREAMS', 'stream', '>');
  run('XDEL', 'stream', '1-0');
  run('XACK', 'stream', 'mygroup', '2-1');
  run('XADD', 'streambig', '100-0', 'item', '1', 'unique', 'value');
  run('INCR', 'int');
  run('SET', 'string', 'str');
  run('SET', 'long', 'x'.repeat(100));
}

/** Commands that read (and change) a value of each type, as the fuzzer's traffic would. */
const TRAFFIC: Record<string, string[][]> = {
  string: [['GET', 'K'], ['STRLEN', 'K'], ['APPEND', 'K', 'z'], ['GETRANGE', 'K', '0', '-1'], ['SETRANGE', 'K', '2', 'ab']],
  list: [['LRANGE', 'K', '0', '-1'], ['LINDEX', 'K', '-1'], ['LPOS', 'K', '2'], ['LINSERT', 'K', 'BEFORE', '2', 'x'], ['RPUSH', 'K', 'y'], ['LREM', 'K', '0', '_1'], ['LTRIM', 'K', '1', '-2'], ['LPOP', 'K']],
  hash: [['HGETALL', 'K'], ['HGET', 'K', '1'], ['HSET', 'K', 'n', 'v'], ['HDEL', 'K', '2'], ['HRANDFIELD', 'K', '-5', 'WITHVALUES'], ['HSCAN', 'K', '0'], ['HINCRBY', 'K', '0', '1']],
  set: [['SMEMBERS', 'K'], ['SISMEMBER', 'K', '2'], ['SADD', 'K', 'x'], ['SREM', 'K', '2'], ['SRANDMEMBER', 'K', '-5'], ['SPOP', 'K'], ['SSCAN', 'K', '0']],
  zset: [['ZRANGE', 'K', '0', '-1', 'WITHSCORES'], ['ZRANGEBYLEX', 'K', '-', '+'], ['ZSCORE', 'K', '2'], ['ZRANK', 'K', '_1'], ['ZADD', 'K', '5', 'x'], ['ZREM', 'K', '2'], ['ZRANDMEMBER', 'K', '-5', 'WITHSCORES'], ['ZPOPMIN', 'K']],
  stream: [['XRANGE', 'K', '-', '+'], ['XREVRANGE', 'K', '+', '-'], ['XLEN', 'K'], ['XINFO', 'STREAM', 'K', 'FULL'], ['XINFO', 'GROUPS', 'K'], ['XPENDING', 'K', 'mygroup'], ['XADD', 'K', '*', 'a', 'b'], ['XTRIM', 'K', 'MAXLEN', '2'], ['XDEL', 'K', '3-2'], ['XREADGROUP', 'GROUP', 'mygroup', 'Bob', 'STREAMS', 'K', '0'], ['XAUTOCLAIM', 'K', 'mygroup', 'Bob', '0', '0']],
};

function corrupt(payload: Buffer, rand: () => number): Buffer {
  const out = Buffer.from(payload);
  const count = rand() > 0.9 ? 2 : 1;
  for (let i = 0; i < count; i++) out[Math.floor(rand() * out.length)] = Math.floor(rand() * 255);
  return out;
}

function typeOf(reply: string): string {
  return reply.slice(1, -2);
}

for (const sanitize of ['no', 'yes']) {
  describe(`RESTORE of corrupted payloads, sanitize-dump-payload ${sanitize}`, () => {
    it('answers Redis\'s errors or restores a usable value; never an internal error', () => {
      const seed = Number(process.env.FUZZ_SEED ?? 20261201);
      const rounds = Number(process.env.FUZZ_RUNS ?? 1500);
      const rand = prng(seed);
      const { server, run } = localServer({
        'sanitize-dump-payload': sanitize,
        'enable-debug-command': 'yes',
        'list-max-listpack-size': '5',
        'hash-max-listpack-entries': '5',
        'zset-max-listpack-entries': '5',
        'stream-node-max-entries': '5',
      });
      let faults = 0;
      server.logFault = (context: string, e: unknown) => {
        faults++;
        assert.fail(`internal error (seed ${seed}): ${context}: ${e instanceof Error ? e.stack : String(e)}`);
      };
      generateTypes(run);
      assert.equal(run('DEBUG', 'SET-SKIP-CHECKSUM-VALIDATION', '1'), '+OK\r\n');
      const keys = ['hash', 'list', 'zset', 'set', 'intset', 'stream', 'hashbig', 'listbig', 'zsetbig', 'setbig', 'intsetbig', 'streambig', 'int', 'string', 'long'];
      const dumps = keys.map((k) => Buffer.from(bulkText(run('DUMP', k)), 'latin1'));
      let restored = 0;
      for (let i = 0; i < rounds; i++) {
        const which = Math.floor(rand() * keys.length);
        const payload = corrupt(dumps[which], rand);
        const reply = run('RESTORE', '_k', '0', payload.toString('latin1'), 'REPLACE');
        if (reply !== '+OK\r\n') {
          assert.match(reply, /^-ERR (Bad data format|DUMP payload version or checksum are wrong)/, `seed ${seed} round ${i}: ${reply}`);
          continue;
        }
        restored++;
        const type = typeOf(run('TYPE', '_k'));
        for (const cmd of TRAFFIC[type] ?? []) {
          const r = run(...cmd.map((a) => (a === 'K' ? '_k' : a)));
          assert.ok(!r.includes('internal error'), `seed ${seed} round ${i}: ${cmd.join(' ')}: ${r}`);
          if (run('EXISTS', '_k') === ':0\r\n') break;
        }
        // Whatever is left serialises and loads back: the value is a valid one.
        if (run('EXISTS', '_k') === ':1\r\n') {
          const again = bulkText(run('DUMP', '_k'));
          assert.equal(run('DEBUG', 'SET-SKIP-CHECKSUM-VALIDATION', '0'), '+OK\r\n');
          const back = run('RESTORE', '_copy', '0', again, 'REPLACE');
          if (back !== '+OK\r\n') {
            let why = '';
            try {
              parseDumpPayload(Buffer.from(again, 'latin1'));
            } catch (e) {
              why = (e as Error).message;
            }
            assert.fail(`seed ${seed} round ${i}: ${keys[which]} restored from ${payload.toString('hex')}, its DUMP does not load back: ${why}`);
          }
          assert.equal(run('DEBUG', 'DIGEST-VALUE', '_k'), run('DEBUG', 'DIGEST-VALUE', '_copy'));
          assert.equal(run('DEBUG', 'SET-SKIP-CHECKSUM-VALIDATION', '1'), '+OK\r\n');
        }
      }
      assert.equal(faults, 0);
      assert.ok(restored > 0, 'some corrupted payloads still restore');
    });
  });
}

describe('RESTORE checks', () => {
  it('a checksum is checked unless DEBUG SET-SKIP-CHECKSUM-VALIDATION 1', () => {
    const { run } = localServer({ 'enable-debug-command': 'yes' });
    run('SET', 'k', 'v');
    const payload = Buffer.from(bulkText(run('DUMP', 'k')), 'latin1');
    payload[payload.length - 1] ^= 0xff;
    assert.equal(run('RESTORE', 'k2', '0', payload.toString('latin1')), '-ERR DUMP payload version or checksum are wrong\r\n');
    assert.equal(run('DEBUG', 'SET-SKIP-CHECKSUM-VALIDATION', '1'), '+OK\r\n');
    assert.equal(run('RESTORE', 'k2', '0', payload.toString('latin1')), '+OK\r\n');
    assert.equal(run('GET', 'k2'), '$1\r\nv\r\n');
  });

  it('a stream whose length disagrees with its entries, or an entry with a wrong lp-count, is bad data', () => {
    const { run } = localServer({ 'enable-debug-command': 'yes' });
    run('DEBUG', 'SET-SKIP-CHECKSUM-VALIDATION', '1');
    run('XADD', 's', '1-1', 'f', 'v');
    const payload = Buffer.from(bulkText(run('DUMP', 's')), 'latin1');
    // Every byte changed in turn: each restore either fails cleanly or gives a consistent stream.
    for (let i = 1; i < payload.length - 10; i++) {
      const p = Buffer.from(payload);
      p[i] = (p[i] + 1) & 0xff;
      const r = run('RESTORE', 'x', '0', p.toString('latin1'), 'REPLACE');
      if (r === '+OK\r\n') {
        const len = run('XLEN', 'x');
        const entries = run('XRANGE', 'x', '-', '+');
        assert.equal(Number(len.slice(1, -2)), Number(entries.slice(1, entries.indexOf('\r\n'))), `byte ${i}`);
      } else {
        assert.match(r, /^-ERR Bad data format/, `byte ${i}`);
      }
    }
  });
});
