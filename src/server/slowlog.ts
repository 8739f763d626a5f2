// The slow log (Redis's slowlog.c): commands that took at least slowlog-log-slower-than
// microseconds, newest first, at most slowlog-max-len of them.

/** Arguments kept per entry; the last kept one then says how many more there were. */
const MAX_ARGS = 32;
/** Bytes kept per argument; the rest is summarised. */
const MAX_ARG_BYTES = 128;

export interface SlowlogEntry {
  readonly id: number;
  /** Unix time in seconds. */
  readonly time: number;
  readonly durationUs: number;
  readonly argv: string[];
  readonly addr: string;
  readonly name: string;
}

export class SlowLog {
  /** Newest first. */
  entries: SlowlogEntry[] = [];
  private nextId = 0;

  /** Adds an entry (the caller has checked the threshold), dropping the oldest past maxLen. */
  push(argv: readonly string[], durationUs: number, time: number, addr: string, name: string, maxLen: number): void {
    this.entries.unshift({ id: this.nextId++, time, durationUs, argv: trimArgs(argv), addr, name });
    if (this.entries.length > maxLen) this.entries.length = Math.max(0, maxLen);
  }

  /** SLOWLOG RESET: the entries go, the ids go on. */
  reset(): void {
    this.entries = [];
  }
}

/** What an entry keeps of a command line, as Redis trims it. */
function trimArgs(argv: readonly string[]): string[] {
  const n = Math.min(argv.length, MAX_ARGS);
  const out: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const a = argv[i];
    if (n !== argv.length && i === n - 1) out[i] = `... (${argv.length - n + 1} more arguments)`;
    else if (a.length > MAX_ARG_BYTES) out[i] = `${a.slice(0, MAX_ARG_BYTES)}... (${a.length - MAX_ARG_BYTES} more bytes)`;
    else out[i] = a;
  }
  return out;
}
