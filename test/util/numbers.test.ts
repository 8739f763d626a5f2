import { it } from 'node:test';
import assert from 'node:assert/strict';
import { parseInteger, parseInt64, atoi, parseDouble } from '../../src/util/numbers.js';

it('parses integers with string2ll rules', () => {
  const cases: Array<[string, number | null]> = [
    ['0', 0], ['1', 1], ['-1', -1], ['42', 42], ['123456789012345', 123456789012345],
    ['-123456789012345', -123456789012345], ['9007199254740993', 9007199254740992],
    ['9223372036854775807', 9223372036854775807], ['-9223372036854775808', -9223372036854775808],
    ['9223372036854775808', null], ['-9223372036854775809', null], ['', null], ['-', null],
    ['-0', null], ['01', null], ['+1', null], [' 1', null], ['1 ', null], ['1.0', null], ['1e3', null],
    ['0x10', null], ['１', null], ['12a', null], ['99999999999999999999', null],
  ];
  for (const [s, want] of cases) assert.equal(parseInteger(s), want, JSON.stringify(s));
});

it('parses 64-bit integers exactly', () => {
  assert.equal(parseInt64('9223372036854775807'), 9223372036854775807n);
  assert.equal(parseInt64('-9223372036854775808'), -9223372036854775808n);
  assert.equal(parseInt64('9007199254740993'), 9007199254740993n);
  assert.equal(parseInt64('9223372036854775808'), null);
  assert.equal(parseInt64('-0'), null);
});

it('reads numbers like C atoi', () => {
  assert.equal(atoi('  12abc'), 12);
  assert.equal(atoi('-7'), -7);
  assert.equal(atoi('+3'), 3);
  assert.equal(atoi('abc'), 0);
  assert.equal(atoi('4294967297'), 1);
  assert.equal(atoi('99999999999999999999999'), -1);
});

it('parses doubles as strtod reads a whole string (string2d)', () => {
  const cases: Array<[string, number | null]> = [
    ['0', 0], ['1.', 1], ['.5', 0.5], ['+5', 5], ['-2.25', -2.25], ['00012', 12], ['1.5e3', 1500],
    ['-', null], ['+', null], ['.', null], ['1.2.3', null], ['+-1', null], ['--1', null], ['1-', null],
    ['', null], [' 1', null], ['1 ', null], ['1\0', null], ['inf', Infinity], ['-inf', -Infinity], ['nan', null],
    ['1e400', null], ['1e-400', null], ['0x10', 16], ['9'.repeat(400), null],
    // A fraction so long it underflows to zero is a range error; a long zero is not.
    [`0.${'0'.repeat(400)}1`, null], [`0.${'0'.repeat(400)}`, 0], [`0.${'0'.repeat(250)}1`, 1e-251],
  ];
  for (const [s, want] of cases) assert.equal(parseDouble(s), want, JSON.stringify(s));
  assert.ok(Object.is(parseDouble('-0'), -0));
});
