// util/time.ts: the wall clock nodis reads is the real one even when a test installed a fake Date
// before nodis was loaded (embedding.test.ts has a fake installed after).

import { it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { RealDate, wallClockMs } from '../../src/util/time.js';

const run = promisify(execFile);
const TIME_MODULE = new URL('../../src/util/time.js', import.meta.url).href;

/** Loads time.js in a fresh process after `setup` ran, and reports what it kept. */
async function loadAfter(setup: string): Promise<{ sameDate: boolean; clockOff: number; fakeNow: number }> {
  const script = `${setup}
const { RealDate, wallClockMs } = await import(${JSON.stringify(TIME_MODULE)});
const os = Number(require('node:child_process').execSync('date +%s%3N').toString());
console.log(JSON.stringify({ sameDate: RealDate === globalThis.Date, clockOff: Math.abs(wallClockMs() - os), fakeNow: Date.now() }));`;
  const { stdout } = await run(process.execPath, ['--input-type=commonjs', '-e', `(async () => {${script}})()`]);
  return JSON.parse(stdout) as { sameDate: boolean; clockOff: number; fakeNow: number };
}

it("keeps V8's own Date, and reads the clock through its Date.now", () => {
  assert.equal(RealDate, Date);
  assert.ok(Math.abs(wallClockMs() - Date.now()) < 1000);
});

it('takes a fresh context Date when a fake Date was installed before it loaded', async () => {
  const r = await loadAfter('const Native = Date; globalThis.Date = class extends Native { static now() { return 0; } }; globalThis.Date.toString = () => Native.toString();');
  assert.equal(r.fakeNow, 0);
  assert.equal(r.sameDate, false);
  assert.ok(r.clockOff < 2000, `off by ${r.clockOff} ms`);
});

it('takes a fresh context Date when Date.now was replaced before it loaded', async () => {
  const r = await loadAfter('Date.now = () => 0;');
  assert.equal(r.fakeNow, 0);
  assert.equal(r.sameDate, false);
  assert.ok(r.clockOff < 2000, `off by ${r.clockOff} ms`);
});
