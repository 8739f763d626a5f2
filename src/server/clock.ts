// The one clock all time comes from: expiry, idle times, stream IDs, SLOWLOG, TIME.
// Tests move it forward with advance() so TTLs pass without waiting. It reads the real wall clock,
// which fake timers (vitest, Jest) do not move: see util/time.ts.

import { performance } from 'node:perf_hooks';
import { wallClockMs } from '../util/time.js';

export class Clock {
  /** Milliseconds added to the wall clock by advance(). */
  private offsetMs = 0;

  /** Unix time in milliseconds. */
  now(): number {
    return wallClockMs() + this.offsetMs;
  }

  /** Unix time in microseconds (integral). */
  nowUs(): number {
    return Math.floor((performance.timeOrigin + performance.now() + this.offsetMs) * 1000);
  }

  /**
   * Moves time forward (or back, with a negative value) by ms milliseconds. A key expires once the
   * time is past its expiry time, as in Redis: a key set to expire in 1000 ms may still be there
   * after advance(1000) (when less than a real millisecond passed), never after advance(1001).
   */
  advance(ms: number): void {
    this.offsetMs += ms;
    this.moved();
  }

  private listeners: Array<() => void> = [];

  /** Calls fn whenever advance() moves the clock (blocked clients' deadlines are checked). */
  onAdvance(fn: () => void): void {
    this.listeners.push(fn);
  }

  /** Tells the listeners that the clock moved (subclasses that override advance call it). */
  protected moved(): void {
    for (const fn of this.listeners) fn();
  }
}
