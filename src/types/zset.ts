// The sorted set type: members are byte strings (one-byte JS strings), each with a double score,
// ordered by score and then by member bytes (plain JS `<` on one-byte strings is byte order).
// No replies, no client: commands/zsets.ts drives it.
//
// The order lives in a B+tree with subtree sizes (an order-statistic tree), which does what
// Redis's skiplist with spans does, in O(log n): insert, delete, rank, the element at a rank,
// and the first element of a score or lex range; a range of m elements is then read by walking
// the leaves (linked both ways), so ranges cost O(log n + m). Leaves hold up to LEAF_MAX members
// and their scores in two parallel arrays (the scores unboxed, as a double array); inner nodes
// hold their children, each child's size, and separator keys. Why not a skiplist as Redis: in V8
// a node object with its level arrays costs well over 100 bytes per member, where a leaf slot
// costs two array words, and a leaf is read with sequential array accesses.
//
// Redis 7.0's two encodings, and its one-way conversion between them, are kept as state:
//
//   listpack   small sets: only the tree (one leaf, unless the limit is raised), members found by
//              a linear scan, as in Redis's listpack, which is also what keeps them small
//   skiplist   past zset-max-listpack-entries members, or a member longer than
//              zset-max-listpack-value bytes: the tree plus a Map from member to score, so a
//              member's score is O(1) and its rank O(log n)
//
// The limits are read live from a ZSetLimits object the server owns (CONFIG SET changes it), as
// Redis reads its globals on each insert. A set converts as Redis's zsetAdd converts it (before
// inserting a member that would pass a limit); commands and the RDB loader convert back where
// Redis does (zsetConvertToListpackIfNeeded, loading).

import { RObject } from './value.js';
import { ScanCursors, type ScanSource } from '../keyspace/scan.js';

/** zset-max-listpack-entries and zset-max-listpack-value, read on every insert. */
export interface ZSetLimits {
  maxListpackEntries: number;
  maxListpackValue: number;
}

/** Redis's defaults (a set created without a server). */
export const DEFAULT_ZSET_LIMITS: ZSetLimits = { maxListpackEntries: 128, maxListpackValue: 64 };

/** A score interval (Redis's zrangespec): [min, max], either end exclusive. */
export interface ScoreRange {
  min: number;
  max: number;
  minex: boolean;
  maxex: boolean;
}

/** The "-" and "+" of a lex range: below and above every member. */
export const LEX_MINUS: unique symbol = Symbol('-');
export const LEX_PLUS: unique symbol = Symbol('+');
export type LexBound = string | typeof LEX_MINUS | typeof LEX_PLUS;

/** A member interval (Redis's zlexrangespec); "-" and "+" are exclusive, as Redis parses them. */
export interface LexRange {
  min: LexBound;
  max: LexBound;
  minex: boolean;
  maxex: boolean;
}

const LEAF_MAX = 128;
const LEAF_MIN = LEAF_MAX >>> 2;
const INNER_MAX = 64;
const INNER_MIN = INNER_MAX >>> 2;

class Leaf {
  members: string[] = [];
  scores: number[] = [];
  prev: Leaf | null = null;
  next: Leaf | null = null;
}

class Inner {
  children: Node[] = [];
  /** Each child's element count. */
  counts: number[] = [];
  /**
   * Separator j (key sepScores[j], sepMembers[j]) lies between child j and child j+1: above
   * every key of child j, at or below every key of child j+1. Deletions leave it valid.
   */
  sepScores: number[] = [];
  sepMembers: string[] = [];
}

type Node = Leaf | Inner;

/** a < b in the set's order: score, then member bytes. */
function keyLess(as: number, am: string, bs: number, bm: string): boolean {
  return as < bs || (as === bs && am < bm);
}

/** Paths from the root, reused by every descent (commands run one at a time). */
const pathNodes: Inner[] = [];
const pathIdx: number[] = [];

function sum(a: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
}

/**
 * A position in a sorted set, for walking a range without allocating per element: seek it
 * (ZSetValue.seekRank), then read member/score and step with next()/prev(). Valid until the set
 * changes.
 */
export class ZCursor {
  leaf: Leaf | null = null;
  i = 0;

  get member(): string {
    return this.leaf!.members[this.i];
  }

  get score(): number {
    return this.leaf!.scores[this.i];
  }

  /** Moves to the next element; false past the last. */
  next(): boolean {
    const leaf = this.leaf;
    if (leaf === null) return false;
    if (++this.i < leaf.members.length) return true;
    this.leaf = leaf.next;
    this.i = 0;
    return this.leaf !== null;
  }

  /** Moves to the previous element; false before the first. */
  prev(): boolean {
    const leaf = this.leaf;
    if (leaf === null) return false;
    if (--this.i >= 0) return true;
    this.leaf = leaf.prev;
    this.i = this.leaf === null ? 0 : this.leaf.members.length - 1;
    return this.leaf !== null;
  }
}

export class ZSetValue extends RObject {
  readonly type = 'zset';
  private root: Node = new Leaf();
  /** Levels of inner nodes above the leaves. */
  private height = 0;
  private count = 0;
  private first: Leaf;
  private last: Leaf;
  /** Member → score; null while listpack-encoded. */
  private dict: Map<string, number> | null = null;
  /** ZSCAN cursors, created on first use. */
  private cursors: ScanCursors | null = null;

  /** An empty listpack-encoded set; prefer the factories below, which say which encoding. */
  constructor(readonly limits: ZSetLimits) {
    super();
    this.first = this.last = this.root as Leaf;
  }

  /**
   * An empty set as ZADD creates one: skiplist-encoded when zset-max-listpack-entries is 0 or the
   * first member is longer than zset-max-listpack-value (firstMemberLength: 0 when unknown),
   * else listpack-encoded. limits is the server's live object.
   */
  static create(limits: ZSetLimits, firstMemberLength = 0): ZSetValue {
    const z = new ZSetValue(limits);
    if (limits.maxListpackEntries === 0 || firstMemberLength > limits.maxListpackValue) z.dict = new Map();
    return z;
  }

  /** An empty listpack-encoded set (createZsetListpackObject). */
  static listpack(limits: ZSetLimits): ZSetValue {
    return new ZSetValue(limits);
  }

  /** An empty skiplist-encoded set (createZsetObject). */
  static skiplist(limits: ZSetLimits): ZSetValue {
    const z = new ZSetValue(limits);
    z.dict = new Map();
    return z;
  }

  /**
   * A set holding members/scores, which must be sorted and free of repeats, in the given
   * encoding (no limits checked): built bottom-up in O(n). The arrays are taken over.
   */
  static fromSorted(limits: ZSetLimits, members: string[], scores: number[], listpack: boolean): ZSetValue {
    const z = new ZSetValue(limits);
    if (listpack) for (let i = 0; i < scores.length; i++) if (scores[i] === 0) scores[i] = 0;
    z.build(members, scores);
    if (!listpack) z.buildDict();
    return z;
  }

  get size(): number {
    return this.count;
  }

  get isListpack(): boolean {
    return this.dict === null;
  }

  encoding(): string {
    return this.dict === null ? 'listpack' : 'skiplist';
  }

  // ---- Lookups ------------------------------------------------------------------------------

  score(member: string): number | undefined {
    if (this.dict !== null) return this.dict.get(member);
    for (let leaf: Leaf | null = this.first; leaf !== null; leaf = leaf.next) {
      const i = leaf.members.indexOf(member);
      if (i >= 0) return leaf.scores[i];
    }
    return undefined;
  }

  has(member: string): boolean {
    return this.score(member) !== undefined;
  }

  /** The 0-based rank of member (from the highest score when reverse), or -1 when absent. */
  rank(member: string, reverse = false): number {
    const score = this.score(member);
    if (score === undefined) return -1;
    const r = this.countBefore(score, member);
    return reverse ? this.count - 1 - r : r;
  }

  /** The member and score at a rank (0 <= rank < size). */
  at(rank: number): [string, number] {
    const c = this.seekRank(rank);
    return [c.member, c.score];
  }

  /** A cursor at rank (0 <= rank < size), or past the end when rank is size. */
  seekRank(rank: number, cursor: ZCursor = new ZCursor()): ZCursor {
    let node = this.root;
    for (let h = this.height; h > 0; h--) {
      const inner = node as Inner;
      const counts = inner.counts;
      let j = 0;
      while (j < counts.length - 1 && rank >= counts[j]) rank -= counts[j++];
      node = inner.children[j];
    }
    const leaf = node as Leaf;
    if (rank >= leaf.members.length && leaf.next !== null) {
      cursor.leaf = leaf.next;
      cursor.i = rank - leaf.members.length;
    } else {
      cursor.leaf = rank < leaf.members.length ? leaf : null;
      cursor.i = rank;
    }
    return cursor;
  }

  /** How many elements sort before (score, member). */
  private countBefore(score: number, member: string): number {
    let node = this.root;
    let before = 0;
    for (let h = this.height; h > 0; h--) {
      const inner = node as Inner;
      const seps = inner.sepScores;
      const sepm = inner.sepMembers;
      // The first separator above the key: the key can only be in the child before it.
      let lo = 0;
      let hi = seps.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (keyLess(score, member, seps[mid], sepm[mid])) hi = mid;
        else lo = mid + 1;
      }
      const counts = inner.counts;
      for (let j = 0; j < lo; j++) before += counts[j];
      node = inner.children[lo];
    }
    const leaf = node as Leaf;
    return before + leafLowerBound(leaf, score, member);
  }

  /** How many elements have a score below v (or at most v, when inclusive). */
  countBelowScore(v: number, inclusive: boolean): number {
    let node = this.root;
    let before = 0;
    for (let h = this.height; h > 0; h--) {
      const inner = node as Inner;
      const seps = inner.sepScores;
      let lo = 0;
      let hi = seps.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (inclusive ? seps[mid] <= v : seps[mid] < v) lo = mid + 1;
        else hi = mid;
      }
      const counts = inner.counts;
      for (let j = 0; j < lo; j++) before += counts[j];
      node = inner.children[lo];
    }
    const scores = (node as Leaf).scores;
    let lo = 0;
    let hi = scores.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (inclusive ? scores[mid] <= v : scores[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    return before + lo;
  }

  /**
   * How many elements have a member below m (or at most m, when inclusive), for a set whose
   * scores are all equal (lex ranges assume so, as in Redis; otherwise the answer is some rank).
   */
  countBelowMember(m: LexBound, inclusive: boolean): number {
    if (m === LEX_MINUS) return 0;
    if (m === LEX_PLUS) return this.count;
    let node = this.root;
    let before = 0;
    for (let h = this.height; h > 0; h--) {
      const inner = node as Inner;
      const seps = inner.sepMembers;
      let lo = 0;
      let hi = seps.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (inclusive ? seps[mid] <= m : seps[mid] < m) lo = mid + 1;
        else hi = mid;
      }
      const counts = inner.counts;
      for (let j = 0; j < lo; j++) before += counts[j];
      node = inner.children[lo];
    }
    const members = (node as Leaf).members;
    let lo = 0;
    let hi = members.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (inclusive ? members[mid] <= m : members[mid] < m) lo = mid + 1;
      else hi = mid;
    }
    return before + lo;
  }

  /** The ranks [first, end) of the elements within a score range (first >= end: none). */
  scoreRanks(range: ScoreRange): [number, number] {
    return [this.countBelowScore(range.min, range.minex), this.countBelowScore(range.max, !range.maxex)];
  }

  /** The ranks [first, end) of the elements within a lex range (first >= end: none). */
  lexRanks(range: LexRange): [number, number] {
    return [this.countBelowMember(range.min, range.minex), this.countBelowMember(range.max, !range.maxex)];
  }

  // ---- Iteration ----------------------------------------------------------------------------

  /** Elements from rank start to stop inclusive (normalised: 0 <= start <= stop < size), or from stop down to start. */
  *rangeByRank(start: number, stop: number, reverse = false): IterableIterator<[string, number]> {
    if (start > stop || start >= this.count) return;
    const c = this.seekRank(reverse ? stop : start);
    for (let n = stop - start + 1; n > 0 && c.leaf !== null; n--) {
      yield [c.member, c.score];
      if (reverse) c.prev();
      else c.next();
    }
  }

  /** Elements within a score range, in order (from the highest when reverse). */
  *rangeByScore(range: ScoreRange, reverse = false): IterableIterator<[string, number]> {
    const [first, end] = this.scoreRanks(range);
    if (first < end) yield* this.rangeByRank(first, end - 1, reverse);
  }

  /** Elements within a lex range, in order (from the highest when reverse). */
  *rangeByLex(range: LexRange, reverse = false): IterableIterator<[string, number]> {
    const [first, end] = this.lexRanks(range);
    if (first < end) yield* this.rangeByRank(first, end - 1, reverse);
  }

  /** Every element in order. */
  *entries(): IterableIterator<[string, number]> {
    for (let leaf: Leaf | null = this.first; leaf !== null; leaf = leaf.next) {
      const members = leaf.members;
      const scores = leaf.scores;
      for (let i = 0; i < members.length; i++) yield [members[i], scores[i]];
    }
  }

  /** Calls fn for every element in order, without allocating. */
  forEach(fn: (member: string, score: number) => void): void {
    for (let leaf: Leaf | null = this.first; leaf !== null; leaf = leaf.next) {
      const members = leaf.members;
      const scores = leaf.scores;
      for (let i = 0; i < members.length; i++) fn(members[i], scores[i]);
    }
  }

  // ---- Changes ------------------------------------------------------------------------------

  /**
   * Inserts member with score, or updates its score; true when the member is new. A new member
   * converts a listpack set first when it would pass a limit (zsetAdd). score must not be NaN.
   */
  add(member: string, score: number): boolean {
    const dict = this.dict;
    // A listpack stores an integral score as an integer: -0 reads back as 0 (zzlInsertAt).
    if (dict === null && score === 0) score = 0;
    const old = dict !== null ? dict.get(member) : this.score(member);
    if (old !== undefined) {
      if (old !== score) {
        if (!this.updateInPlace(old, member, score)) {
          this.remove(old, member);
          this.insert(score, member);
        }
        if (dict !== null) dict.set(member, score);
      }
      return false;
    }
    if (dict === null) {
      const limits = this.limits;
      if (this.count + 1 > limits.maxListpackEntries || member.length > limits.maxListpackValue) this.toSkiplist();
    }
    this.insert(score, member);
    if (this.dict !== null) this.dict.set(member, score);
    return true;
  }

  /** Removes member; false when it was not there. */
  delete(member: string): boolean {
    const score = this.score(member);
    if (score === undefined) return false;
    this.remove(score, member);
    if (this.dict !== null) this.dict.delete(member);
    return true;
  }

  /**
   * Removes the elements at ranks start to stop inclusive (normalised); returns how many. Runs of
   * a leaf go at once, so this is O(log n + m) as Redis's range deletions.
   */
  deleteRangeByRank(start: number, stop: number): number {
    if (start > stop || start >= this.count) return 0;
    if (stop >= this.count) stop = this.count - 1;
    const total = stop - start + 1;
    if (start === 0 && total === this.count) {
      this.clear();
      return total;
    }
    let left = total;
    const dict = this.dict;
    while (left > 0) {
      // Descend to rank start, remembering the path.
      let node = this.root;
      let rank = start;
      let depth = 0;
      for (let h = this.height; h > 0; h--) {
        const inner = node as Inner;
        const counts = inner.counts;
        let j = 0;
        while (j < counts.length - 1 && rank >= counts[j]) rank -= counts[j++];
        pathNodes[depth] = inner;
        pathIdx[depth++] = j;
        node = inner.children[j];
      }
      const leaf = node as Leaf;
      const n = Math.min(left, leaf.members.length - rank);
      if (dict !== null) for (let i = rank; i < rank + n; i++) dict.delete(leaf.members[i]);
      leaf.members.splice(rank, n);
      leaf.scores.splice(rank, n);
      for (let d = 0; d < depth; d++) pathNodes[d].counts[pathIdx[d]] -= n;
      this.count -= n;
      left -= n;
      this.rebalance(leaf, depth);
    }
    return total;
  }

  /** Removes the elements within a score range; returns how many. */
  deleteRangeByScore(range: ScoreRange): number {
    const [first, end] = this.scoreRanks(range);
    return first < end ? this.deleteRangeByRank(first, end - 1) : 0;
  }

  /** Removes the elements within a lex range; returns how many. */
  deleteRangeByLex(range: LexRange): number {
    const [first, end] = this.lexRanks(range);
    return first < end ? this.deleteRangeByRank(first, end - 1) : 0;
  }

  /** Removes every element (the encoding stays). */
  clear(): void {
    const leaf = new Leaf();
    this.root = this.first = this.last = leaf;
    this.height = 0;
    this.count = 0;
    if (this.dict !== null) this.dict.clear();
  }

  /** The lowest element, or undefined when empty. */
  min(): [string, number] | undefined {
    const leaf = this.first;
    return leaf.members.length === 0 ? undefined : [leaf.members[0], leaf.scores[0]];
  }

  /** The highest element, or undefined when empty. */
  max(): [string, number] | undefined {
    const leaf = this.last;
    const n = leaf.members.length;
    return n === 0 ? undefined : [leaf.members[n - 1], leaf.scores[n - 1]];
  }

  /** A uniformly random element (the set must not be empty). */
  random(): [string, number] {
    return this.at(Math.floor(Math.random() * this.count));
  }

  // ---- Encodings ----------------------------------------------------------------------------

  /** listpack → skiplist (zsetConvert): the member → score map is built. */
  toSkiplist(): void {
    if (this.dict === null) this.buildDict();
  }

  /** skiplist → listpack (zsetConvert): the map is dropped, and -0 scores become 0 (see add). */
  toListpack(): void {
    if (this.dict === null) return;
    this.dict = null;
    this.cursors = null;
    for (let leaf: Leaf | null = this.first; leaf !== null; leaf = leaf.next) {
      const scores = leaf.scores;
      for (let i = 0; i < scores.length; i++) if (scores[i] === 0) scores[i] = 0;
    }
  }

  /**
   * zsetConvertToListpackIfNeeded: a skiplist set small enough for a listpack becomes one. Redis
   * checks the longest member its callers saw; this set's own longest member is the same thing.
   */
  toListpackIfFits(): void {
    if (this.dict === null || this.count > this.limits.maxListpackEntries) return;
    const maxValue = this.limits.maxListpackValue;
    for (let leaf: Leaf | null = this.first; leaf !== null; leaf = leaf.next) {
      for (const m of leaf.members) if (m.length > maxValue) return;
    }
    this.toListpack();
  }

  /** A deep copy with the same encoding and limits (COPY, zsetDup). */
  override dup(): ZSetValue {
    const members: string[] = [];
    const scores: number[] = [];
    for (let leaf: Leaf | null = this.first; leaf !== null; leaf = leaf.next) {
      for (let i = 0; i < leaf.members.length; i++) {
        members.push(leaf.members[i]);
        scores.push(leaf.scores[i]);
      }
    }
    return ZSetValue.fromSorted(this.limits, members, scores, this.dict === null);
  }

  /** What ZSCAN walks with a cursor: the skiplist's map. null for a listpack (returned whole). */
  scanSource(): ScanSource | null {
    return this.dict;
  }

  scanCursors(): ScanCursors {
    return (this.cursors ??= new ScanCursors());
  }

  /** Checks the tree's invariants (tests): throws on the first one broken. */
  checkStructure(): void {
    let seen = 0;
    let prevLeaf: Leaf | null = null;
    let firstLeaf: Leaf | null = null;
    const leaves: Leaf[] = [];
    const walk = (node: Node, h: number, lo: [number, string] | null, hi: [number, string] | null): number => {
      if (h === 0) {
        const leaf = node as Leaf;
        if (leaf.members.length !== leaf.scores.length) throw new Error('leaf arrays differ in length');
        if (node !== this.root && leaf.members.length === 0) throw new Error('empty leaf');
        for (let i = 0; i < leaf.members.length; i++) {
          const s = leaf.scores[i];
          const m = leaf.members[i];
          if (lo !== null && keyLess(s, m, lo[0], lo[1])) throw new Error('key below its separator');
          if (hi !== null && !keyLess(s, m, hi[0], hi[1])) throw new Error('key at or above its separator');
        }
        leaves.push(leaf);
        return leaf.members.length;
      }
      const inner = node as Inner;
      const k = inner.children.length;
      if (k < 2 && node === this.root) throw new Error('root with one child');
      if (k < 1 || inner.counts.length !== k || inner.sepScores.length !== k - 1 || inner.sepMembers.length !== k - 1) {
        throw new Error('inner node arrays inconsistent');
      }
      let total = 0;
      for (let j = 0; j < k; j++) {
        const clo: [number, string] | null = j === 0 ? lo : [inner.sepScores[j - 1], inner.sepMembers[j - 1]];
        const chi: [number, string] | null = j === k - 1 ? hi : [inner.sepScores[j], inner.sepMembers[j]];
        const n = walk(inner.children[j], h - 1, clo, chi);
        if (n !== inner.counts[j]) throw new Error(`count ${inner.counts[j]} where the child holds ${n}`);
        total += n;
      }
      return total;
    };
    const n = walk(this.root, this.height, null, null);
    if (n !== this.count) throw new Error(`size ${this.count} where the tree holds ${n}`);
    for (const leaf of leaves) {
      if (firstLeaf === null) firstLeaf = leaf;
      if (leaf.prev !== prevLeaf) throw new Error('leaf prev link broken');
      if (prevLeaf !== null && prevLeaf.next !== leaf) throw new Error('leaf next link broken');
      seen += leaf.members.length;
      prevLeaf = leaf;
    }
    if (firstLeaf !== this.first || prevLeaf !== this.last || prevLeaf!.next !== null) throw new Error('leaf ends wrong');
    if (seen !== this.count) throw new Error('leaf chain size wrong');
    if (this.dict !== null) {
      if (this.dict.size !== this.count) throw new Error('map size differs');
      for (const leaf of leaves) {
        for (let i = 0; i < leaf.members.length; i++) {
          if (!Object.is(this.dict.get(leaf.members[i]), leaf.scores[i])) throw new Error('map score differs');
        }
      }
    }
  }

  // ---- The tree -----------------------------------------------------------------------------

  private buildDict(): void {
    const dict = new Map<string, number>();
    for (let leaf: Leaf | null = this.first; leaf !== null; leaf = leaf.next) {
      const members = leaf.members;
      const scores = leaf.scores;
      for (let i = 0; i < members.length; i++) dict.set(members[i], scores[i]);
    }
    this.dict = dict;
  }

  /** Builds the tree bottom-up from sorted arrays: leaves three quarters full. */
  private build(members: string[], scores: number[]): void {
    const n = members.length;
    this.count = n;
    if (n <= LEAF_MAX) {
      const leaf = new Leaf();
      leaf.members = members;
      leaf.scores = scores;
      this.root = this.first = this.last = leaf;
      this.height = 0;
      return;
    }
    const per = (LEAF_MAX * 3) >>> 2;
    let level: Node[] = [];
    let counts: number[] = [];
    let prev: Leaf | null = null;
    const leaves = Math.ceil(n / per);
    for (let k = 0; k < leaves; k++) {
      // Spread the remainder so no leaf is under the minimum.
      const from = Math.floor((k * n) / leaves);
      const to = Math.floor(((k + 1) * n) / leaves);
      const leaf = new Leaf();
      leaf.members = members.slice(from, to);
      leaf.scores = scores.slice(from, to);
      leaf.prev = prev;
      if (prev !== null) prev.next = leaf;
      else this.first = leaf;
      prev = leaf;
      level.push(leaf);
      counts.push(to - from);
    }
    this.last = prev!;
    let height = 0;
    const perInner = (INNER_MAX * 3) >>> 2;
    while (level.length > 1) {
      const groups = Math.ceil(level.length / perInner);
      const up: Node[] = [];
      const upCounts: number[] = [];
      for (let k = 0; k < groups; k++) {
        const from = Math.floor((k * level.length) / groups);
        const to = Math.floor(((k + 1) * level.length) / groups);
        const inner = new Inner();
        inner.children = level.slice(from, to);
        inner.counts = counts.slice(from, to);
        for (let j = from + 1; j < to; j++) {
          const [s, m] = firstKey(level[j], height);
          inner.sepScores.push(s);
          inner.sepMembers.push(m);
        }
        up.push(inner);
        upCounts.push(sum(inner.counts));
      }
      level = up;
      counts = upCounts;
      height++;
    }
    this.root = level[0];
    this.height = height;
  }

  /** Changes a score where the element stays between the same neighbours of its leaf. */
  private updateInPlace(old: number, member: string, score: number): boolean {
    const leaf = this.leafFor(old, member);
    const i = leafLowerBound(leaf, old, member);
    const members = leaf.members;
    const scores = leaf.scores;
    if (i === 0 || i >= members.length - 1) return false;
    if (!keyLess(scores[i - 1], members[i - 1], score, member)) return false;
    if (!keyLess(score, member, scores[i + 1], members[i + 1])) return false;
    scores[i] = score;
    return true;
  }

  /** The leaf where (score, member) is or would go. */
  private leafFor(score: number, member: string): Leaf {
    let node = this.root;
    for (let h = this.height; h > 0; h--) {
      const inner = node as Inner;
      node = inner.children[childFor(inner, score, member)];
    }
    return node as Leaf;
  }

  /** Inserts a key known to be absent. */
  private insert(score: number, member: string): void {
    let node = this.root;
    let depth = 0;
    for (let h = this.height; h > 0; h--) {
      const inner = node as Inner;
      const j = childFor(inner, score, member);
      inner.counts[j]++;
      pathNodes[depth] = inner;
      pathIdx[depth++] = j;
      node = inner.children[j];
    }
    const leaf = node as Leaf;
    const i = leafLowerBound(leaf, score, member);
    if (i === leaf.members.length) {
      leaf.members.push(member);
      leaf.scores.push(score);
    } else {
      leaf.members.splice(i, 0, member);
      leaf.scores.splice(i, 0, score);
    }
    this.count++;
    if (leaf.members.length > LEAF_MAX) this.splitLeaf(leaf, depth);
  }

  private splitLeaf(leaf: Leaf, depth: number): void {
    const half = leaf.members.length >>> 1;
    const right = new Leaf();
    right.members = leaf.members.slice(half);
    right.scores = leaf.scores.slice(half);
    leaf.members.length = half;
    leaf.scores.length = half;
    right.next = leaf.next;
    right.prev = leaf;
    if (leaf.next !== null) leaf.next.prev = right;
    else this.last = right;
    leaf.next = right;
    this.addChild(depth, leaf, half, right, right.members.length, right.scores[0], right.members[0]);
  }

  /**
   * After node (at path depth, the child pathIdx[depth-1] of pathNodes[depth-1]) split: node now
   * holds leftCount elements and right, just after it, rightCount; sep separates them.
   */
  private addChild(depth: number, node: Node, leftCount: number, right: Node, rightCount: number, sepScore: number, sepMember: string): void {
    if (depth === 0) {
      const root = new Inner();
      root.children = [node, right];
      root.counts = [leftCount, rightCount];
      root.sepScores = [sepScore];
      root.sepMembers = [sepMember];
      this.root = root;
      this.height++;
      return;
    }
    const parent = pathNodes[depth - 1];
    const j = pathIdx[depth - 1];
    parent.children.splice(j + 1, 0, right);
    parent.counts[j] = leftCount;
    parent.counts.splice(j + 1, 0, rightCount);
    parent.sepScores.splice(j, 0, sepScore);
    parent.sepMembers.splice(j, 0, sepMember);
    if (parent.children.length <= INNER_MAX) return;
    // Split the parent: the separator between the halves moves up.
    const half = parent.children.length >>> 1;
    const sibling = new Inner();
    sibling.children = parent.children.slice(half);
    sibling.counts = parent.counts.slice(half);
    sibling.sepScores = parent.sepScores.slice(half);
    sibling.sepMembers = parent.sepMembers.slice(half);
    const upScore = parent.sepScores[half - 1];
    const upMember = parent.sepMembers[half - 1];
    parent.children.length = half;
    parent.counts.length = half;
    parent.sepScores.length = half - 1;
    parent.sepMembers.length = half - 1;
    this.addChild(depth - 1, parent, sum(parent.counts), sibling, sum(sibling.counts), upScore, upMember);
  }

  /** Removes a key known to be present. */
  private remove(score: number, member: string): void {
    let node = this.root;
    let depth = 0;
    for (let h = this.height; h > 0; h--) {
      const inner = node as Inner;
      const j = childFor(inner, score, member);
      inner.counts[j]--;
      pathNodes[depth] = inner;
      pathIdx[depth++] = j;
      node = inner.children[j];
    }
    const leaf = node as Leaf;
    const i = leafLowerBound(leaf, score, member);
    if (i === leaf.members.length - 1) {
      leaf.members.pop();
      leaf.scores.pop();
    } else {
      leaf.members.splice(i, 1);
      leaf.scores.splice(i, 1);
    }
    this.count--;
    if (leaf.members.length < LEAF_MIN) this.rebalance(leaf, depth);
  }

  /** After a leaf (at path depth) lost elements: merges it with or refills it from a sibling. */
  private rebalance(leaf: Leaf, depth: number): void {
    if (depth === 0 || leaf.members.length >= LEAF_MIN) return;
    const parent = pathNodes[depth - 1];
    const j = pathIdx[depth - 1];
    const useLeft = j > 0;
    const li = useLeft ? j - 1 : j;
    const left = parent.children[li] as Leaf;
    const right = parent.children[li + 1] as Leaf;
    const total = left.members.length + right.members.length;
    if (total <= LEAF_MAX) {
      // Merge right into left.
      for (let k = 0; k < right.members.length; k++) {
        left.members.push(right.members[k]);
        left.scores.push(right.scores[k]);
      }
      left.next = right.next;
      if (right.next !== null) right.next.prev = left;
      else this.last = left;
      parent.counts[li] = total;
      this.removeChild(depth - 1, li + 1);
      return;
    }
    // Even the two out.
    const want = total >>> 1;
    if (left.members.length > want) {
      const moved = left.members.length - want;
      right.members.unshift(...left.members.splice(want, moved));
      right.scores.unshift(...left.scores.splice(want, moved));
    } else {
      const moved = want - left.members.length;
      left.members.push(...right.members.splice(0, moved));
      left.scores.push(...right.scores.splice(0, moved));
    }
    parent.counts[li] = left.members.length;
    parent.counts[li + 1] = right.members.length;
    parent.sepScores[li] = right.scores[0];
    parent.sepMembers[li] = right.members[0];
  }

  /** Removes child k (merged into child k-1) from the inner node at path depth. */
  private removeChild(depth: number, k: number): void {
    const node = pathNodes[depth];
    node.children.splice(k, 1);
    node.counts.splice(k, 1);
    node.sepScores.splice(k - 1, 1);
    node.sepMembers.splice(k - 1, 1);
    if (depth === 0) {
      if (node.children.length === 1) {
        this.root = node.children[0];
        this.height--;
      }
      return;
    }
    if (node.children.length >= INNER_MIN) return;
    const parent = pathNodes[depth - 1];
    const j = pathIdx[depth - 1];
    const li = j > 0 ? j - 1 : j;
    const left = parent.children[li] as Inner;
    const right = parent.children[li + 1] as Inner;
    const downScore = parent.sepScores[li];
    const downMember = parent.sepMembers[li];
    if (left.children.length + right.children.length <= INNER_MAX) {
      left.children.push(...right.children);
      left.counts.push(...right.counts);
      left.sepScores.push(downScore, ...right.sepScores);
      left.sepMembers.push(downMember, ...right.sepMembers);
      parent.counts[li] += parent.counts[li + 1];
      this.removeChild(depth - 1, li + 1);
      return;
    }
    // Rotate children through the parent's separator until the two are even.
    const want = (left.children.length + right.children.length) >>> 1;
    while (left.children.length > want) {
      const moved = left.counts.pop()!;
      right.children.unshift(left.children.pop()!);
      right.counts.unshift(moved);
      right.sepScores.unshift(parent.sepScores[li]);
      right.sepMembers.unshift(parent.sepMembers[li]);
      parent.sepScores[li] = left.sepScores.pop()!;
      parent.sepMembers[li] = left.sepMembers.pop()!;
      parent.counts[li] -= moved;
      parent.counts[li + 1] += moved;
    }
    while (left.children.length < want) {
      const moved = right.counts.shift()!;
      left.children.push(right.children.shift()!);
      left.counts.push(moved);
      left.sepScores.push(parent.sepScores[li]);
      left.sepMembers.push(parent.sepMembers[li]);
      parent.sepScores[li] = right.sepScores.shift()!;
      parent.sepMembers[li] = right.sepMembers.shift()!;
      parent.counts[li] += moved;
      parent.counts[li + 1] -= moved;
    }
  }
}

/** The child of inner where (score, member) is or would go: the first separator above it. */
function childFor(inner: Inner, score: number, member: string): number {
  const seps = inner.sepScores;
  const sepm = inner.sepMembers;
  let lo = 0;
  let hi = seps.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keyLess(score, member, seps[mid], sepm[mid])) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The first index in leaf whose key is not below (score, member). */
function leafLowerBound(leaf: Leaf, score: number, member: string): number {
  const scores = leaf.scores;
  const members = leaf.members;
  let lo = 0;
  let hi = scores.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keyLess(scores[mid], members[mid], score, member)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The smallest key under node (height levels above its leaves). */
function firstKey(node: Node, height: number): [number, string] {
  for (let h = height; h > 0; h--) node = (node as Inner).children[0];
  const leaf = node as Leaf;
  return [leaf.scores[0], leaf.members[0]];
}
