// The hash type: fields and values are byte strings (one-byte JS strings), with Redis's two
// encodings and its one-way conversion between them:
//
//   listpack   small hashes: the pairs in one flat array [field, value, field, value …] in
//              insertion order, fields found by a linear scan, as in Redis's listpack (which is
//              also what keeps small hashes cheap: one array, no table)
//   hashtable  the same flat array, kept dense (a removed pair is replaced by the last one),
//              plus a Map from field to its pair's slot: lookups, inserts and removals are O(1),
//              and so is picking a random field (HRANDFIELD)
//
// A hash becomes a hashtable when it passes hash-max-listpack-entries or gets a field or value
// longer than hash-max-listpack-value (the callers decide, as Redis's commands do), and never
// goes back. Iteration follows the flat array: insertion order for a listpack, as in Redis.

import { RObject } from './value.js';
import { ScanCursors, type ScanSource } from '../keyspace/scan.js';

export class HashValue extends RObject {
  readonly type = 'hash';
  /** field0, value0, field1, value1 … */
  private items: string[] = [];
  /** Field → its pair's number (the field is at items[2n]); null while a listpack. */
  private index: Map<string, number> | null = null;
  /** HSCAN cursors, created on first use. */
  private cursors: ScanCursors | null = null;

  /** A hash from flat [field, value …] pairs (no duplicate fields), in the given encoding. */
  static fromPairs(pairs: string[], listpack: boolean): HashValue {
    const h = new HashValue();
    h.items = pairs;
    if (!listpack) h.buildIndex();
    return h;
  }

  /** Pairs in the hash. */
  get size(): number {
    return this.items.length >>> 1;
  }

  get isListpack(): boolean {
    return this.index === null;
  }

  encoding(): string {
    return this.index === null ? 'listpack' : 'hashtable';
  }

  /** The pair number of a field, or -1. */
  private find(field: string): number {
    if (this.index !== null) return this.index.get(field) ?? -1;
    const items = this.items;
    for (let i = 0; i < items.length; i += 2) if (items[i] === field) return i >>> 1;
    return -1;
  }

  get(field: string): string | undefined {
    const n = this.find(field);
    return n < 0 ? undefined : this.items[2 * n + 1];
  }

  has(field: string): boolean {
    return this.find(field) >= 0;
  }

  /** Sets a field (hashTypeSet); true when the field is new. */
  set(field: string, value: string): boolean {
    const n = this.find(field);
    if (n >= 0) {
      this.items[2 * n + 1] = value;
      return false;
    }
    if (this.index !== null) this.index.set(field, this.items.length >>> 1);
    this.items.push(field, value);
    return true;
  }

  /** Removes a field (hashTypeDelete); false when it was not there. */
  delete(field: string): boolean {
    const n = this.find(field);
    if (n < 0) return false;
    const items = this.items;
    if (this.index === null) {
      // A listpack keeps its order.
      items.splice(2 * n, 2);
      return true;
    }
    this.index.delete(field);
    const last = items.length - 2;
    if (2 * n !== last) {
      items[2 * n] = items[last];
      items[2 * n + 1] = items[last + 1];
      this.index.set(items[2 * n], n);
    }
    items.length = last;
    return true;
  }

  /**
   * Every pair as [field, value, field, value …] in iteration order (insertion order for a
   * listpack). A view, not a copy: read it before the hash changes again.
   */
  pairs(): readonly string[] {
    return this.items;
  }

  /** The field of pair i (0 <= i < size), in iteration order. */
  fieldAt(i: number): string {
    return this.items[2 * i];
  }

  /** The value of pair i. */
  valueAt(i: number): string {
    return this.items[2 * i + 1];
  }

  /** A pair number chosen uniformly at random, in O(1); the hash must not be empty. */
  randomPair(): number {
    return Math.floor(Math.random() * (this.items.length >>> 1));
  }

  /** Converts a listpack into a hashtable (hashTypeConvert); the pairs keep their order. */
  toHashtable(): void {
    if (this.index === null) this.buildIndex();
  }

  private buildIndex(): void {
    const index = new Map<string, number>();
    const items = this.items;
    for (let i = 0; i < items.length; i += 2) index.set(items[i], i >>> 1);
    this.index = index;
  }

  /** A deep copy with the same encoding (COPY, hashTypeDup). */
  override dup(): HashValue {
    const h = new HashValue();
    h.items = this.items.slice();
    h.index = this.index === null ? null : new Map(this.index);
    return h;
  }

  /**
   * What HSCAN walks with a cursor: the hashtable's fields. null for a listpack, which Redis
   * returns whole in one call.
   */
  scanSource(): ScanSource | null {
    return this.index;
  }

  /** This hash's HSCAN cursors. */
  scanCursors(): ScanCursors {
    return (this.cursors ??= new ScanCursors());
  }
}
