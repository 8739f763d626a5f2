// The set type: members are byte strings (one-byte JS strings), as Redis's t_set.c keeps them,
// with Redis 7.0's two encodings and its one-way conversion between them:
//
//   intset     every member is a 64-bit integer written canonically (string2ll) and there are at
//              most set-max-intset-entries of them: the members are kept sorted by value in one
//              array and found by binary search, as Redis's intset (adding and removing are O(n)
//              there too, and iteration is in numeric order)
//   hashtable  anything else: the members in a dense array plus a Map from member to its slot,
//              so membership, adding and removing are O(1), and so is picking a random member
//              (SRANDMEMBER, SPOP): a slot chosen at random, removed by moving the last one in
//
// A set becomes a hashtable when a member is not an integer or it grows past the limit, and never
// goes back, as in Redis. The caller passes the limit (the set-max-intset-entries setting).

import { RObject } from './value.js';
import { parseInteger } from '../util/numbers.js';
import { ScanCursors, type ScanSource } from '../keyspace/scan.js';

/** Redis caps set-max-intset-entries at 2^30 (intset internals). */
const INTSET_MAX_CAP = 2 ** 30;

/** True if s is a member an intset can hold (Redis's isSdsRepresentableAsLongLong). */
export function isIntMember(s: string): boolean {
  return s.length <= 20 && parseInteger(s) !== null;
}

/** Bytes an intset needs per integer to hold the canonical integer s: 2, 4 or 8. */
export function intWidthOf(s: string): number {
  if (s.length > 11) return 8;
  const v = Number(s);
  if (v >= -32768 && v <= 32767) return 2;
  return v >= -2147483648 && v <= 2147483647 ? 4 : 8;
}

/** Compares two canonical integer strings by value (exactly, whatever their size). */
export function compareIntStrings(a: string, b: string): number {
  if (a === b) return 0;
  const an = a.charCodeAt(0) === 45;
  const bn = b.charCodeAt(0) === 45;
  if (an !== bn) return an ? -1 : 1;
  // Same sign: for positives the shorter is smaller, for negatives the shorter is larger.
  const less = a.length !== b.length ? a.length < b.length : a < b;
  return less !== an ? -1 : 1;
}

export class SetValue extends RObject {
  readonly type = 'set';
  /** The members: sorted by value while an intset, in no particular order as a hashtable. */
  private items: string[] = [];
  /** Member → its slot in items; null while the set is an intset. */
  private index: Map<string, number> | null = null;
  /**
   * The intset's integer width in bytes (2, 4 or 8), which only grows, as Redis's intset never
   * shrinks its encoding: part of the RDB encoding (DUMP payloads are byte for byte Redis's).
   */
  intWidth = 2;
  /** HSCAN-style cursors of this set (SSCAN), created on first use. */
  private cursors: ScanCursors | null = null;

  /** An empty intset-encoded set (Redis's createIntsetObject). */
  static intset(): SetValue {
    return new SetValue();
  }

  /** An empty hashtable-encoded set (createSetObject). */
  static hashtable(): SetValue {
    const s = new SetValue();
    s.index = new Map();
    return s;
  }

  /** An intset-encoded set of sorted canonical integers with the given width (an RDB intset). */
  static fromIntset(sorted: string[], width: number): SetValue {
    const s = new SetValue();
    s.items = sorted;
    s.intWidth = width;
    return s;
  }

  /** An empty set of the encoding that can hold first (setTypeCreate). */
  static forMember(first: string): SetValue {
    return isIntMember(first) ? SetValue.intset() : SetValue.hashtable();
  }

  get size(): number {
    return this.items.length;
  }

  get isIntset(): boolean {
    return this.index === null;
  }

  encoding(): string {
    return this.index === null ? 'intset' : 'hashtable';
  }

  /** Where member is (or would go) in a sorted intset: [slot, found]. */
  private search(member: string): [number, boolean] {
    const items = this.items;
    let lo = 0;
    let hi = items.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const cmp = compareIntStrings(items[mid], member);
      if (cmp === 0) return [mid, true];
      if (cmp < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return [lo, false];
  }

  has(member: string): boolean {
    if (this.index !== null) return this.index.has(member);
    return isIntMember(member) && this.search(member)[1];
  }

  /**
   * Adds a member (setTypeAdd); false when it was there. maxIntset is set-max-intset-entries:
   * an intset that would pass it, or that meets a non-integer, becomes a hashtable.
   */
  add(member: string, maxIntset: number): boolean {
    if (this.index === null) {
      if (!isIntMember(member)) {
        this.toHashtable();
      } else {
        const [at, found] = this.search(member);
        if (found) return false;
        if (at === this.items.length) this.items.push(member);
        else this.items.splice(at, 0, member);
        const w = intWidthOf(member);
        if (w > this.intWidth) this.intWidth = w;
        if (this.items.length > Math.min(maxIntset, INTSET_MAX_CAP)) this.toHashtable();
        return true;
      }
    }
    const index = this.index!;
    if (index.has(member)) return false;
    index.set(member, this.items.length);
    this.items.push(member);
    return true;
  }

  /** Removes a member (setTypeRemove); false when it was not there. */
  remove(member: string): boolean {
    if (this.index === null) {
      if (!isIntMember(member)) return false;
      const [at, found] = this.search(member);
      if (!found) return false;
      this.items.splice(at, 1);
      return true;
    }
    const at = this.index.get(member);
    if (at === undefined) return false;
    this.removeSlot(at);
    return true;
  }

  /** Removes what is in a hashtable slot, moving the last member into it. */
  private removeSlot(at: number): void {
    const index = this.index!;
    const items = this.items;
    index.delete(items[at]);
    const last = items.pop()!;
    if (at < items.length) {
      items[at] = last;
      index.set(last, at);
    }
  }

  /** A member chosen uniformly at random, in O(1); the set must not be empty. */
  random(): string {
    return this.items[Math.floor(Math.random() * this.items.length)];
  }

  /** Removes and returns a member chosen uniformly at random; the set must not be empty. */
  popRandom(): string {
    const at = Math.floor(Math.random() * this.items.length);
    const member = this.items[at];
    if (this.index === null) this.items.splice(at, 1);
    else this.removeSlot(at);
    return member;
  }

  /**
   * The members in iteration order (numeric order for an intset). A view, not a copy: read it
   * before the set changes again.
   */
  members(): readonly string[] {
    return this.items;
  }

  /** Converts an intset into a hashtable (setTypeConvert); the members keep their slots. */
  toHashtable(): void {
    if (this.index !== null) return;
    const index = new Map<string, number>();
    const items = this.items;
    for (let i = 0; i < items.length; i++) index.set(items[i], i);
    this.index = index;
  }

  /** A deep copy with the same encoding (COPY, setTypeDup). */
  override dup(): SetValue {
    const s = new SetValue();
    s.items = this.items.slice();
    s.index = this.index === null ? null : new Map(this.index);
    s.intWidth = this.intWidth;
    return s;
  }

  /**
   * What SSCAN walks with a cursor: the hashtable's members. null for an intset, which Redis
   * returns whole in one call.
   */
  scanSource(): ScanSource | null {
    return this.index;
  }

  /** This set's SSCAN cursors. */
  scanCursors(): ScanCursors {
    return (this.cursors ??= new ScanCursors());
  }
}
