// Wall-clock time and timers that test runners' fake timers do not reach.
//
// vitest's and Jest's useFakeTimers() replace the global Date, performance and timer functions of
// the test's realm. An embedded nodis is a server, like a Redis in another process: its keys
// expire by the wall clock (or by server.clock.advance()) and its cron keeps running whatever the
// test does with its own timers. So nodis reads the time from the Date of a V8 context of its own,
// which no fake reaches (even one installed before nodis was loaded), and takes its timers from
// node:timers, which the fakes leave alone.

import { runInNewContext } from 'node:vm';

export { setInterval, clearInterval, setTimeout, clearTimeout, setImmediate } from 'node:timers';

/** The real Date constructor (its instances are not `instanceof Date` of other realms). */
export const RealDate = runInNewContext('Date') as DateConstructor;

/** Unix time in milliseconds, from the real wall clock. */
export const wallClockMs: () => number = RealDate.now;

/** Blocks the whole event loop for ms, as Redis's DEBUG SLEEP (and aof-flush-sleep) block the server. */
export function sleepSync(ms: number): void {
  if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
