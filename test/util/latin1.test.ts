import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LATIN1_SHORT_MAX, latin1Short, latin1Slice, latin1Text } from '../../src/util/latin1.js';

test('latin1Short gives the bytes as latin1Slice does, at every length up to LATIN1_SHORT_MAX', () => {
  const buf = Buffer.alloc(LATIN1_SHORT_MAX + 64);
  for (let i = 0; i < buf.length; i++) buf[i] = (i * 37 + 11) & 0xff;
  // Every byte value, NUL and the high half included, at some position.
  const all = Buffer.alloc(256 + LATIN1_SHORT_MAX);
  for (let i = 0; i < all.length; i++) all[i] = i & 0xff;
  for (let len = 0; len <= LATIN1_SHORT_MAX; len++) {
    for (const start of [0, 1, 7, 31]) {
      const s = latin1Short(buf, start, len);
      assert.equal(s, latin1Slice(buf, start, start + len), `length ${len} from ${start}`);
      assert.equal(s.length, len);
    }
    for (let start = 0; start <= 256; start += 16) assert.equal(latin1Short(all, start, len), all.toString('latin1', start, start + len));
  }
});

test('latin1Short strings are one-byte strings of the bytes, not UTF-8 decoded', () => {
  const bytes = Buffer.from([0xc3, 0xa9, 0x00, 0xff, 0x80, 0x41, 0x0d, 0x0a, 0xe2, 0x82, 0xac, 0x7f, 0x01, 0xfe, 0x20, 0x99]);
  const s = latin1Short(bytes, 0, bytes.length);
  assert.equal(s.length, 16);
  assert.deepEqual(Buffer.from(s, 'latin1'), bytes);
});

test('latin1Text gives the bytes at every length, either side of LATIN1_SHORT_MAX', () => {
  const buf = Buffer.alloc(LATIN1_SHORT_MAX * 4);
  for (let i = 0; i < buf.length; i++) buf[i] = (i * 151 + 7) & 0xff;
  for (let len = 0; len <= LATIN1_SHORT_MAX * 3; len++) assert.equal(latin1Text(buf, 5, len), buf.toString('latin1', 5, 5 + len), `length ${len}`);
});
