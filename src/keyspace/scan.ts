// The SCAN-family cursor mechanism, shared by SCAN (a database's keys) and HSCAN, SSCAN and
// ZSCAN (a collection's fields or members).
//
// Redis's cursors walk a hash table's buckets in reverse-binary order, which returns every element
// present for the whole iteration at least once however the table grows or shrinks. A JS Map
// iterates in insertion order, and a live iterator survives deletions and growth: a cursor here
// names such an iterator. Elements present from the first call to the last are returned exactly
// once; elements added or removed meanwhile may or may not be, as in Redis. A cursor these
// states no longer know (too old, another object's, from before a restart) resumes by position.

/** What can be scanned: a Map's or Set's keys (a database's keys, a collection's members). */
export interface ScanSource {
  keys(): IterableIterator<string>;
  has(key: string): boolean;
  readonly size: number;
}

interface ScanState {
  /** The source the iterator walks (a cursor of another source is not used). */
  source: ScanSource;
  iter: Iterator<string>;
  /** Elements handed out so far (where a lost cursor resumes). */
  pos: number;
  /** The element read ahead to learn whether the scan is over; handed out first next time. */
  pending: string | null;
  /**
   * Elements in the source when the scan started. A Map iterates in insertion order, so every
   * element that was there at the start comes before any element added later: after this many
   * the scan may stop, and it ends even while elements are added faster than it reads them.
   */
  limit: number;
}

const POS_BITS = 2 ** 32;
const POS_BITS_N = 2n ** 32n;
/** How many live cursors one registry keeps (the oldest is dropped past this). */
export const MAX_SCAN_STATES = 256;

/** The live cursors of one scannable thing (a database, a collection). */
export class ScanCursors {
  private states = new Map<number, ScanState>();

  /** Forgets every cursor (FLUSHDB, SWAPDB …). */
  clear(): void {
    this.states.clear();
  }

  /**
   * One step of an iteration over source: up to count elements from cursor (0 starts). Returns
   * the next cursor (0 when the iteration is over) and the elements.
   */
  step(source: ScanSource, cursor: number | bigint, count: number): [number, string[]] {
    const c = BigInt(cursor);
    let state: ScanState | undefined;
    if (c !== 0n && c <= BigInt(Number.MAX_SAFE_INTEGER)) {
      state = this.states.get(Number(c));
      if (state) this.states.delete(Number(c));
      if (state && state.source !== source) state = undefined;
    }
    if (!state) {
      const iter = source.keys();
      const pos = Number(c % POS_BITS_N);
      let skipped = 0;
      while (skipped < pos && !iter.next().done) skipped++;
      state = { source, iter, pos: skipped, pending: null, limit: source.size };
    }
    const out: string[] = [];
    while (out.length < count && state.pos < state.limit) {
      let key: string;
      if (state.pending !== null) {
        key = state.pending;
        state.pending = null;
        // Removed while the client was away: the iterator would have skipped it too.
        if (!source.has(key)) continue;
      } else {
        const r = state.iter.next();
        if (r.done) return [0, out];
        key = r.value;
      }
      state.pos++;
      out.push(key);
    }
    if (state.pos >= state.limit) return [0, out];
    // Read one element ahead, so the call that returns the last ones already answers cursor 0.
    const ahead = state.iter.next();
    if (ahead.done) return [0, out];
    state.pending = ahead.value;
    // A random tag in the high bits keeps concurrent scans from sharing a cursor.
    let next: number;
    do {
      const tag = 1 + Math.floor(Math.random() * 0xfffff);
      next = tag * POS_BITS + (state.pos % POS_BITS);
    } while (this.states.has(next));
    if (this.states.size >= MAX_SCAN_STATES) {
      this.states.delete(this.states.keys().next().value as number);
    }
    this.states.set(next, state);
    return [next, out];
  }
}
