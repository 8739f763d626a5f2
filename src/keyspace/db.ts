// One numbered database: keys in a Map, expiry times in a second Map that holds only volatile
// keys, as Redis keeps dict and expires.

import type { Value } from '../types/value.js';

/** What a database needs from the server around it. */
export interface KeyspaceHost {
  now(): number;
  stats: { keyspaceHits: number; keyspaceMisses: number; expiredKeys: number };
  /** Called after a key is removed because its time passed (propagation, keyspace events). */
  keyExpired(db: Database, key: string): void;
}

/** SCAN cursors keep a live Map iterator, so keys present for the whole scan are never skipped. */
interface ScanState {
  iter: Iterator<string>;
  pos: number;
}
const SCAN_CURSOR_POS_BITS = 2 ** 32;
const MAX_SCAN_STATES = 256;

export class Database {
  dict = new Map<string, Value>();
  /** Expiry time (unix ms) of each volatile key. */
  expires = new Map<string, number>();
  /**
   * Versions of watched keys only: WATCH registers a key here, every write bumps it.
   * Unwatched keys cost nothing.
   */
  readonly watchedVersions = new Map<string, number>();
  private scans = new Map<number, ScanState>();
  /** Where the active expire cycle resumes. */
  private expireCursor: Iterator<[string, number]> | null = null;
  /** Where RANDOMKEY resumes in a large keyspace. */
  private randomCursor: Iterator<string> | null = null;

  constructor(
    public id: number,
    private host: KeyspaceHost,
  ) {}

  get size(): number {
    return this.dict.size;
  }

  /** Removes the key if its time has passed; true when it did. */
  expireIfNeeded(key: string): boolean {
    const when = this.expires.get(key);
    if (when === undefined || when > this.host.now()) return false;
    this.removeExpired(key);
    return true;
  }

  private removeExpired(key: string): void {
    this.dict.delete(key);
    this.expires.delete(key);
    this.host.stats.expiredKeys++;
    this.signalModified(key);
    this.host.keyExpired(this, key);
  }

  /** True if the key exists and its time has passed (without removing it). */
  isExpired(key: string): boolean {
    const when = this.expires.get(key);
    return when !== undefined && when <= this.host.now();
  }

  /** Lookup for a read command: counts a keyspace hit or miss. */
  lookupRead(key: string): Value | undefined {
    if (this.expires.size !== 0) this.expireIfNeeded(key);
    const v = this.dict.get(key);
    if (v === undefined) this.host.stats.keyspaceMisses++;
    else this.host.stats.keyspaceHits++;
    return v;
  }

  /** Lookup for a write command, or any lookup that must not count as a hit or miss. */
  lookupWrite(key: string): Value | undefined {
    if (this.expires.size !== 0) this.expireIfNeeded(key);
    return this.dict.get(key);
  }

  exists(key: string): boolean {
    if (this.expires.size !== 0) this.expireIfNeeded(key);
    return this.dict.has(key);
  }

  /** Sets a key, creating or overwriting it; the old time to live is dropped unless keepTtl. */
  set(key: string, value: Value, keepTtl = false): void {
    this.dict.set(key, value);
    if (!keepTtl && this.expires.size !== 0) this.expires.delete(key);
    this.signalModified(key);
  }

  /** Replaces the value in place of a key known to exist, keeping its time to live. */
  replace(key: string, value: Value): void {
    this.dict.set(key, value);
    this.signalModified(key);
  }

  delete(key: string): boolean {
    if (this.expires.size !== 0) this.expireIfNeeded(key);
    if (!this.dict.delete(key)) return false;
    if (this.expires.size !== 0) this.expires.delete(key);
    this.signalModified(key);
    return true;
  }

  getExpire(key: string): number | undefined {
    return this.expires.get(key);
  }

  /** Sets the expiry time (unix ms) of an existing key. */
  setExpire(key: string, when: number): void {
    this.expires.set(key, when);
  }

  removeExpire(key: string): boolean {
    return this.expires.delete(key);
  }

  /** Marks a key as changed, for WATCH. */
  signalModified(key: string): void {
    if (this.watchedVersions.size !== 0) {
      const v = this.watchedVersions.get(key);
      if (v !== undefined) this.watchedVersions.set(key, v + 1);
    }
  }

  /** Removes every key; returns how many there were. */
  flush(): number {
    const n = this.dict.size;
    for (const key of this.watchedVersions.keys()) {
      if (this.dict.has(key)) this.signalModified(key);
    }
    this.dict.clear();
    this.expires.clear();
    this.resetCursors();
    return n;
  }

  /** Forgets iteration state (after FLUSHDB, SWAPDB). */
  resetCursors(): void {
    this.scans.clear();
    this.expireCursor = null;
    this.randomCursor = null;
  }

  /**
   * One step of SCAN: up to count keys from cursor (0 starts), skipping expired ones.
   * Returns the next cursor (0 when done) and the keys.
   */
  scan(cursor: number, count: number): [number, string[]] {
    let state = cursor === 0 ? undefined : this.scans.get(cursor);
    if (cursor !== 0) this.scans.delete(cursor);
    if (!state) {
      // Unknown cursor (too old, or from before a restart): resume by position.
      const iter = this.dict.keys();
      const pos = cursor % SCAN_CURSOR_POS_BITS;
      for (let i = 0; i < pos; i++) if (iter.next().done) break;
      state = { iter, pos };
    }
    const keys: string[] = [];
    const now = this.host.now();
    while (keys.length < count) {
      const r = state.iter.next();
      if (r.done) return [0, keys];
      state.pos++;
      const when = this.expires.size !== 0 ? this.expires.get(r.value) : undefined;
      if (when !== undefined && when <= now) continue;
      keys.push(r.value);
    }
    // A random tag in the high bits keeps concurrent scans from sharing a cursor.
    const tag = 1 + Math.floor(Math.random() * 0xfffff);
    const next = tag * SCAN_CURSOR_POS_BITS + (state.pos % SCAN_CURSOR_POS_BITS);
    if (this.scans.size >= MAX_SCAN_STATES) {
      this.scans.delete(this.scans.keys().next().value as number);
    }
    this.scans.set(next, state);
    return [next, keys];
  }

  /** A random key that has not expired, or null when the database is empty. */
  randomKey(): string | null {
    for (let tries = 0; this.dict.size > 0; tries++) {
      const key = this.pickRandom();
      if (key === null) return null;
      if (!this.isExpired(key)) return key;
      // Like Redis: when every key is volatile, give up after a while rather than loop forever.
      if (tries > 100 && this.expires.size === this.dict.size) return key;
      this.expireIfNeeded(key);
    }
    return null;
  }

  private pickRandom(): string | null {
    const n = this.dict.size;
    if (n === 0) return null;
    if (n <= 1024) {
      let skip = Math.floor(Math.random() * n);
      for (const k of this.dict.keys()) if (skip-- === 0) return k;
      return null;
    }
    // Large keyspace: walk a shared cursor a random distance instead of scanning from the start.
    let skip = 1 + Math.floor(Math.random() * 64);
    for (;;) {
      if (!this.randomCursor) this.randomCursor = this.dict.keys();
      const r = this.randomCursor.next();
      if (r.done) {
        this.randomCursor = null;
        continue;
      }
      if (--skip === 0) return r.value;
    }
  }

  /**
   * One pass of the active expire cycle over this database: samples volatile keys from where
   * the last pass stopped and removes those whose time passed. Returns [sampled, expired].
   */
  activeExpire(maxSamples: number): [number, number] {
    if (this.expires.size === 0) return [0, 0];
    let sampled = 0;
    let expired = 0;
    const now = this.host.now();
    while (sampled < maxSamples && sampled < this.expires.size) {
      if (!this.expireCursor) this.expireCursor = this.expires.entries();
      const r = this.expireCursor.next();
      if (r.done) {
        this.expireCursor = null;
        if (sampled === 0) break;
        continue;
      }
      sampled++;
      const [key, when] = r.value;
      if (when <= now) {
        this.removeExpired(key);
        expired++;
      }
    }
    return [sampled, expired];
  }

  /** Swaps contents with another database in O(1) (SWAPDB); watched versions stay with their number. */
  swapWith(other: Database): void {
    [this.dict, other.dict] = [other.dict, this.dict];
    [this.expires, other.expires] = [other.expires, this.expires];
    this.resetCursors();
    other.resetCursors();
  }
}
