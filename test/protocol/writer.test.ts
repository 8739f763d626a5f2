// The reply writer's bytes for every RESP2/RESP3 type, double formatting against the C library's
// printf("%.17g"), and the same replies read off real Redis where it can produce them.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { ReplyWriter, SharedFrame, formatDouble17g, type Resp } from '../../src/protocol/writer.js';
import { startOracle, type Oracle } from '../helpers/oracle.js';
import { differentialSuite } from '../helpers/differential.js';
import { encodeCommand } from '../helpers/resp.js';

function bytesOf(resp: Resp, write: (w: ReplyWriter) => void): string {
  const w = new ReplyWriter();
  w.resp = resp;
  write(w);
  return w.out;
}

/** [what, writer calls, RESP2 bytes, RESP3 bytes] */
const TYPES: Array<[string, (w: ReplyWriter) => void, string, string]> = [
  ['ok', (w) => w.ok(), '+OK\r\n', '+OK\r\n'],
  ['simple', (w) => w.simple('PONG'), '+PONG\r\n', '+PONG\r\n'],
  ['simple with CR/LF', (w) => w.simple('\ra\nb\n'), '+ a b \r\n', '+ a b \r\n'],
  ['error', (w) => w.error('ERR syntax error'), '-ERR syntax error\r\n', '-ERR syntax error\r\n'],
  ['error code', (w) => w.error('WRONGTYPE Operation'), '-WRONGTYPE Operation\r\n', '-WRONGTYPE Operation\r\n'],
  ['error with inner newlines', (w) => w.error('ERR a\r\nb\nc'), '-ERR a  b c\r\n', '-ERR a  b c\r\n'],
  ['error with trailing newlines', (w) => w.error('ERR foo\n\r\n'), '-ERR foo\r\n', '-ERR foo\r\n'],
  ['integer 0', (w) => w.integer(0), ':0\r\n', ':0\r\n'],
  ['integer -1', (w) => w.integer(-1), ':-1\r\n', ':-1\r\n'],
  ['integer int64 max', (w) => w.integer(9223372036854775807n), ':9223372036854775807\r\n', ':9223372036854775807\r\n'],
  ['integer int64 min', (w) => w.integer(-9223372036854775808n), ':-9223372036854775808\r\n', ':-9223372036854775808\r\n'],
  ['bulk', (w) => w.bulk('hello'), '$5\r\nhello\r\n', '$5\r\nhello\r\n'],
  ['empty bulk', (w) => w.bulk(''), '$0\r\n\r\n', '$0\r\n\r\n'],
  ['binary bulk', (w) => w.bulk('\0\r\n\xff'), '$4\r\n\0\r\n\xff\r\n', '$4\r\n\0\r\n\xff\r\n'],
  ['bulkOrNull value', (w) => w.bulkOrNull('x'), '$1\r\nx\r\n', '$1\r\nx\r\n'],
  ['bulkOrNull null', (w) => w.bulkOrNull(null), '$-1\r\n', '_\r\n'],
  ['null bulk', (w) => w.nullBulk(), '$-1\r\n', '_\r\n'],
  ['null array', (w) => w.nullArray(), '*-1\r\n', '_\r\n'],
  ['empty array', (w) => w.arrayLen(0), '*0\r\n', '*0\r\n'],
  ['array', (w) => { w.arrayLen(2); w.integer(1); w.bulk('a'); }, '*2\r\n:1\r\n$1\r\na\r\n', '*2\r\n:1\r\n$1\r\na\r\n'],
  ['map', (w) => { w.mapLen(1); w.bulk('k'); w.integer(7); }, '*2\r\n$1\r\nk\r\n:7\r\n', '%1\r\n$1\r\nk\r\n:7\r\n'],
  ['empty map', (w) => w.mapLen(0), '*0\r\n', '%0\r\n'],
  ['set', (w) => { w.setLen(1); w.bulk('m'); }, '*1\r\n$1\r\nm\r\n', '~1\r\n$1\r\nm\r\n'],
  ['push', (w) => { w.pushLen(2); w.bulk('message'); w.integer(1); }, '*2\r\n$7\r\nmessage\r\n:1\r\n', '>2\r\n$7\r\nmessage\r\n:1\r\n'],
  ['double', (w) => w.double(1.5), '$3\r\n1.5\r\n', ',1.5\r\n'],
  ['double 0.1', (w) => w.double(0.1), '$19\r\n0.10000000000000001\r\n', ',0.10000000000000001\r\n'],
  ['double inf', (w) => w.double(Infinity), '$3\r\ninf\r\n', ',inf\r\n'],
  ['double -inf', (w) => w.double(-Infinity), '$4\r\n-inf\r\n', ',-inf\r\n'],
  ['double nan', (w) => w.double(NaN), '$3\r\nnan\r\n', ',nan\r\n'],
  ['double -0', (w) => w.double(-0), '$2\r\n-0\r\n', ',-0\r\n'],
  ['double exponent', (w) => w.double(1e100), '$6\r\n1e+100\r\n', ',1e+100\r\n'],
  ['true', (w) => w.bool(true), ':1\r\n', '#t\r\n'],
  ['false', (w) => w.bool(false), ':0\r\n', '#f\r\n'],
  ['big number', (w) => w.bigNumber('1234567999999999999999999999999999999'),
    '$37\r\n1234567999999999999999999999999999999\r\n', '(1234567999999999999999999999999999999\r\n'],
  ['verbatim', (w) => w.verbatim('a\nb'), '$3\r\na\nb\r\n', '=7\r\ntxt:a\nb\r\n'],
  ['verbatim markdown', (w) => w.verbatim('# x', 'mkd'), '$3\r\n# x\r\n', '=7\r\nmkd:# x\r\n'],
  ['bulk array', (w) => w.bulkArray(['a', '', 'bc']), '*3\r\n$1\r\na\r\n$0\r\n\r\n$2\r\nbc\r\n', '*3\r\n$1\r\na\r\n$0\r\n\r\n$2\r\nbc\r\n'],
  ['bulk-or-null array', (w) => w.bulkOrNullArray(['a', null]), '*2\r\n$1\r\na\r\n$-1\r\n', '*2\r\n$1\r\na\r\n_\r\n'],
  ['raw', (w) => w.raw('+X\r\n'), '+X\r\n', '+X\r\n'],
];

describe('writer: bytes of every reply type', () => {
  for (const [what, write, resp2, resp3] of TYPES) {
    it(`${what} (RESP2)`, () => assert.equal(bytesOf(2, write), resp2));
    it(`${what} (RESP3)`, () => assert.equal(bytesOf(3, write), resp3));
  }

  it('counts error replies through countError', () => {
    const seen: string[] = [];
    class Counting extends ReplyWriter {
      protected override countError(msg: string): void {
        seen.push(msg);
      }
    }
    const w = new Counting();
    w.error('ERR x\ny');
    w.ok();
    assert.deepEqual(seen, ['ERR x y']);
  });
});

const view = new DataView(new ArrayBuffer(8));

/** A double as a C hex-float literal: exact, so printf formats exactly this double. */
function hexFloat(d: number): string {
  view.setFloat64(0, d);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const sign = hi >>> 31 ? '-' : '';
  const biased = (hi >>> 20) & 0x7ff;
  const mant = (hi & 0xfffff).toString(16).padStart(5, '0') + lo.toString(16).padStart(8, '0');
  return biased === 0 ? `${sign}0x0.${mant}p-1022` : `${sign}0x1.${mant}p${biased - 1023}`;
}

/** Deterministic pseudo-random numbers (xorshift), so a failure can be reproduced. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

function sampleDoubles(): number[] {
  const vals = [
    0.1, 0.2, 0.3, 1 / 3, 2 / 3, 1.5, Math.PI, Math.E, 3.141, 1e16, 1e17, 1.5e17, 1e21, 1e22, 1e100, 1e-5, 1e-4,
    0.0001234, 0.00001234, 123456789.123, -2.5, 2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, 2 ** 60, 2 ** 63, 2 ** 64, 2 ** 70 + 2 ** 20,
    99999999999999999, 1.7976931348623157e308, 5e-324, 2.2250738585072014e-308, 2.225073858507201e-308, 4.35, 100.1,
    1.0000000000000002, 0.9999999999999999, 12345678901234567, 123456789012345678,
    // Exact ties at the 17th digit, where glibc rounds to even and a naive rounding goes up.
    2 ** -25, 2 ** -26 * 3, 1234567890123456.25, 1234567890123456.75, 2 ** -40, 2 ** -50, 2 ** -60, 1e23,
  ];
  const r = rng(12345);
  for (let i = 0; i < 2500; i++) {
    switch (i % 5) {
      case 0:
        vals.push(r());
        break;
      case 1:
        vals.push((r() - 0.5) * 10 ** Math.floor(r() * 60 - 30));
        break;
      case 2: {
        view.setUint32(0, (r() * 2 ** 32) >>> 0);
        view.setUint32(4, (r() * 2 ** 32) >>> 0);
        const v = view.getFloat64(0);
        if (Number.isFinite(v)) vals.push(v);
        break;
      }
      case 3: // odd multiples of powers of two: many exact decimal expansions, some ties
        vals.push((Math.floor(r() * 2 ** 30) * 2 + 1) * 2 ** -(Math.floor(r() * 45) + 1));
        break;
      default:
        vals.push(Math.floor(r() * 2 ** 24) * 2 ** (Math.floor(r() * 100) - 60));
    }
  }
  return vals.flatMap((v) => [v, -v]);
}

/** A writer whose pending chunks can be looked at (they are protected). */
class OpenWriter extends ReplyWriter {
  get pending(): Array<string | Buffer> {
    return [...this.chunks, this.out];
  }
}

describe('writer: shared frames', () => {
  it('a small frame is appended as text, per protocol', () => {
    const f = new SharedFrame(3, '$7\r\nmessage\r\n$1\r\nc\r\n$1\r\nm\r\n');
    assert.equal(f.length, f.text(2).length);
    assert.equal(bytesOf(2, (w) => { w.ok(); w.frame(f); }), '+OK\r\n*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\nm\r\n');
    assert.equal(bytesOf(3, (w) => w.frame(f)), '>3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\nm\r\n');
  });

  it('a big frame is one Buffer, the same object in every writer of that protocol', () => {
    const items = '$7\r\nmessage\r\n$1\r\nc\r\n$20000\r\n' + 'z'.repeat(20_000) + '\r\n';
    const f = new SharedFrame(3, items);
    const a = new OpenWriter();
    const b = new OpenWriter();
    a.ok();
    a.frame(f);
    a.integer(1);
    b.frame(f);
    assert.ok(Buffer.isBuffer(a.pending[1]));
    assert.equal(a.pending[1], b.pending[0]);
    assert.equal(a.replyBytes, 5 + f.length + 4);
    assert.equal(a.takeReplies(), '+OK\r\n*3\r\n' + items + ':1\r\n');
  });

  it('truncating, taking from and inserting a deferred header inside a shared Buffer leave it untouched', () => {
    const items = '$1\r\na\r\n$20000\r\n' + 'q'.repeat(20_000) + '\r\n';
    const f = new SharedFrame(2, items);
    const whole = '*2\r\n' + items;
    const a = new OpenWriter();
    const mark = a.deferLen();
    a.frame(f);
    a.setDeferredArrayLen(mark, 1);
    assert.equal(a.takeReplies(), '*1\r\n' + whole);
    const b = new OpenWriter();
    b.ok();
    b.frame(f);
    assert.equal(b.takeFrom(5 + 100), whole.slice(100));
    assert.equal(b.takeReplies(), '+OK\r\n' + whole.slice(0, 100));
    // The shared bytes are as they were.
    assert.equal(f.bytes(2).toString('latin1'), whole);
  });
});

describe('writer: doubles as printf("%.17g")', () => {
  it('matches known outputs', () => {
    const known: Array<[number, string]> = [
      [0.1, '0.10000000000000001'], [1.5, '1.5'], [3.141, '3.141'], [1e16, '10000000000000000'], [1e17, '1e+17'],
      [1.5e17, '1.5e+17'], [123456789.123, '123456789.123'], [1e-4, '0.0001'], [1e-5, '1.0000000000000001e-05'],
      [2 ** -25, '2.9802322387695312e-08'], [1234567890123456.25, '1234567890123456.2'], [1234567890123456.75, '1234567890123456.8'],
      [-0, '-0'], [0, '0'], [5e-324, '4.9406564584124654e-324'], [1.7976931348623157e308, '1.7976931348623157e+308'],
      [Infinity, 'inf'], [-Infinity, '-inf'], [NaN, 'nan'], [-7, '-7'], [2 ** 60, '1.152921504606847e+18'],
    ];
    for (const [d, s] of known) assert.equal(formatDouble17g(d), s, `formatting ${d}`);
  });

  const printf = spawnSync('printf', ['%.17g', '0x1p-25'], { encoding: 'utf8' });
  const hasPrintf = printf.status === 0 && printf.stdout === '2.9802322387695312e-08';
  it('matches the C library printf for thousands of doubles', { skip: hasPrintf ? undefined : 'no printf(1) with hex-float input' }, () => {
    const vals = sampleDoubles();
    const batch = 500;
    for (let i = 0; i < vals.length; i += batch) {
      const part = vals.slice(i, i + batch);
      const r = spawnSync('printf', [part.map(() => '%.17g\n').join(''), ...part.map(hexFloat)], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const lines = r.stdout.split('\n');
      part.forEach((v, j) => assert.equal(formatDouble17g(v), lines[j], `formatting ${v} (${hexFloat(v)})`));
    }
  });
});

describe('writer: the same bytes as Redis', differentialSuite(), () => {
  let oracle: Oracle;
  before(async () => {
    oracle = await startOracle();
  });
  after(() => oracle?.close());

  // DEBUG PROTOCOL <type> makes Redis reply with a fixed value of each type.
  const DEBUG_PROTOCOL: Array<[string, (w: ReplyWriter) => void]> = [
    ['string', (w) => w.bulk('Hello World')],
    ['integer', (w) => w.integer(12345)],
    ['double', (w) => w.double(3.141)],
    ['bignum', (w) => w.bigNumber('1234567999999999999999999999999999999')],
    ['null', (w) => w.nullBulk()],
    ['array', (w) => { w.arrayLen(3); for (let i = 0; i < 3; i++) w.integer(i); }],
    ['set', (w) => { w.setLen(3); for (let i = 0; i < 3; i++) w.integer(i); }],
    ['map', (w) => { w.mapLen(3); for (let i = 0; i < 3; i++) { w.integer(i); w.bool(i === 1); } }],
    ['verbatim', (w) => w.verbatim('This is a verbatim\nstring')],
    ['true', (w) => w.bool(true)],
    ['false', (w) => w.bool(false)],
  ];

  for (const resp of [2, 3] as const) {
    for (const [type, write] of DEBUG_PROTOCOL) {
      it(`DEBUG PROTOCOL ${type} (RESP${resp})`, async () => {
        const c = await oracle.connect();
        try {
          if (resp === 3) await c.call('HELLO', '3');
          assert.equal(bytesOf(resp, write), await c.call('DEBUG', 'PROTOCOL', type));
        } finally {
          c.close();
        }
      });
    }

    it(`push messages (RESP${resp})`, async () => {
      const c = await oracle.connect();
      try {
        if (resp === 3) await c.call('HELLO', '3');
        const reply = await c.call('SUBSCRIBE', 'ch');
        assert.equal(reply, bytesOf(resp, (w) => { w.pushLen(3); w.bulk('subscribe'); w.bulk('ch'); w.integer(1); }));
      } finally {
        c.close();
      }
    });

    it(`null array (RESP${resp})`, async () => {
      const c = await oracle.connect();
      try {
        if (resp === 3) await c.call('HELLO', '3');
        // BLPOP timing out answers the null array.
        assert.equal(await c.call('BLPOP', 'nolist', '0.01'), bytesOf(resp, (w) => w.nullArray()));
      } finally {
        c.close();
      }
    });

    it(`doubles from ZSCORE (RESP${resp})`, async () => {
      const c = await oracle.connect();
      try {
        if (resp === 3) await c.call('HELLO', '3');
        const vals = [...sampleDoubles().filter((_, i) => i % 10 === 0), Infinity, -Infinity, -0, 2 ** -25];
        // Pipeline: ZADD each value as the shortest decimal that reads back as it, then ZSCORE.
        let req = '';
        vals.forEach((v, i) => {
          const text = v === Infinity ? 'inf' : v === -Infinity ? '-inf' : Object.is(v, -0) ? '-0' : String(v);
          req += encodeCommand(['ZADD', 'z', text, `m${i}`]) + encodeCommand(['ZSCORE', 'z', `m${i}`]);
        });
        c.write(req);
        for (let i = 0; i < vals.length; i++) {
          await c.read();
          assert.equal(await c.read(), bytesOf(resp, (w) => w.double(vals[i])), `ZSCORE of ${vals[i]}`);
        }
      } finally {
        c.close();
      }
    });
  }
});
