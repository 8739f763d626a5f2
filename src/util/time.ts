// Wall-clock time and timers that test runners' fake timers do not reach.
//
// vitest's and Jest's useFakeTimers() replace the global Date, performance and timer functions of
// the test's realm. An embedded nodis is a server, like a Redis in another process: its keys
// expire by the wall clock (or by server.clock.advance()) and its cron keeps running whatever the
// test does with its own timers. So nodis keeps the Date it finds at load while that is V8's own,
// and otherwise (a fake installed before nodis was loaded) takes the Date of a new V8 context, which
// no fake reaches; it reads the clock through the Date.now it kept, and takes its timers from
// node:timers, which the fakes leave alone.

import { runInNewContext } from 'node:vm';

export { setInterval, clearInterval, setTimeout, clearTimeout, setImmediate } from 'node:timers';

/** A function V8 provides, not JavaScript's (a fake's toString may claim so; Function.prototype's does not lie). */
function isNative(f: unknown): boolean {
  return typeof f === 'function' && /\{\s*\[native code\]\s*\}$/.test(Function.prototype.toString.call(f));
}

/**
 * The real Date constructor. A new context costs a few ms at start-up, so only a replaced Date or
 * Date.now gets one (whose instances are not `instanceof Date` of other realms).
 */
export const RealDate: DateConstructor = isNative(Date) && isNative(Date.now) ? Date : (runInNewContext('Date') as DateConstructor);

/** Unix time in milliseconds, from the real wall clock. */
export const wallClockMs: () => number = RealDate.now;

/** Blocks the whole event loop for ms, as Redis's DEBUG SLEEP (and aof-flush-sleep) block the server. */
export function sleepSync(ms: number): void {
  if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
