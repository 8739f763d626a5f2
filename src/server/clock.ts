// The one clock all time comes from: expiry, idle times, stream IDs, SLOWLOG, TIME.
// Tests move it forward with advance() so TTLs pass without waiting.

export class Clock {
  /** Milliseconds added to the wall clock by advance(). */
  private offsetMs = 0;

  /** Unix time in milliseconds. */
  now(): number {
    return Date.now() + this.offsetMs;
  }

  /** Unix time in microseconds (integral). */
  nowUs(): number {
    return Math.floor((performance.timeOrigin + performance.now() + this.offsetMs) * 1000);
  }

  /** Moves time forward (or back, with a negative value) by ms milliseconds. */
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
