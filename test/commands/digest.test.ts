// DEBUG DIGEST and DEBUG DIGEST-VALUE against real Redis: the same data gives the same SHA-1
// digests, whatever order it was built in.

import { describe, it, before, after } from 'node:test';
import { Differential, differentialSuite } from '../helpers/differential.js';

describe('DEBUG DIGEST and DIGEST-VALUE', differentialSuite(), () => {
  const d = new Differential();
  before(() => d.start());
  after(() => d.stop());

  it('digest strings, hashes and sets as Redis', async () => {
    const fields: string[] = [];
    for (let i = 0; i < 600; i++) fields.push(`f${i}`, `v${i}`);
    await d.check([
      ['DEBUG', 'DIGEST'],
      ['DEBUG', 'DIGEST-VALUE'],
      ['DEBUG', 'DIGEST-VALUE', 'nope'],
      ['SET', 'a', '1'],
      ['SET', 'b', 'hello'],
      ['APPEND', 'b', ' world'],
      ['SET', '', '\x00\xff'],
      ['SADD', 'ints', '3', '1', '2'],
      ['SADD', 'strs', 'x', '1', '', '\x00\xff'],
      ['HSET', 'small', 'f', 'v', 'g', '1', '', ''],
      ['HSET', 'big', ...fields],
      ['SADD', 'bigset', ...fields],
      ['SET', 'ttl', 'v', 'PXAT', '4102444800000'],
      ['SELECT', '3'],
      ['HSET', 'h', 'a', '1'],
      ['SELECT', '0'],
      ['DEBUG', 'DIGEST'],
      ['DEBUG', 'DIGEST-VALUE', 'a', 'b', '', 'ints', 'strs', 'small', 'big', 'bigset', 'ttl', 'nope'],
      ['DEBUG', 'RELOAD'],
      ['DEBUG', 'DIGEST'],
      // The same members added in another order: the same digest.
      ['DEL', 'strs'],
      ['SADD', 'strs', '\x00\xff', '', '1', 'x'],
      ['DEBUG', 'DIGEST-VALUE', 'strs'],
      ['DEBUG', 'DIGEST'],
    ]);
  });

  it('digest lists as Redis (order counts)', async () => {
    const items = Array.from({ length: 500 }, (_, i) => (i % 2 ? `e${i}` : String(i)));
    await d.check([
      ['RPUSH', 'l', 'a', '1', '-7', '', '\x00\xff', 'x'.repeat(5000)],
      ['RPUSH', 'big', ...items],
      ['DEBUG', 'DIGEST-VALUE', 'l', 'big'],
      ['DEBUG', 'DIGEST'],
      ['LPUSH', 'rev', ...items],
      ['DEBUG', 'DIGEST-VALUE', 'rev'],
      ['DEBUG', 'RELOAD'],
      ['DEBUG', 'DIGEST'],
    ]);
  });
});
