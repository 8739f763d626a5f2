// Giving big buffers back. Node frees a Buffer's memory only when a garbage collection finds it
// unreachable, and an idle server allocates nothing, so it may never run one: the half-received
// argument of a dropped client, or the replies a client never read, would stay in RSS for good,
// where Redis's free() returns them at once. After such a release the server asks V8 for a full
// collection, run as a task after the current turn (V8's "async"); it is not incremental: it
// stops the server for as long as a full mark-compact takes (~90 ms with 1M keys here).
// Once the server has gone quiet after a busy spell, young-generation collections let V8 shrink
// that generation again.

import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { clearTimeout, setTimeout } from './time.js';

/** V8's gc(): an async collection returns a promise settled when it has finished. */
type GcFunction = (options?: { type?: 'major' | 'minor'; execution?: 'sync' | 'async' }) => Promise<void> | void;

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

/** Fewer commands than this in a second count as quiet (well under V8's 1 MB/s "low rate"). */
const QUIET_COMMANDS_PER_SECOND = 200;
/** Quiet seconds before the young generation is given back. */
export const IDLE_SECONDS = 6;
/** A young generation smaller than this is left as it is (V8 starts it at about 1 MB). */
const IDLE_YOUNG_BYTES = 2 * 1024 * 1024;

/** Memory the young generation (new space) holds now. */
function youngGenerationBytes(): number {
  for (const space of getHeapSpaceStatistics()) if (space.space_name === 'new_space') return space.physical_space_size;
  return 0;
}

/**
 * Collects released bytes and starts one full GC shortly after a big release. Values
 * let go lazily (UNLINK, FLUSHALL ASYNC) are counted as pending until the collection that frees
 * them has finished, as Redis counts lazyfree_pending_objects until its background thread is done.
 */
export class MemoryReclaimer {
  private pending = 0;
  private timer: NodeJS.Timeout | null = null;
  /** Objects waiting for the next collection, and those the running one will free. */
  private waitingObjects = 0;
  private collectingObjects = 0;
  private collecting = false;
  /** How many collections were asked for (INFO, tests). */
  collections = 0;

  /** freed(n) is told when n lazily released objects are gone. */
  constructor(private readonly freed: (objects: number) => void = () => {}) {}

  /** Objects released lazily whose memory is not reclaimed yet (INFO lazyfree_pending_objects). */
  get pendingObjects(): number {
    return this.waitingObjects + this.collectingObjects;
  }

  /** bytes of buffers (or values: objects of them, released lazily) were just dropped. */
  released(bytes: number, objects = 0): void {
    this.pending += bytes;
    if (this.pending >= RECLAIM_THRESHOLD_BYTES && !this.timer) {
      // A short delay lets the socket and the rest of a dropped client's state go first.
      this.timer = setTimeout(() => this.collect(), 50);
      this.timer.unref();
    }
    if (objects === 0) return;
    // Too little to collect for: V8 frees them in its own time, so they count as freed now.
    if (this.timer) this.waitingObjects += objects;
    else this.freed(objects);
  }

  private collect(): void {
    this.timer = null;
    this.pending = 0;
    const objects = this.waitingObjects;
    this.waitingObjects = 0;
    const gc = gcFn();
    const done = gc && !this.collecting ? gc({ type: 'major', execution: 'async' }) : undefined;
    if (gc && !this.collecting) this.collections++;
    if (done instanceof Promise) {
      this.collecting = true;
      this.collectingObjects += objects;
      void done.then(() => this.settle());
    } else if (this.collecting) {
      // One collection is still running: these wait for it.
      this.collectingObjects += objects;
    } else if (objects !== 0) {
      this.freed(objects);
    }
  }

  private settle(): void {
    this.collecting = false;
    const objects = this.collectingObjects;
    this.collectingObjects = 0;
    if (objects !== 0) this.freed(objects);
  }

  /** Seconds in a row with little work (see idleTick). */
  private quietSeconds = 0;
  private lastActivity = 0;
  /** Collections asked for by idleTick (tests). */
  idleCollections = 0;

  /**
   * Called once a second with a count that grows with the work done (commands processed). A busy
   * spell grows V8's young generation to its maximum (~30 MB of RSS), and V8 keeps it that size
   * until a collection finds the allocation rate of the last ~5 s low: after loading a dataset
   * an idle server would hold that memory for good, where Redis's allocator gives its free pages
   * back. So every IDLE_SECONDS of quiet, while the young generation is still big, the server
   * asks for a young-generation collection: with almost nothing live in it, it takes about a
   * millisecond, and one of them lets V8 shrink it (not always the first: V8 decides from its
   * own samples of the rate).
   */
  idleTick(activity: number): void {
    const busy = activity - this.lastActivity >= QUIET_COMMANDS_PER_SECOND;
    this.lastActivity = activity;
    if (busy) {
      this.quietSeconds = 0;
      return;
    }
    if (++this.quietSeconds % IDLE_SECONDS !== 0) return;
    if (youngGenerationBytes() < IDLE_YOUNG_BYTES) return;
    const gc = gcFn();
    if (!gc) return;
    this.idleCollections++;
    void gc({ type: 'minor' });
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    // Nothing more will be collected for them.
    const objects = this.pendingObjects;
    this.waitingObjects = this.collectingObjects = 0;
    if (objects !== 0) this.freed(objects);
  }
}
