// Giving big buffers back. Node frees a Buffer's memory only when a garbage collection finds it
// unreachable, and an idle server allocates nothing, so it may never run one: the half-received
// argument of a dropped client, or the replies a client never read, would stay in RSS for good,
// where Redis's free() returns them at once. After such a release the server asks V8 for a full
// collection, run incrementally ("async") so clients see no long pause.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { clearTimeout, setTimeout } from './time.js';

type GcFunction = (options?: { type?: 'major' | 'minor'; execution?: 'sync' | 'async' }) => void;

let gcFunction: GcFunction | null | undefined;

/** V8's gc(), exposed on demand (the flag applies to contexts created after it is set). */
function gcFn(): GcFunction | null {
  if (gcFunction !== undefined) return gcFunction;
  const global = (globalThis as { gc?: GcFunction }).gc;
  if (typeof global === 'function') return (gcFunction = global);
  try {
    setFlagsFromString('--expose-gc');
    gcFunction = runInNewContext('gc') as GcFunction;
  } catch {
    gcFunction = null;
  }
  return gcFunction;
}

/** Released bytes that make a collection worth asking for. */
export const RECLAIM_THRESHOLD_BYTES = 8 * 1024 * 1024;

/** Collects released bytes and starts one incremental full GC shortly after a big release. */
export class MemoryReclaimer {
  private pending = 0;
  private timer: NodeJS.Timeout | null = null;
  /** How many collections were asked for (INFO, tests). */
  collections = 0;

  /** bytes of buffers were just dropped. */
  released(bytes: number): void {
    this.pending += bytes;
    if (this.pending < RECLAIM_THRESHOLD_BYTES || this.timer) return;
    // A short delay lets the socket and the rest of a dropped client's state go first.
    this.timer = setTimeout(() => this.collect(), 50);
    this.timer.unref();
  }

  private collect(): void {
    this.timer = null;
    this.pending = 0;
    const gc = gcFn();
    if (!gc) return;
    this.collections++;
    gc({ type: 'major', execution: 'async' });
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
