// Keyspace notifications against real Redis: the notify-keyspace-events setting, and the exact
// messages every write command (and expiry, and read misses) publishes, in order.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Differential, differentialSuite } from '../helpers/differential.js';
import { RawConnection, encodeCommand } from '../helpers/resp.js';

/** A step: a command whose replies must match, or a pause (for expiry). */
type EventStep = string[] | { sleep: number } | { cmd: string[]; typeOnly?: boolean };

interface EventOptions {
  /** Connections switch to RESP3 first. */
  resp3?: boolean;
  /** Commands run before the capture starts (their events are not compared). */
  setup?: string[][];
}

/** One published message as readable text: "channel => message" (pattern-matched or not). */
function describeMessage(frame: string): string {
  const parts: string[] = [];
  let p = frame.indexOf('\r\n') + 2;
  while (p < frame.length) {
    const nl = frame.indexOf('\r\n', p);
    const len = Number(frame.slice(p + 1, nl));
    parts.push(frame.slice(nl + 2, nl + 2 + len));
    p = nl + 2 + len + 2;
  }
  const [channel, message] = parts[0] === 'pmessage' ? [parts[2], parts[3]] : [parts[1], parts[2]];
  return `${JSON.stringify(channel)} => ${JSON.stringify(message)}`;
}

/**
 * Runs steps on both servers with notify-keyspace-events set to flags (the shared harness's
 * withEvents), comparing every reply and the exact keyspace messages both servers published, in
 * order. Returns them as "channel => message" lines.
 */
async function events(d: Differential, flags: string, steps: EventStep[], opts: EventOptions = {}): Promise<string[]> {
  const setup = await d.pair({ resp3: opts.resp3 });
  try {
    for (const cmd of opts.setup ?? []) await setup.do(...cmd);
  } finally {
    setup.close();
  }
  try {
    const captured = await d.withEvents(
      async (p) => {
        for (const s of steps) {
          if ('sleep' in s) await new Promise((r) => setTimeout(r, s.sleep));
          else if (Array.isArray(s)) await p.do(...s);
          else if (s.typeOnly) await p.typeOnly(...s.cmd);
          else await p.do(...s.cmd);
        }
      },
      { events: flags, flush: false, resp3: opts.resp3 },
    );
    const lines = captured.nodis.map(describeMessage);
    // EVENTS_DEBUG=1 prints what was compared.
    if (process.env.EVENTS_DEBUG) console.log(`-- ${flags}\n${lines.join('\n')}`);
    return lines;
  } finally {
    const [n, o] = await d.connect();
    for (const c of [n, o]) {
      await c.call('DEBUG', 'SET-ACTIVE-EXPIRE', '1');
      c.close();
    }
  }
}

/** A unix time in seconds / ms well in the future, and one in the past. */
const FUTURE_S = String(Math.floor(Date.now() / 1000) + 100000);
const FUTURE_MS = String(Date.now() + 100000000);

describe('notify-keyspace-events setting', differentialSuite(), () => {
  const d = new Differential();
  before(() => d.start());
  after(() => d.stop());

  it('CONFIG SET / GET round trips and errors', async () => {
    const values = [
      '', 'K', 'E', 'A', 'KEA', 'AKE', 'KEAnm', 'Kx', 'E$', 'Eg', 'g$lshzxeKEtmdn', 'An', 'Ad', 'Am',
      'nm', 'x', 'KA', 'AA', 'Z', 'K E', 'K\x00E', '\x00', 'a', 'kea', 'gg', 'Ag$lshzxeKEtmdn',
      'g$lshzxetd', 'g$lshzxet', 'KEd', 'Kl', 'Eh', 'Ez', 'Ets', 'Ee', 'KEx', 'm', 'n', 'd', '$',
      'KEA\xff', 'KEA ', 'EKmnA',
    ];
    const steps: string[][] = [];
    for (const v of values) {
      steps.push(['CONFIG', 'SET', 'notify-keyspace-events', v]);
      steps.push(['CONFIG', 'GET', 'notify-keyspace-events']);
    }
    steps.push(['CONFIG', 'SET', 'notify-keyspace-events', 'KEA', 'notify-keyspace-events', 'x']);
    steps.push(['CONFIG', 'SET', 'notify-keyspace-events', 'Z', 'maxmemory', '1']);
    steps.push(['CONFIG', 'GET', 'notify-keyspace-events']);
    steps.push(['CONFIG', 'SET', 'notify-keyspace-events', '']);
    await d.check(steps);
  });
});

describe('keyspace events', differentialSuite(), () => {
  const d = new Differential();
  before(() => d.start());
  after(() => d.stop());

  const ev = (flags: string, steps: EventStep[], opts?: EventOptions): Promise<string[]> => events(d, flags, steps, opts);

  it('a sanity check of the capture: SET publishes on both channels', async () => {
    const got = await ev('KEA', [['SET', 'k', 'v']]);
    assert.deepEqual(got, ['"__keyspace@0__:k" => "set"', '"__keyevent@0__:set" => "k"']);
  });

  it('the classes select events: K, E, A, g, $, x, n, m', async () => {
    const seq: EventStep[] = [
      ['SET', 'k', 'v'],
      ['GET', 'missing'],
      ['EXPIRE', 'k', '100'],
      ['APPEND', 'k', 'x'],
      ['DEL', 'k'],
      ['SET', 'e', 'v', 'PX', '1'],
      { sleep: 20 },
      ['GET', 'e'],
    ];
    for (const flags of ['KEA', 'KEAnm', 'Kx', 'E$', 'Eg', 'KA', 'EA', 'Kn', 'Em', 'K$gxnm', 'A', 'K', 'E', 'Kgn', 'AKEm']) {
      await ev(flags, seq);
    }
  });

  it('SET with every option', async () => {
    await ev('KEAnm', [
      ['SET', 'a', '1'],
      ['SET', 'a', '2'],
      ['SET', 'b', '1', 'EX', '100'],
      ['SET', 'b', '1', 'PX', '100000'],
      ['SET', 'c', '1', 'EXAT', FUTURE_S],
      ['SET', 'c', '1', 'PXAT', FUTURE_MS],
      ['SET', 'c', '2', 'KEEPTTL'],
      ['SET', 'c', '3'],
      ['SET', 'a', 'x', 'NX'],
      ['SET', 'new', 'x', 'NX'],
      ['SET', 'missing', 'x', 'XX'],
      ['SET', 'a', 'y', 'XX'],
      ['SET', 'a', 'z', 'GET'],
      ['SET', 'g', 'z', 'GET'],
      ['SET', 'a', 'w', 'NX', 'GET'],
      ['SET', 'h', 'w', 'XX', 'GET'],
      ['SET', 'a', 'w', 'XX', 'GET', 'EX', '10'],
      ['SET', 'd', '1', 'EX', '0'],
      ['SET', 'd', '1', 'EX', 'abc'],
      ['SET', 'd', '1', 'NX', 'XX'],
      ['SET', 'p', '1', 'EXAT', '1'],
      ['SET', 'p', '1', 'PXAT', '1'],
      ['EXISTS', 'p'],
    ]);
  });

  it('SETNX, SETEX, PSETEX, GETSET, GETDEL, MSET, MSETNX', async () => {
    await ev('KEAnm', [
      ['SETNX', 'a', '1'],
      ['SETNX', 'a', '2'],
      ['SETEX', 'b', '100', 'v'],
      ['SETEX', 'b', '0', 'v'],
      ['PSETEX', 'c', '100000', 'v'],
      ['PSETEX', 'c', '-1', 'v'],
      ['GETSET', 'a', 'new'],
      ['GETSET', 'fresh', 'v'],
      ['GETDEL', 'a'],
      ['GETDEL', 'a'],
      ['MSET', 'm1', '1', 'm2', '2', 'm1', '3'],
      ['MSETNX', 'm1', '1', 'm9', '2'],
      ['MSETNX', 'n1', '1', 'n2', '2'],
      ['MSET', 'x'],
    ]);
  });

  it('GETEX with every option', async () => {
    await ev('KEAnm', [
      ['SET', 'k', 'v'],
      ['GETEX', 'k'],
      ['GETEX', 'k', 'EX', '100'],
      ['GETEX', 'k', 'PX', '100000'],
      ['GETEX', 'k', 'EXAT', FUTURE_S],
      ['GETEX', 'k', 'PXAT', FUTURE_MS],
      ['GETEX', 'k', 'PERSIST'],
      ['GETEX', 'k', 'PERSIST'],
      ['GETEX', 'missing', 'EX', '10'],
      ['GETEX', 'missing'],
      ['GETEX', 'k', 'EX', '0'],
      ['GETEX', 'k', 'EXAT', '1'],
      ['EXISTS', 'k'],
      ['SET', 'k', 'v'],
      ['GETEX', 'k', 'PXAT', '1'],
      ['SET', 'k', 'v'],
      ['GETEX', 'k', 'EX', '100', 'PERSIST'],
    ]);
  });

  it('counters, APPEND and SETRANGE', async () => {
    await ev('KEAnm', [
      ['INCR', 'n'],
      ['INCRBY', 'n', '10'],
      ['DECR', 'n'],
      ['DECRBY', 'n', '5'],
      ['DECR', 'fresh'],
      ['INCRBYFLOAT', 'f', '1.5'],
      ['INCRBYFLOAT', 'f', '1e400'],
      ['SET', 's', 'abc'],
      ['INCR', 's'],
      ['APPEND', 's', 'def'],
      ['APPEND', 'newa', 'x'],
      ['APPEND', 'newa', ''],
      ['SETRANGE', 's', '1', 'XY'],
      ['SETRANGE', 's', '1', ''],
      ['SETRANGE', 'newr', '2', 'x'],
      ['SETRANGE', 'empty', '0', ''],
      ['SETRANGE', 's', '-1', 'x'],
    ]);
  });

  it('counters on a key with a time to live keep it', async () => {
    await ev('KEAnm', [
      ['SET', 'n', '1', 'EX', '100'],
      ['INCR', 'n'],
      ['INCRBYFLOAT', 'n', '0.5'],
      ['APPEND', 'n', '0'],
      ['SETRANGE', 'n', '0', '9'],
      ['TTL', 'n'],
    ]);
  });

  it('DEL, UNLINK, EXPIRE family (options, past times), PERSIST', async () => {
    await ev('KEAnm', [
      ['MSET', 'a', '1', 'b', '2', 'c', '3', 'd', '4', 'e', '5'],
      ['DEL', 'a', 'missing', 'a'],
      ['UNLINK', 'b', 'missing'],
      ['EXPIRE', 'c', '100'],
      ['EXPIRE', 'c', '200', 'NX'],
      ['EXPIRE', 'c', '200', 'XX'],
      ['EXPIRE', 'c', '50', 'GT'],
      ['EXPIRE', 'c', '50', 'LT'],
      ['PEXPIRE', 'c', '100000'],
      ['EXPIREAT', 'c', FUTURE_S],
      ['PEXPIREAT', 'c', FUTURE_MS],
      ['EXPIRE', 'missing', '10'],
      ['PERSIST', 'c'],
      ['PERSIST', 'c'],
      ['PERSIST', 'missing'],
      ['EXPIRE', 'c', '0'],
      ['EXPIRE', 'd', '-5'],
      ['PEXPIREAT', 'e', '1'],
      ['SET', 'f', '1'],
      ['EXPIREAT', 'f', '1', 'NX'],
      ['SET', 'g', '1'],
      ['PEXPIRE', 'g', '0', 'XX'],
      ['EXPIRE', 'g', 'x'],
    ]);
  });

  it('RENAME and RENAMENX: overwrite, same key, with a time to live', async () => {
    await ev('KEAnm', [
      ['SET', 'a', '1'],
      ['RENAME', 'a', 'b'],
      ['SET', 'c', '2', 'EX', '100'],
      ['RENAME', 'c', 'b'],
      ['RENAME', 'b', 'b'],
      ['RENAME', 'missing', 'x'],
      ['SET', 'x', '1'],
      ['RENAMENX', 'x', 'b'],
      ['RENAMENX', 'x', 'y'],
      ['RENAMENX', 'y', 'y'],
      ['RENAMENX', 'missing', 'z'],
    ]);
  });

  it('MOVE, COPY (REPLACE, DB), SWAPDB', async () => {
    await ev('KEAnm', [
      ['SET', 'a', '1'],
      ['MOVE', 'a', '1'],
      ['MOVE', 'a', '1'],
      ['SET', 'a', '2'],
      ['MOVE', 'a', '1'],
      ['MOVE', 'a', '0'],
      ['SET', 'b', '1', 'EX', '100'],
      ['COPY', 'b', 'c'],
      ['COPY', 'b', 'c'],
      ['COPY', 'b', 'c', 'REPLACE'],
      ['COPY', 'b', 'd', 'DB', '2'],
      ['COPY', 'b', 'd', 'DB', '2', 'REPLACE'],
      ['COPY', 'missing', 'e'],
      ['COPY', 'b', 'b'],
      ['SWAPDB', '0', '2'],
      ['SWAPDB', '1', '1'],
      ['SELECT', '2'],
      ['SET', 'in2', 'x'],
      ['DEL', 'in2'],
    ]);
  });

  it('FLUSHDB and FLUSHALL', async () => {
    await ev('KEAnm', [
      ['SET', 'a', '1'],
      ['SET', 'b', '1', 'EX', '100'],
      ['FLUSHDB'],
      ['SET', 'a', '1'],
      ['SELECT', '3'],
      ['SET', 'a', '1'],
      ['FLUSHALL'],
      ['FLUSHALL', 'ASYNC'],
      ['FLUSHDB', 'SYNC'],
    ]);
  });

  it('lazy expiry on reads and writes, with active expiry off', async () => {
    await ev('KEAnm', [
      ['DEBUG', 'SET-ACTIVE-EXPIRE', '0'],
      ['SET', 'a', '1', 'PX', '30'],
      ['SET', 'b', '1', 'PX', '30'],
      ['SET', 'c', '1', 'PX', '30'],
      ['SET', 'd', '1', 'PX', '30'],
      ['SET', 'e', '1', 'PX', '30'],
      ['SET', 'f', '1', 'PX', '30'],
      ['SET', 'g', '1', 'PX', '30'],
      ['SET', 'h', '1', 'PX', '30'],
      ['SET', 'i', '1', 'PX', '30'],
      ['SET', 'j', '1', 'PX', '30'],
      { sleep: 60 },
      ['GET', 'a'],
      ['EXISTS', 'b'],
      ['TTL', 'c'],
      ['SET', 'd', '2'],
      ['INCR', 'e'],
      ['DEL', 'f'],
      ['EXPIRE', 'g', '100'],
      ['TYPE', 'h'],
      ['RENAME', 'i', 'x'],
      ['APPEND', 'j', 'x'],
      ['DBSIZE'],
    ]);
  });

  it('lazy expiry seen by writes that look the key up first', async () => {
    const keys = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', 'p', 'q'];
    await ev('KEAnm', [
      ['DEBUG', 'SET-ACTIVE-EXPIRE', '0'],
      ...keys.map((k) => ['SET', k, '1', 'PX', '30']),
      ['SET', 'live', '1'],
      ['SELECT', '1'],
      ['SET', 'm', '1', 'PX', '30'],
      ['SET', 'n', '1', 'PX', '30'],
      ['SELECT', '0'],
      { sleep: 60 },
      ['SET', 'a', 'x', 'GET'],
      ['SET', 'b', 'x', 'NX'],
      ['SET', 'c', 'x', 'XX'],
      ['SET', 'd', 'x', 'KEEPTTL'],
      ['GETSET', 'e', 'x'],
      ['MSETNX', 'f', 'x', 'g', 'y'],
      ['MSET', 'g', 'x', 'h', 'y'],
      ['SETRANGE', 'i', '0', 'x'],
      ['INCRBYFLOAT', 'j', '1'],
      ['PERSIST', 'k'],
      ['EXPIRE', 'l', '100', 'GT'],
      ['MOVE', 'live', '1'],
      ['SELECT', '1'],
      ['MOVE', 'n', '0'],
      ['SELECT', '0'],
      ['RENAME', 'live', 'o'],
      ['SET', 'live', '1'],
      ['RENAMENX', 'live', 'p'],
      ['SET', 'live', '1'],
      ['COPY', 'live', 'q'],
      ['SET', 'live', '1'],
      ['COPY', 'live', 'm', 'DB', '1'],
      ['PSETEX', 'live', '10', 'v'],
      ['SETEX', 'nope', '10', 'v'],
    ]);
  });

  it("'A' with 'n' renders as 'AKE' but still publishes new", async () => {
    await ev('KEAn', [['SET', 'k', 'v'], ['CONFIG', 'GET', 'notify-keyspace-events'], ['SET', 'k2', 'v']]);
  });

  it('lazy expiry seen by more reads', async () => {
    const keys = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n'];
    await ev('KEAnm', [
      ['DEBUG', 'SET-ACTIVE-EXPIRE', '0'],
      ...keys.map((k) => ['SET', k, 'val', 'PX', '30']),
      { sleep: 60 },
      ['MGET', 'a', 'b', 'zz'],
      ['STRLEN', 'c'],
      ['GETRANGE', 'd', '0', '1'],
      ['LCS', 'e', 'f'],
      ['OBJECT', 'ENCODING', 'g'],
      ['TOUCH', 'h', 'zz'],
      ['PTTL', 'i'],
      ['GETEX', 'j', 'PERSIST'],
      ['GETDEL', 'k'],
      ['SETNX', 'l', 'x'],
      ['MOVE', 'm', '1'],
      ['COPY', 'n', 'nn'],
    ]);
  });

  it('expired keys seen by KEYS, SCAN, RANDOMKEY and DBSIZE', async () => {
    await ev('KEAnm', [
      ['DEBUG', 'SET-ACTIVE-EXPIRE', '0'],
      ['SET', 'a', '1', 'PX', '30'],
      ['SET', 'b', '1', 'PX', '30'],
      { sleep: 60 },
      ['KEYS', '*'],
      ['DBSIZE'],
      // (One key per SCAN: Redis visits keys in hash order.)
      ['SCAN', '0', 'MATCH', 'a', 'TYPE', 'string'],
      ['SCAN', '0'],
      ['SET', 'c', '1', 'PX', '30'],
      { sleep: 60 },
      ['RANDOMKEY'],
    ]);
  });

  it('active expiry', async () => {
    await ev('KEAnm', [
      ['SET', 'a', '1', 'PX', '20'],
      ['SET', 'b', '1', 'EX', '100'],
      { sleep: 400 },
      ['EXISTS', 'a'],
    ]);
  });

  it('keymiss on every read command', async () => {
    await ev('KEAm', [
      ['GET', 'nx'],
      ['MGET', 'nx1', 'nx2'],
      ['STRLEN', 'nx'],
      ['GETRANGE', 'nx', '0', '1'],
      ['SUBSTR', 'nx', '0', '1'],
      ['LCS', 'nx1', 'nx2'],
      ['GETEX', 'nx'],
      ['GETDEL', 'nx'],
      ['GETSET', 'nx', 'v'],
      ['SET', 'nx2', 'v', 'GET'],
      ['TYPE', 'nx'],
      ['EXISTS', 'nx', 'nx2'],
      ['TTL', 'nx'],
      ['PTTL', 'nx'],
      ['EXPIRETIME', 'nx'],
      ['PEXPIRETIME', 'nx'],
      ['TOUCH', 'nx', 'nx2'],
      ['OBJECT', 'ENCODING', 'nx'],
      ['OBJECT', 'REFCOUNT', 'nx'],
      ['OBJECT', 'IDLETIME', 'nx'],
      ['OBJECT', 'FREQ', 'nx'],
      ['COPY', 'nx', 'dst'],
      ['RENAME', 'nx', 'dst'],
      ['MOVE', 'nx', '1'],
      ['DEBUG', 'OBJECT', 'nx'],
      ['SCAN', '0', 'MATCH', 'nx', 'TYPE', 'string'],
      ['SCAN', '0', 'MATCH', 'nx', 'TYPE', 'list'],
      ['INCR', 'fresh'],
      ['APPEND', 'fresh2', 'x'],
      ['EXPIRE', 'nx', '10'],
      ['PERSIST', 'nx'],
      ['DEL', 'nx'],
      ['SETRANGE', 'nx3', '0', ''],
    ]);
  });

  it('keymiss and new: hits publish nothing, and a key created by a write is new', async () => {
    await ev('KEAnm', [
      ['SET', 'k', 'v'],
      ['GET', 'k'],
      ['MGET', 'k', 'nx'],
      ['EXISTS', 'k'],
      ['TYPE', 'k'],
      ['OBJECT', 'ENCODING', 'k'],
      ['LCS', 'k', 'k'],
      ['SCAN', '0', 'TYPE', 'string'],
      ['SCAN', '0', 'TYPE', 'hash'],
      ['SET', 'k', 'w'],
      ['DEL', 'k'],
      ['SET', 'k', 'w'],
    ]);
  });

  it('DEBUG POPULATE', async () => {
    await ev('KEAnm', [
      ['SET', 'key:1', 'x'],
      ['DEBUG', 'POPULATE', '3'],
      ['DEBUG', 'POPULATE', '2', 'p', '10'],
    ]);
  });

  it('events in other databases name their database', async () => {
    await ev('KEA', [
      ['SELECT', '5'],
      ['SET', 'k', 'v'],
      ['EXPIRE', 'k', '100'],
      ['SELECT', '15'],
      ['SET', 'k', 'v'],
    ]);
  });

  it('binary keys', async () => {
    await ev('KEAnm', [
      ['SET', '\x00\xff\r\nkey', 'v'],
      ['GET', '\x00\xffmissing'],
      ['DEL', '\x00\xff\r\nkey'],
      ['SET', '', 'empty'],
    ]);
  });

  it('a RESP3 client gets its own events before its reply', async () => {
    const { nodis: n, redis: o } = await d.pair({ resp3: true });
    try {
      for (const c of [n, o]) {
        assert.equal(await c.call('CONFIG', 'SET', 'notify-keyspace-events', 'KEA'), '+OK\r\n');
        await c.call('PSUBSCRIBE', '__keyevent@*');
      }
      let rn = '';
      let ro = '';
      for (const [c, set] of [
        [n, (s: string) => (rn += s)],
        [o, (s: string) => (ro += s)],
      ] as const) {
        c.write(encodeCommand(['SET', 'k', 'v']));
        c.write(encodeCommand(['ECHO', 'end']));
        for (;;) {
          const r = await c.read();
          assert.ok(r !== null);
          if (r === '$3\r\nend\r\n') break;
          set(r);
        }
      }
      assert.equal(rn, ro);
      assert.equal(rn, '>4\r\n$8\r\npmessage\r\n$12\r\n__keyevent@*\r\n$18\r\n__keyevent@0__:set\r\n$1\r\nk\r\n+OK\r\n');
    } finally {
      for (const c of [n, o]) {
        await c.call('CONFIG', 'SET', 'notify-keyspace-events', '');
        c.close();
      }
    }
  });
});
