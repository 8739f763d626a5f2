// One numbered database: keys in a Map, expiry times in a second Map that holds only volatile
// keys, as Redis keeps dict and expires.

import type { Value } from '../types/value.js';
import { ScanCursors } from './scan.js';
import type { SnapshotSource } from '../persistence/snapshot.js';

/** What a database needs from the server around it. */
export interface KeyspaceHost {
  /** The current execution unit's time (unix ms). */
  now(): number;
  /**
   * The time (unix ms) lookups stamp on values for OBJECT IDLETIME and eviction: refreshed at
   * each read from a client and each cron tick rather than read from the clock per lookup, as
   * Redis's LRU clock (its resolution is a second).
   */
  readonly lruClock: number;
  stats: { keyspaceHits: number; keyspaceMisses: number };
  /** After a key is removed because its time passed: statistics, event, propagated DEL. */
  keyExpired(db: Database, key: string): void;
  /** After a write (see Database.changed): dirty count and keyspace event. */
  keyChanged(db: Database, key: string, type: number, event: string, dirty: number): void;
  /** A key was created (the 'new' keyspace event). */
  keyAdded(db: Database, key: string): void;
  /** Whether lookups record access times now (not for a CLIENT NO-TOUCH client's commands). */
  accessTouches(): boolean;
  /** A read found no key (the 'keymiss' keyspace event). */
  keyMissed(db: Database, key: string): void;
  /**
   * Whether keys must stay as they are (CLIENT PAUSE): a key whose time passed then reads as
   * missing but is not removed.
   */
  expiryPaused(): boolean;
  /** While a file loads no key expires (keyIsExpired), so commands replay as they ran. */
  readonly loading: boolean;
  /** On a replica: 'keep' an expired key for the primary's commands, else 'hide' it; null on a primary. */
  replicaExpiry(): 'keep' | 'hide' | null;
  /** A time to live was set (a writable replica remembers the keys its own clients gave one). */
  expireSet(db: Database, key: string): void;
}


/** Whoever WATCHes keys (a client): marked when one of them changes. */
export interface WatchOwner {
  casDirty: boolean;
  /** Its watched keys, in every database; null when none. */
  watching: WatchedKey[] | null;
}

/** Stops every watch of owner (UNWATCH, EXEC, DISCARD, a change that already failed EXEC). */
export function unwatchAll(owner: WatchOwner): void {
  const list = owner.watching;
  if (list === null) return;
  owner.watching = null;
  for (const wk of list) wk.db.unwatch(wk);
}

/** One key one client watches, listed both by its database and by the client. */
export interface WatchedKey {
  readonly key: string;
  readonly db: Database;
  readonly owner: WatchOwner;
  /** The key was already past its time when watched. */
  expired: boolean;
}

export class Database {
  dict = new Map<string, Value>();
  /** Expiry time (unix ms) of each volatile key. */
  expires = new Map<string, number>();
  /**
   * Exact expiry times of the rare keys whose time is beyond 2^53 ms (a double cannot hold it
   * exactly); expires holds the nearest double for them, which is all that comparisons need.
   * (A background save holds this map with the others: persistence/snapshot.ts.)
   */
  exactExpires = new Map<string, bigint>();
  /**
   * A background save (persistence/snapshot.ts) that has not written these contents yet: every
   * change to a key first lets it keep the key as it was at the save's cut. Null when none.
   */
  snap: SnapshotSource | null = null;
  /**
   * The clients WATCHing each key (Redis's db->watched_keys): a change to one of these keys
   * marks its watchers, so their EXEC fails. Unwatched keys cost nothing.
   */
  readonly watched = new Map<string, WatchedKey[]>();
  /** SCAN's live cursors (see keyspace/scan.ts). */
  private scans = new ScanCursors();
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

  /**
   * Removes the key if its time has passed; true when it has passed (the key is gone for the
   * caller). While clients are paused the key stays, only reading as missing, as in Redis.
   */
  expireIfNeeded(key: string): boolean {
    const when = this.expires.get(key);
    // Like Redis, a key is expired once the clock is past its time (not at it).
    if (when === undefined || when >= this.host.now() || this.host.loading) return false;
    const onReplica = this.host.replicaExpiry();
    if (onReplica !== null) return onReplica === 'hide';
    if (this.host.expiryPaused()) return true;
    this.removeExpired(key);
    return true;
  }

  /** Removes a key whose time passed, as expiry does (event, propagated DEL). */
  deleteExpired(key: string): void {
    this.removeExpired(key);
  }

  private removeExpired(key: string): void {
    if (this.snap !== null) this.snap.keep(key);
    this.dict.delete(key);
    this.expires.delete(key);
    if (this.exactExpires.size !== 0) this.exactExpires.delete(key);
    this.host.keyExpired(this, key);
    this.signalModified(key);
  }

  /** True if the key exists and its time has passed (without removing it). */
  isExpired(key: string): boolean {
    const when = this.expires.get(key);
    return when !== undefined && when < this.host.now();
  }

  /**
   * Lookup for a read command: counts a keyspace hit or miss. Unless touch is false (Redis's
   * LOOKUP_NOTOUCH, for TTL, TYPE, EXISTS, OBJECT …) it records the access time of object values;
   * a miss emits the 'keymiss' event unless notify is false.
   */
  lookupRead(key: string, touch = true, notify = true): Value | undefined {
    const v = this.expires.size !== 0 && this.expireIfNeeded(key) ? undefined : this.dict.get(key);
    if (v === undefined) {
      this.host.stats.keyspaceMisses++;
      // The 'keymiss' event, unless the lookup asks for none (Redis's LOOKUP_NONOTIFY).
      if (notify) this.host.keyMissed(this, key);
    } else {
      this.host.stats.keyspaceHits++;
      if (touch && typeof v !== 'string' && this.host.accessTouches()) v.lru = this.host.lruClock;
    }
    return v;
  }

  /** Lookup for a write command, or any lookup that must not count as a hit or miss. */
  lookupWrite(key: string): Value | undefined {
    // The caller may change the value in place: a running snapshot keeps it as it was first.
    if (this.snap !== null) this.snap.keep(key);
    const v = this.expires.size !== 0 && this.expireIfNeeded(key) ? undefined : this.dict.get(key);
    if (v !== undefined && typeof v !== 'string' && this.host.accessTouches()) v.lru = this.host.lruClock;
    return v;
  }

  exists(key: string): boolean {
    if (this.expires.size !== 0 && this.expireIfNeeded(key)) return false;
    return this.dict.has(key);
  }

  /**
   * Sets a key, creating or overwriting it; the old time to live is dropped unless keepTtl.
   * Like every write below, the caller then reports it with changed().
   */
  set(key: string, value: Value, keepTtl = false): void {
    if (this.snap !== null) this.snap.keep(key);
    if (typeof value !== 'string') value.lru = this.host.lruClock;
    const before = this.dict.size;
    this.dict.set(key, value);
    if (this.dict.size !== before) this.host.keyAdded(this, key);
    else if (!keepTtl && this.expires.size !== 0) this.removeExpire(key);
  }

  /** Replaces the value in place of a key known to exist, keeping its time to live. */
  replace(key: string, value: Value): void {
    if (this.snap !== null) this.snap.keep(key);
    if (typeof value !== 'string') value.lru = this.host.lruClock;
    this.dict.set(key, value);
  }

  /**
   * Removes a key (and its time to live); false when there was none. A key whose time passed is
   * expired first (so it counts as expired, not deleted) unless expireFirst is false.
   */
  delete(key: string, expireFirst = true): boolean {
    if (expireFirst && this.expires.size !== 0) this.expireIfNeeded(key);
    if (this.snap !== null) this.snap.keep(key);
    if (!this.dict.delete(key)) return false;
    if (this.expires.size !== 0) this.removeExpire(key);
    return true;
  }

  /**
   * The one call after every write to a key, as Redis's signalModifiedKey + notifyKeyspaceEvent
   * + dirty: bumps WATCH versions, counts dirty changes, and emits the keyspace event `event`
   * of class `type` (a NOTIFY flag; 0 for none). Tracking invalidation and ready keys hook in
   * here. Handlers never touch those directly.
   */
  changed(key: string, type: number, event: string, dirty = 1): void {
    if (this.watched.size !== 0) this.signalModified(key);
    this.host.keyChanged(this, key, type, event, dirty);
  }

  /** The expiry time (unix ms) of a key, or undefined when it has none. */
  getExpire(key: string): number | undefined {
    return this.expires.get(key);
  }

  /** The expiry time exactly, also when it is beyond 2^53 ms; undefined when the key has none. */
  getExpireExact(key: string): bigint | undefined {
    const when = this.expires.get(key);
    if (when === undefined) return undefined;
    if (Number.isSafeInteger(when)) return BigInt(when);
    const exact = this.exactExpires.get(key);
    if (exact !== undefined && Number(exact) === when) return exact;
    return Number.isFinite(when) ? BigInt(Math.trunc(when)) : BigInt(Number.MAX_SAFE_INTEGER);
  }

  /** Sets the expiry time (unix ms) of an existing key; a bigint keeps times beyond 2^53 exact. */
  setExpire(key: string, when: number | bigint): void {
    if (this.snap !== null) this.snap.keep(key);
    this.host.expireSet(this, key);
    if (typeof when === 'bigint') {
      const approx = Number(when);
      this.expires.set(key, approx);
      if (!Number.isSafeInteger(approx)) {
        this.exactExpires.set(key, when);
        return;
      }
    } else {
      this.expires.set(key, when);
    }
    if (this.exactExpires.size !== 0) this.exactExpires.delete(key);
  }

  removeExpire(key: string): boolean {
    if (this.snap !== null) this.snap.keep(key);
    if (this.exactExpires.size !== 0) this.exactExpires.delete(key);
    return this.expires.delete(key);
  }

  /**
   * Lets a running background save keep the key as it is before a change made outside this
   * class's methods (a value changed in place after a read lookup, a snapshot merged in).
   */
  keepForSnapshot(key: string): void {
    if (this.snap !== null) this.snap.keep(key);
  }

  /** Starts watching key for owner (WATCH), listed here and in owner.watching. */
  watch(owner: WatchOwner, key: string): WatchedKey {
    // A key already past its time is remembered as such: its removal by expiry is no change.
    const wk: WatchedKey = { key, db: this, owner, expired: this.isExpired(key) };
    const list = this.watched.get(key);
    if (list === undefined) this.watched.set(key, [wk]);
    else list.push(wk);
    if (owner.watching === null) owner.watching = [wk];
    else owner.watching.push(wk);
    return wk;
  }

  unwatch(wk: WatchedKey): void {
    const list = this.watched.get(wk.key);
    if (list === undefined) return;
    const i = list.indexOf(wk);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.watched.delete(wk.key);
  }

  /**
   * Marks the watchers of a key that changed (Redis's touchWatchedKey), after the change; a
   * marked watcher stops watching everything (its EXEC fails anyway). A watcher that saw the
   * key already expired is not marked when the key is now gone (its deletion changes nothing
   * logically). Like Redis 7.0, meeting such a watcher while the key still exists ends the
   * marking: it and the watchers after it are left as they are.
   */
  private signalModified(key: string): void {
    if (this.watched.size === 0) return;
    const list = this.watched.get(key);
    if (list === undefined) return;
    let marked: WatchOwner[] | null = null;
    for (const wk of list) {
      if (wk.expired) {
        if (this.dict.has(key)) break;
        wk.expired = false;
        continue;
      }
      wk.owner.casDirty = true;
      (marked ??= []).push(wk.owner);
    }
    if (marked !== null) for (const owner of marked) unwatchAll(owner);
  }

  /**
   * Marks the watchers of keys that a whole-database operation is about to change, before it
   * does (Redis's touchAllWatchedKeysInDb): FLUSHDB empties this database (replacedWith null),
   * SWAPDB replaces its contents with replacedWith's. A key changes when it exists on either
   * side; a watcher that saw it expired only notices a live value.
   */
  private signalAllWatched(replacedWith: Database | null): void {
    for (const [key, list] of this.watched) {
      const existed = this.dict.has(key);
      const replacement = replacedWith !== null && replacedWith.dict.has(key);
      if (!existed && !replacement) continue;
      for (const wk of list) {
        if (wk.expired) {
          if (!replacement) {
            wk.expired = false;
            continue;
          }
          if (replacedWith!.isExpired(key)) continue;
        } else if (!existed && replacedWith!.isExpired(key)) {
          wk.expired = true;
          continue;
        }
        wk.owner.casDirty = true;
      }
    }
  }

  /** Removes every key; returns how many there were. */
  flush(): number {
    const n = this.dict.size;
    if (this.watched.size !== 0) this.signalAllWatched(null);
    if (this.snap !== null) {
      // A running background save still needs these contents: it keeps the maps, which nothing
      // changes any more, and the database starts on new ones.
      this.snap.detach();
      this.dict = new Map();
      this.expires = new Map();
      this.exactExpires = new Map();
    } else {
      this.dict.clear();
      this.expires.clear();
      this.exactExpires.clear();
    }
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
   * One step of SCAN: up to count keys from cursor (0 starts), as Redis's dictScan visits them:
   * keys whose time has passed are included (the caller filters them out and expires them, so
   * they count toward COUNT as in Redis). Returns the next cursor (0 when done) and the keys.
   *
   * The cursor names a live Map iterator, so a key present from the start to the end of a full
   * iteration is returned at least once, however the keyspace changes in between; keys added
   * meanwhile may or may not be, as in Redis. A cursor this database does not know (too old, or
   * from before a restart) resumes by position instead.
   */
  scan(cursor: number | bigint, count: number): [number, string[]] {
    return this.scans.step(this.dict, cursor, count);
  }

  /** A random key that has not expired, or null when the database is empty. */
  randomKey(): string | null {
    // Every expired key picked is removed, so this ends within dict.size + 1 rounds; unless
    // clients are paused (expired keys stay): then, when every key is volatile, a key whose
    // time passed is answered after 100 tries, as a Redis replica does (a paused Redis loops
    // forever there).
    let tries = 100;
    const allVolatile = this.dict.size === this.expires.size;
    while (this.dict.size > 0) {
      const key = this.pickRandom();
      if (key === null) return null;
      if (!this.expireIfNeeded(key)) return key;
      if (allVolatile && --tries === 0 && this.host.expiryPaused()) return key;
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
    let restarted = false;
    while (sampled < maxSamples && sampled < this.expires.size) {
      if (!this.expireCursor) this.expireCursor = this.expires.entries();
      const r = this.expireCursor.next();
      if (r.done) {
        // The last pass ended here: start over from the first volatile key, once per call.
        this.expireCursor = null;
        if (restarted) break;
        restarted = true;
        continue;
      }
      sampled++;
      const [key, when] = r.value;
      if (when < now) {
        this.removeExpired(key);
        expired++;
      }
    }
    return [sampled, expired];
  }

  /**
   * Swaps contents with another database in O(1) (SWAPDB). Watchers stay with their database
   * (its number); a watched key that exists on either side before the swap counts as modified.
   */
  swapWith(other: Database): void {
    if (this.watched.size !== 0) this.signalAllWatched(other);
    if (other.watched.size !== 0) other.signalAllWatched(this);
    [this.dict, other.dict] = [other.dict, this.dict];
    [this.expires, other.expires] = [other.expires, this.expires];
    [this.exactExpires, other.exactExpires] = [other.exactExpires, this.exactExpires];
    // A running background save's hold on the contents moves with them.
    [this.snap, other.snap] = [other.snap, this.snap];
    if (this.snap !== null) this.snap.owner = this;
    if (other.snap !== null) other.snap.owner = other;
    this.resetCursors();
    other.resetCursors();
  }
}
