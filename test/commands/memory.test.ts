// MEMORY USAGE and MEMORY HELP against real Redis: the errors and shapes exactly; the number is
// each server's estimate of its own memory, so only its type and rough growth are compared.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Differential, differentialSuite } from '../helpers/differential.js';

describe('MEMORY USAGE', differentialSuite(), () => {
  const d = new Differential();
  before(() => d.start());
  after(() => d.stop());

  it('answers errors and missing keys as Redis', async () => {
    await d.check([
      ['MEMORY', 'HELP'],
      ['MEMORY', 'USAGE', 'nope'],
      ['MEMORY', 'USAGE', 'nope', 'SAMPLES', '0'],
      ['MEMORY', 'USAGE', 'nope', 'SAMPLES'],
      ['MEMORY', 'USAGE', 'nope', 'SAMPLES', '-1'],
      ['MEMORY', 'USAGE', 'nope', 'SAMPLES', 'x'],
      ['MEMORY', 'USAGE', 'nope', 'FOO'],
      ['MEMORY', 'USAGE', 'nope', 'samples', '5', 'SAMPLES', '1'],
      ['MEMORY', 'USAGE'],
      ['MEMORY', 'HELP', 'x'],
    ]);
    await d.check([['MEMORY', 'USAGE', 'nope']], { resp3: true });
  });

  it('grows with the value', async () => {
    await d.withPair(async (p) => {
      const fields: string[] = [];
      for (let i = 0; i < 1000; i++) fields.push(`f${i}`, `v${i}`);
      await p.setup(['SET', 's', 'x'], ['HSET', 'small', 'a', '1'], ['HSET', 'big', ...fields], ['SADD', 'set', ...fields]);
      const usage = async (...args: string[]): Promise<number> => Number((await p.typeOnly('MEMORY', 'USAGE', ...args)).slice(1, -2));
      const small = await usage('small');
      const big = await usage('big');
      assert.ok(small > 0 && big > small * 50, `${small} ${big}`);
      assert.ok((await usage('set', 'SAMPLES', '0')) > 1000 * 16);
      assert.ok((await usage('s')) > 0);
    });
  });
});
