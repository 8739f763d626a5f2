// Expiry against a model, with the clock: random sequences of writes, expire commands, reads and
// clock moves, on a server whose clock only moves when told. The model is what Redis documents:
// a key with a time to live exists until the clock passes that time, then never again.

import { it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { localServer } from '../helpers/local.js';

interface Entry {
  value: string;
  /** Expiry time in ms, or null for a persistent key. */
  at: number | null;
}

type Op =
  | { op: 'set'; key: string; value: string; px: number | null; keepttl: boolean }
  | { op: 'pexpire'; key: string; ms: number }
  | { op: 'persist'; key: string }
  | { op: 'get'; key: string }
  | { op: 'pttl'; key: string }
  | { op: 'exists'; key: string }
  | { op: 'keys' }
  | { op: 'del'; key: string }
  | { op: 'advance'; ms: number }
  | { op: 'cycle' };

const keyArb = fc.constantFrom('a', 'b', 'c');
// Few distinct times, so sequences often land exactly on an expiry time.
const msArb = fc.constantFrom(1, 100, 1000);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('set' as const), key: keyArb, value: fc.constantFrom('x', 'y', ''), px: fc.option(msArb), keepttl: fc.boolean() }),
  fc.record({ op: fc.constant('pexpire' as const), key: keyArb, ms: fc.constantFrom(-1, 0, 1, 100, 1000) }),
  fc.record({ op: fc.constant('persist' as const), key: keyArb }),
  fc.record({ op: fc.constant('get' as const), key: keyArb }),
  fc.record({ op: fc.constant('pttl' as const), key: keyArb }),
  fc.record({ op: fc.constant('exists' as const), key: keyArb }),
  fc.record({ op: fc.constant('keys' as const) }),
  fc.record({ op: fc.constant('del' as const), key: keyArb }),
  fc.record({ op: fc.constant('advance' as const), ms: fc.constantFrom(0, 1, 99, 100, 900, 1000, 1001) }),
  fc.record({ op: fc.constant('cycle' as const) }),
);

function bulk(s: string | null): string {
  return s === null ? '$-1\r\n' : `$${s.length}\r\n${s}\r\n`;
}

it('keys expire exactly when the clock passes their time, whatever the order of operations', () => {
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
      const { clock, server, run } = localServer();
      const model = new Map<string, Entry>();
      const live = (key: string): Entry | undefined => {
        const e = model.get(key);
        if (e && e.at !== null && clock.t > e.at) {
          model.delete(key);
          return undefined;
        }
        return e;
      };
      for (const step of ops) {
        const where = JSON.stringify(step);
        switch (step.op) {
          case 'set': {
            const argv = ['SET', step.key, step.value];
            if (step.px !== null) argv.push('PX', String(step.px));
            else if (step.keepttl) argv.push('KEEPTTL');
            assert.equal(run(...argv), '+OK\r\n', where);
            const old = live(step.key);
            const at = step.px !== null ? clock.t + step.px : step.keepttl ? (old?.at ?? null) : null;
            model.set(step.key, { value: step.value, at });
            break;
          }
          case 'pexpire': {
            const e = live(step.key);
            assert.equal(run('PEXPIRE', step.key, String(step.ms)), e ? ':1\r\n' : ':0\r\n', where);
            if (e) {
              if (step.ms <= 0) model.delete(step.key);
              else e.at = clock.t + step.ms;
            }
            break;
          }
          case 'persist': {
            const e = live(step.key);
            const had = !!e && e.at !== null;
            assert.equal(run('PERSIST', step.key), had ? ':1\r\n' : ':0\r\n', where);
            if (e) e.at = null;
            break;
          }
          case 'get':
            assert.equal(run('GET', step.key), bulk(live(step.key)?.value ?? null), where);
            break;
          case 'pttl': {
            const e = live(step.key);
            const want = !e ? -2 : e.at === null ? -1 : e.at - clock.t;
            assert.equal(run('PTTL', step.key), `:${want}\r\n`, where);
            break;
          }
          case 'exists':
            assert.equal(run('EXISTS', step.key), live(step.key) ? ':1\r\n' : ':0\r\n', where);
            break;
          case 'keys': {
            const want = [...model.keys()].filter((k) => live(k)).sort();
            const reply = run('KEYS', '*');
            const got = reply.split('\r\n').filter((_, i) => i > 0 && i % 2 === 0).sort();
            assert.deepEqual(got, want, where);
            break;
          }
          case 'del': {
            const e = live(step.key);
            assert.equal(run('DEL', step.key), e ? ':1\r\n' : ':0\r\n', where);
            model.delete(step.key);
            break;
          }
          case 'advance':
            clock.advance(step.ms);
            break;
          case 'cycle':
            // The active expire cycle removes only keys whose time has passed.
            server.activeExpireCycle(100);
            for (const k of [...server.dbs[0].dict.keys()]) assert.ok(live(k), `${k} is still live after the cycle`);
            break;
        }
      }
      // After time passes every key's expiry, an active cycle leaves only persistent keys.
      clock.advance(10_000);
      server.activeExpireCycle(1000);
      const persistent = [...model.entries()].filter(([, e]) => e.at === null).map(([k]) => k).sort();
      assert.deepEqual([...server.dbs[0].dict.keys()].sort(), persistent);
    }),
    { numRuns: 300 },
  );
});
