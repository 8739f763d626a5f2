// Unit tests of the request parser: any split of the input gives the same commands, Redis's
// inline quoting rules, and every protocol error with the commands before it.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RequestParser, splitArgs, parseLength, INLINE_MAX_SIZE, type FeedResult } from '../../src/protocol/parser.js';
import { encodeCommand } from '../helpers/resp.js';

const LIMITS = { maxBulkLen: 512 * 1024 * 1024, queryBufferLimit: 1024 * 1024 * 1024 };

interface Outcome {
  commands: string[][];
  error?: string;
  overflow?: boolean;
}

/** Feeds the pieces in order, as separate reads, and collects what the parser reports. */
function feedPieces(pieces: Buffer[], opts: { restricted?: boolean; limits?: typeof LIMITS } = {}): Outcome {
  const p = new RequestParser({ ...(opts.limits ?? LIMITS) });
  p.restricted = opts.restricted ?? false;
  const out: Outcome = { commands: [] };
  for (const piece of pieces) {
    const r: FeedResult = p.feed(piece, (argv) => {
      out.commands.push(argv);
    });
    if (r.error) {
      out.error = r.error;
      break;
    }
    if (r.overflow) {
      out.overflow = true;
      break;
    }
  }
  return out;
}

function bytes(s: string): Buffer {
  return Buffer.from(s, 'latin1');
}

/** Splits data at the given offsets (sorted, deduplicated, within range). */
function splitAt(data: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.filter((c) => c > 0 && c < data.length))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let prev = 0;
  for (const c of points) {
    pieces.push(data.subarray(prev, c));
    prev = c;
  }
  pieces.push(data.subarray(prev));
  return pieces;
}

function byteByByte(data: Buffer): Buffer[] {
  const pieces: Buffer[] = [];
  for (let i = 0; i < data.length; i++) pieces.push(data.subarray(i, i + 1));
  return pieces;
}

/** Parses s whole, byte by byte and in a few fixed splits; all must agree; returns the outcome. */
function parseAllWays(s: string, opts: { restricted?: boolean; limits?: typeof LIMITS } = {}): Outcome {
  const data = bytes(s);
  const whole = feedPieces([data], opts);
  if (data.length <= 4096) {
    assert.deepEqual(feedPieces(byteByByte(data), opts), whole, `byte-by-byte parse of ${JSON.stringify(s)}`);
  }
  for (const step of [2, 3, 7, 1000]) {
    const cuts: number[] = [];
    for (let i = step; i < data.length; i += step) cuts.push(i);
    assert.deepEqual(feedPieces(splitAt(data, cuts), opts), whole, `parse in ${step}-byte pieces of ${JSON.stringify(s.slice(0, 60))}`);
  }
  return whole;
}

/** Binary-safe arguments: any byte, CR, LF and NUL included. */
const arg = fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a).toString('latin1'));
const argvArb = fc.array(arg, { minLength: 1, maxLength: 6 });

describe('parser: any split of the input gives the same commands', () => {
  it('parses a multibulk request whole and byte by byte', () => {
    const out = parseAllWays('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nv\r\n\0x\r\n');
    assert.deepEqual(out, { commands: [['SET', 'k', 'v\r\n\0x']] });
  });

  it('round-trips random binary argv lists in random splits (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(argvArb, { minLength: 1, maxLength: 8 }), fc.array(fc.nat(2000), { maxLength: 12 }), (cmds, cuts) => {
        const data = bytes(cmds.map(encodeCommand).join(''));
        const out = feedPieces(splitAt(data, cuts));
        assert.deepEqual(out, { commands: cmds });
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips random inline commands (every byte written as \\xHH) mixed with multibulk', () => {
    const hexQuote = (a: string): string =>
      '"' + [...a].map((ch) => '\\x' + ch.charCodeAt(0).toString(16).padStart(2, '0')).join('') + '"';
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), argvArb, fc.boolean()), { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(1500), { maxLength: 10 }),
        (cmds, cuts) => {
          let s = '';
          for (const [inline, argv, lfOnly] of cmds) {
            s += inline ? argv.map(hexQuote).join(' ') + (lfOnly ? '\n' : '\r\n') : encodeCommand(argv);
          }
          const out = feedPieces(splitAt(bytes(s), cuts));
          assert.deepEqual(out, { commands: cmds.map(([, argv]) => argv) });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('round-trips big arguments (the >= 32 KB path) in random splits', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 200_000 }), { minLength: 1, maxLength: 3 }),
        fc.array(fc.nat(700_000), { maxLength: 20 }),
        fc.nat(255),
        (sizes, cuts, fill) => {
          const argv = ['SET', ...sizes.map((n, i) => Buffer.alloc(n, (fill + i) & 0xff).toString('latin1'))];
          const cmds = [argv, ['GET', 'k'], argv];
          const out = feedPieces(splitAt(bytes(cmds.map(encodeCommand).join('')), cuts));
          assert.equal(out.commands.length, 3);
          assert.ok(out.commands[0].every((a, i) => a === argv[i]));
          assert.deepEqual(out.commands[1], ['GET', 'k']);
          assert.ok(out.commands[2].every((a, i) => a === argv[i]));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('keeps nothing pending once a request is complete, and counts partial ones', () => {
    const p = new RequestParser({ ...LIMITS });
    const seen: string[][] = [];
    p.feed(bytes('*2\r\n$4\r\nECHO\r\n$3\r\nab'), (a) => void seen.push(a));
    assert.equal(p.pendingBytes, 2);
    p.feed(bytes('c\r\nPI'), (a) => void seen.push(a));
    assert.equal(p.pendingBytes, 2);
    p.feed(bytes('NG\r\n'), (a) => void seen.push(a));
    assert.equal(p.pendingBytes, 0);
    assert.deepEqual(seen, [['ECHO', 'abc'], ['PING']]);
  });

  it('hands *0, *-1, empty lines and blank lines over as empty requests; \\n alone ends an inline request', () => {
    // Empty requests run nothing, but the client sees them: they end a CLIENT REPLY SKIP.
    const out = parseAllWays('*0\r\n*-1\r\n\r\n\n   \r\n\t\r\nPING\n*-9223372036854775808\r\nECHO x\r\n');
    assert.deepEqual(out, { commands: [[], [], [], [], [], [], ['PING'], [], ['ECHO', 'x']] });
  });

  it('skips the byte after a header CR and the two after a payload without checking them', () => {
    const out = parseAllWays('*1\rX$4\rYPINGzz*1\r\n$4\r\nPING\r\n');
    assert.deepEqual(out, { commands: [['PING'], ['PING']] });
  });

  it('accepts an empty bulk and a count up to INT_MAX', () => {
    assert.deepEqual(parseAllWays('*1\r\n$0\r\n\r\n'), { commands: [['']] });
    assert.deepEqual(parseAllWays('*2147483647\r\n$1\r\na\r\n'), { commands: [] });
  });
});

describe('parser: pausing', () => {
  it('stops after a command whose sink returns false and continues on resume()', () => {
    const p = new RequestParser({ ...LIMITS });
    const seen: string[][] = [];
    const sink = (a: string[]): boolean => {
      seen.push(a);
      return a[0] !== 'STOP';
    };
    p.feed(bytes('A\r\nSTOP\r\nB\r\n*1\r\n$1\r\nC'), sink);
    assert.deepEqual(seen, [['A'], ['STOP']]);
    assert.ok(p.isPaused);
    p.feed(bytes('\r\nD\r\n'), sink); // buffered only while paused
    assert.deepEqual(seen, [['A'], ['STOP']]);
    p.resume(sink);
    assert.deepEqual(seen, [['A'], ['STOP'], ['B'], ['C'], ['D']]);
    assert.equal(p.pendingBytes, 0);
  });
});

describe('parser: inline quoting (sdssplitargs)', () => {
  const cases: Array<[string, string[] | null]> = [
    ['SET k ""', ['SET', 'k', '']],
    ["SET k ''", ['SET', 'k', '']],
    ['ECHO "a\\x41\\x4g\\n\\r\\t\\b\\a\\\\\\"\\q"', ['ECHO', 'aAx4g\n\r\t\b\x07\\"q']],
    ['ECHO "\\x4"', ['ECHO', 'x4']],
    ['ECHO "\\xZZ"', ['ECHO', 'xZZ']],
    ['ECHO "\\X41"', ['ECHO', 'X41']],
    ['ECHO "\\xff\\x00\\x0D\\x0a"', ['ECHO', '\xff\0\r\n']],
    ["ECHO 'ab\\'c'", ['ECHO', "ab'c"]],
    ["ECHO 'a\\nb\"'", ['ECHO', 'a\\nb"']],
    ['ECHO a"b c"', ['ECHO', 'ab c']],
    ["ECHO a'b c'", ['ECHO', 'ab c']],
    ['ECHO "a b"\t"c"', ['ECHO', 'a b', 'c']],
    ['ECHO "x"\v', ['ECHO', 'x']],
    ['ECHO "x"\f', ['ECHO', 'x']],
    ['\v\fPING', ['PING']],
    ['PING\v', ['PING\v']],
    ['ECHO a\fb', ['ECHO', 'a\fb']],
    ['ECHO a\vb \v c', ['ECHO', 'a\vb', 'c']],
    ['  \t ECHO\t\tx  ', ['ECHO', 'x']],
    ['ECHO "abc"d', null],
    ["ECHO 'abc'd", null],
    ['ECHO "abc', null],
    ["ECHO 'abc", null],
    ['ECHO "a\\"', null],
    ['ECHO "\\', null],
    ['ECHO a"b"c', null],
    ['"', null],
    ['', []],
    ['   ', []],
  ];
  for (const [line, want] of cases) {
    it(`splits ${JSON.stringify(line)}`, () => {
      assert.deepEqual(splitArgs(line), want);
    });
  }

  it('ends the line at a NUL, as a C string does', () => {
    assert.deepEqual(splitArgs('ECHO a\0b c'), ['ECHO', 'a']);
    assert.deepEqual(splitArgs('ECHO "a\0b"'), null);
  });

  it('parses the same through the parser, whole and split', () => {
    assert.deepEqual(parseAllWays('ECHO "a\\x41" \'b\'\r\nSET k ""\n'), { commands: [['ECHO', 'aA', 'b'], ['SET', 'k', '']] });
  });
});

describe('parser: errors', () => {
  /** Parses s every way and checks the commands delivered before the error, and the error. */
  function expectError(s: string, commands: string[][], error: string, restricted = false): void {
    assert.deepEqual(parseAllWays(s, { restricted }), { commands, error }, `input ${JSON.stringify(s.slice(0, 80))}`);
  }

  it('invalid multibulk length', () => {
    for (const head of ['*x', '*-0', '*01', '*+1', '*', '*2147483648', '*9223372036854775807', '*-9223372036854775809',
      '*99999999999999999999', '*1 ', '* 1']) {
      expectError(`PING\r\n${head}\r\n`, [['PING']], 'invalid multibulk length');
    }
  });

  it('invalid bulk length', () => {
    for (const head of ['$-1', '$x', '$+4', '$04', '$', '$-0', '$9223372036854775807', '$9223372036854775808', '$1.5']) {
      expectError(`*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n${head}\r\n`, [['PING']], 'invalid bulk length');
    }
  });

  it('invalid bulk length above proto-max-bulk-len', () => {
    const limits = { maxBulkLen: 1024 * 1024, queryBufferLimit: LIMITS.queryBufferLimit };
    assert.deepEqual(feedPieces([bytes('*1\r\n$1048577\r\n')], { limits }), { commands: [], error: 'invalid bulk length' });
    assert.deepEqual(feedPieces([bytes('*1\r\n$1048576\r\n')], { limits }), { commands: [] });
  });

  it("expected '$', got 'x' (any byte, even CR or LF)", () => {
    expectError('*2\r\n$4\r\nECHO\r\nx4\r\nPING\r\n', [], "expected '$', got 'x'");
    expectError('*1\r\n\r\n', [], "expected '$', got '\r'");
    expectError('*1\r\n\nxx\r\n', [], "expected '$', got '\n'");
    expectError('*1\r\n\xffxx\r\n', [], "expected '$', got '\xff'");
    expectError('*1\r\n*1\r\n', [], "expected '$', got '*'");
  });

  it('unbalanced quotes in request', () => {
    expectError('PING\r\nECHO "abc\r\nPING\r\n', [['PING']], 'unbalanced quotes in request');
    expectError("ECHO 'a'b\n", [], 'unbalanced quotes in request');
  });

  it('too big inline request: more than 64 KB without a newline', () => {
    assert.deepEqual(parseAllWays('PING\r\n' + 'a'.repeat(INLINE_MAX_SIZE)), { commands: [['PING']] });
    expectError('PING\r\n' + 'a'.repeat(INLINE_MAX_SIZE + 1), [['PING']], 'too big inline request');
    // Like Redis, the limit applies between reads: a longer line is fine when its newline comes in
    // the read that crosses 64 KB, and too big when it comes later.
    const long = bytes('ECHO ' + 'a'.repeat(70000) + '\r\n');
    assert.deepEqual(feedPieces([long]).commands, [['ECHO', 'a'.repeat(70000)]]);
    assert.deepEqual(feedPieces(splitAt(long, [60000])).commands, [['ECHO', 'a'.repeat(70000)]]);
    assert.deepEqual(feedPieces(splitAt(long, [66000])), { commands: [], error: 'too big inline request' });
  });

  it('too big mbulk count string / too big bulk count string', () => {
    assert.deepEqual(parseAllWays('*' + '1'.repeat(INLINE_MAX_SIZE - 1)), { commands: [] });
    expectError('PING\r\n*' + '1'.repeat(INLINE_MAX_SIZE), [['PING']], 'too big mbulk count string');
    assert.deepEqual(parseAllWays('*1\r\n$' + '1'.repeat(INLINE_MAX_SIZE - 1)), { commands: [] });
    expectError('*1\r\n$' + '1'.repeat(INLINE_MAX_SIZE), [], 'too big bulk count string');
  });

  it('a NUL before the terminator hides it, as strchr does: Redis waits, then "too big"', () => {
    assert.deepEqual(parseAllWays('PING\0\r\nPING\r\n'), { commands: [] });
    assert.deepEqual(parseAllWays('*1\0\r\n$4\r\nPING\r\n'), { commands: [] });
    assert.deepEqual(parseAllWays('*1\r\n$4\0\r\nPING\r\n'), { commands: [] });
    expectError('PING\r\nECHO a\0b\r\n' + 'x'.repeat(INLINE_MAX_SIZE), [['PING']], 'too big inline request');
    expectError('*1\0\r\n' + 'x'.repeat(INLINE_MAX_SIZE), [], 'too big mbulk count string');
    expectError('*1\r\n$1\0\r\n' + 'x'.repeat(INLINE_MAX_SIZE), [], 'too big bulk count string');
    // NUL inside a bulk payload is just data.
    assert.deepEqual(parseAllWays('*1\r\n$3\r\n\0\0\0\r\n'), { commands: [['\0\0\0']] });
  });

  it('unauthenticated multibulk length / bulk length while restricted', () => {
    expectError('*11\r\n', [], 'unauthenticated multibulk length', true);
    expectError('*1\r\n$16385\r\n', [], 'unauthenticated bulk length', true);
    const ten = Array.from({ length: 10 }, () => 'x'.repeat(16384));
    assert.deepEqual(parseAllWays(encodeCommand(ten), { restricted: true }), { commands: [ten] });
    // Not restricted: no such limits.
    assert.deepEqual(parseAllWays('*11\r\n', { restricted: false }), { commands: [] });
  });

  it('an AUTH lifts the limits for the very next command of the same read', () => {
    const p = new RequestParser({ ...LIMITS });
    p.restricted = true;
    const seen: string[][] = [];
    const r = p.feed(bytes('AUTH pw\r\n*11\r\n'), (a) => {
      seen.push(a);
      if (a[0] === 'AUTH') p.restricted = false;
    });
    assert.deepEqual(r, {});
    assert.deepEqual(seen, [['AUTH', 'pw']]);
  });

  it('reads nothing more after a protocol error', () => {
    const p = new RequestParser({ ...LIMITS });
    const seen: string[][] = [];
    assert.deepEqual(p.feed(bytes('PING\r\n*x\r\nPING\r\n'), (a) => void seen.push(a)), { error: 'invalid multibulk length' });
    assert.deepEqual(p.feed(bytes('PING\r\n'), (a) => void seen.push(a)), {});
    assert.deepEqual(seen, [['PING']]);
    assert.equal(p.pendingBytes, 0);
  });
});

describe('parser: client-query-buffer-limit', () => {
  const limits = { maxBulkLen: 512 * 1024 * 1024, queryBufferLimit: 1024 * 1024 };

  it('overflows when a pending argument outgrows the limit, after the commands before it', () => {
    const big = 'x'.repeat(1024 * 1024);
    const data = bytes('PING\r\n' + encodeCommand(['SET', 'k', big]));
    const pieces = splitAt(data, Array.from({ length: 40 }, (_, i) => (i + 1) * 65536));
    assert.deepEqual(feedPieces(pieces, { limits }), { commands: [['PING']], overflow: true });
  });

  it('does not overflow for arguments that fit, even several of them, nor for bytes after a big argument', () => {
    const v = 'y'.repeat(600 * 1024);
    const data = bytes(encodeCommand(['MSET', 'a', v, 'b', v]) + 'PING\r\n'.repeat(20000));
    const pieces = splitAt(data, Array.from({ length: 60 }, (_, i) => (i + 1) * 65536));
    const out = feedPieces(pieces, { limits });
    assert.equal(out.overflow, undefined);
    assert.equal(out.commands.length, 20001);
    const last = 1024 * 1024 - 2;
    const exact = bytes(encodeCommand(['SET', 'k', 'z'.repeat(last)]) + 'PING\r\n'.repeat(1000));
    const out2 = feedPieces(splitAt(exact, [100, 200_000, exact.length - 3000]), { limits });
    assert.equal(out2.overflow, undefined);
    assert.equal(out2.commands.length, 1001);
  });
});

describe('parseLength (string2ll)', () => {
  const cases: Array<[string, number | null]> = [
    ['0', 0], ['1', 1], ['-1', -1], ['123', 123], ['9223372036854775807', 9223372036854775807],
    ['-9223372036854775808', -9223372036854775808], ['9223372036854775808', null], ['-9223372036854775809', null],
    ['01', null], ['-0', null], ['+1', null], ['', null], ['-', null], [' 1', null], ['1 ', null], ['1a', null],
    ['12345678901234567890', null], ['-1234567890123456789', -1234567890123456789],
  ];
  for (const [s, want] of cases) {
    it(`parses ${JSON.stringify(s)}`, () => {
      const b = bytes(s);
      assert.equal(parseLength(b, 0, b.length), want);
    });
  }
});
