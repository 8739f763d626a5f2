// The list type: a deque of byte strings with O(1) pushes and pops at both ends and fast access
// by index. No replies, no client: commands/lists.ts drives it.
//
// Two representations, chosen by size (the choice is internal: OBJECT ENCODING reports
// "quicklist", as Redis 7.0 does for every list):
//
// - small: a plain array of strings, for a list that has only ever been up to SMALL_MAX short
//   elements. Most lists in a queue workload (BLPOP/RPUSH ping-pong, short job lists) live and die
//   here, and creating one costs an array. Redis holds such a list in one node, whatever the order
//   of its pushes, so the array stands for that node (RDB, DEBUG OBJECT).
// - packed: Redis's quicklist. A doubly linked list of nodes, each holding Redis's listpack
//   entries (types/listpack.ts) in a Buffer, within the node size list-max-listpack-size
//   allows (8 KB by default), or one element as a string of its own (a "plain" node: one too long
//   to share a node, which Redis keeps apart too). Nodes fill and split where Redis's do. Entries
//   sit in the middle of their buffer with room on both sides, so pushing at either end of a
//   node writes in place. A list reached by index walks nodes from the nearer end, then entries
//   inside one node (at most a few thousand), as Redis does. A packed list stays packed as it
//   shrinks, as Redis keeps its nodes.
//
// Why chunked listpacks rather than a ring buffer of strings (measured on Node 20, 1M elements of
// 3 bytes, as redis-benchmark writes them): a ring buffer holds a pointer and a V8 string per
// element, about 34 bytes, where Redis needs about 5; packed nodes need about 5 too. Pushes and
// pops cost about the same either way (a few ns to encode or decode a short entry, against a
// native call to slice a buffer, used only for entries over 12 bytes), and the listpack bytes are
// what RDB stores (quicklist 2), so SAVE and DUMP write nodes without re-encoding. A Buffer costs
// about 240 bytes of its own, which is why short lists stay arrays.

import { RObject } from './value.js';
import {
  LP_HDR_SIZE,
  lpEntryLen,
  lpEquals,
  lpPrepare,
  lpPrevStart,
  lpRead,
  lpWritePrepared,
} from './listpack.js';

/** Lists of at most this many elements, each at most SMALL_ELEMENT bytes, are an array. */
const SMALL_MAX = 16;
const SMALL_ELEMENT = 128;
/** Node sizes for list-max-listpack-size -1 … -5 (quicklist's optimization_level). */
const OPTIMIZATION_LEVEL = [4096, 8192, 16384, 32768, 65536];
/** The largest node a count limit (a positive list-max-listpack-size) allows. */
const SIZE_SAFETY_LIMIT = 8192;
/** What quicklist adds to an element's length when it estimates a node's new size. */
const SIZE_ESTIMATE_OVERHEAD = 8;
/** A listpack's header and terminator. */
const LP_OVERHEAD = LP_HDR_SIZE + 1;
/** Smallest node buffer. */
const MIN_CAPACITY = 64;

const EMPTY = Buffer.alloc(0);

/**
 * Elements at least this long are stored and saved as plain nodes (DEBUG
 * QUICKLIST-PACKED-THRESHOLD; Redis's packed_threshold, 1 GB by default). Like Redis's, it is
 * one setting for the whole process: a test knob.
 */
let packedThreshold = 2 ** 30;

/**
 * DEBUG QUICKLIST-PACKED-THRESHOLD: sets the size from which an element is a plain node (0 puts
 * back the default); false when out of range (over 4 GB - 1 MB), as quicklistisSetPackedThreshold.
 */
export function setPackedThreshold(size: number): boolean {
  if (size > 2 ** 32 - 2 ** 20) return false;
  packedThreshold = size === 0 ? 2 ** 30 : size;
  return true;
}

export function getPackedThreshold(): number {
  return packedThreshold;
}

/** One quicklist node: packed entries in buf[start, end), or (plain !== null) one element. */
export class QNode {
  prev: QNode | null = null;
  next: QNode | null = null;
  buf: Buffer = EMPTY;
  start = 0;
  end = 0;
  count = 0;
  plain: string | null = null;
}

function plainNode(s: string): QNode {
  const n = new QNode();
  n.plain = s;
  n.count = 1;
  return n;
}

function packedNode(capacity: number, atEnd: boolean): QNode {
  const n = new QNode();
  n.buf = Buffer.allocUnsafeSlow(capacity);
  n.start = n.end = atEnd ? capacity : 0;
  return n;
}

/**
 * Whether an element of len bytes gets a node of its own holding the string itself (no copy in
 * or out): past the packed threshold, as in Redis, and whenever Redis would give it a node of its
 * own anyway, because the node size list-max-listpack-size allows (fill) cannot take it beside
 * even the smallest other entry (new size = 9 + len + 8), or holds one element. So nodes split
 * where Redis's do, and RDB and DEBUG OBJECT see Redis's layout.
 */
function isPlain(len: number, fill: number): boolean {
  if (len >= packedThreshold) return true;
  let limit: number;
  if (fill < 0) {
    if (fill < -OPTIMIZATION_LEVEL.length) return true;
    limit = OPTIMIZATION_LEVEL[-fill - 1];
  } else {
    if (fill <= 1) return true;
    limit = SIZE_SAFETY_LIMIT;
  }
  return len + LP_OVERHEAD + 2 + SIZE_ESTIMATE_OVERHEAD > limit;
}

/**
 * Makes room for size bytes at the front (or back) of a packed node: moves its entries within
 * the buffer when it has the space, else moves them into one twice as big. Three quarters of
 * what is left over go to the side that asked, for the pushes that usually follow.
 */
function reserve(node: QNode, size: number, front: boolean): void {
  const used = node.end - node.start;
  const cap = node.buf.length;
  let newCap = cap;
  if (cap - used < size) {
    newCap = Math.max(MIN_CAPACITY, cap * 2);
    while (newCap - used < size) newCap *= 2;
  }
  const spare = newCap - used - size;
  const start = front ? size + spare - (spare >> 2) : spare >> 2;
  if (newCap === cap) {
    node.buf.copyWithin(start, node.start, node.end);
  } else {
    const nb = Buffer.allocUnsafeSlow(newCap);
    node.buf.copy(nb, start, node.start, node.end);
    node.buf = nb;
  }
  node.start = start;
  node.end = start + used;
}

/**
 * Replaces the bytes [pos, pos + oldLen) of a packed node with a gap of newLen bytes (an insertion
 * when oldLen is 0, a removal when newLen is 0), moving the shorter side of the node; returns
 * where the gap starts.
 */
function resize(node: QNode, pos: number, oldLen: number, newLen: number): number {
  const diff = newLen - oldLen;
  if (diff === 0) return pos;
  const buf = node.buf;
  const before = pos - node.start;
  const after = node.end - pos - oldLen;
  if (diff < 0) {
    if (before <= after) {
      buf.copyWithin(node.start - diff, node.start, pos);
      node.start -= diff;
      return pos - diff;
    }
    buf.copyWithin(pos + newLen, pos + oldLen, node.end);
    node.end += diff;
    return pos;
  }
  const roomFront = node.start >= diff;
  const roomBack = buf.length - node.end >= diff;
  if (roomFront && (before <= after || !roomBack)) {
    buf.copyWithin(node.start - diff, node.start, pos);
    node.start -= diff;
    return pos - diff;
  }
  if (roomBack) {
    buf.copyWithin(pos + newLen, pos + oldLen, node.end);
    node.end += diff;
    return pos;
  }
  reserve(node, diff, before <= after);
  return resize(node, node.start + before, oldLen, newLen);
}

// Where locate() found an index: the node, the entry's byte offset in it, its index in the node.
let locNode: QNode = new QNode();
let locPos = 0;
let locIdx = 0;

export class ListValue extends RObject {
  get type(): 'list' {
    return 'list';
  }

  /**
   * The elements, head first, while the list is small; null once it is packed. (Internal, like
   * locate(): only this module's cursor reads it.)
   */
  small: string[] | null;
  /** The packed list's nodes (null while small). */
  head: QNode | null = null;
  tail: QNode | null = null;
  /** Elements of the packed list. */
  private count = 0;

  /** @param fill list-max-listpack-size when the list was created (how full a node may get). */
  constructor(public fill = -2) {
    super();
    // Only where one node takes any SMALL_MAX short elements, in any order.
    this.small = (fill < 0 && fill >= -OPTIMIZATION_LEVEL.length) || fill >= SMALL_MAX ? [] : null;
  }

  encoding(): string {
    return 'quicklist';
  }

  get length(): number {
    const small = this.small;
    return small !== null ? small.length : this.count;
  }

  /** Number of quicklist nodes (1 for a small list). */
  get nodeCount(): number {
    if (this.small !== null) return 1;
    let n = 0;
    for (let node = this.head; node !== null; node = node.next) n++;
    return n;
  }

  override dup(): ListValue {
    const out = new ListValue(this.fill);
    if (this.small !== null) {
      out.small = this.small.slice();
      return out;
    }
    out.small = null;
    for (let node = this.head; node !== null; node = node.next) {
      let copy: QNode;
      if (node.plain !== null) copy = plainNode(node.plain);
      else {
        const used = node.end - node.start;
        copy = new QNode();
        copy.buf = Buffer.allocUnsafeSlow(Math.max(used, MIN_CAPACITY));
        node.buf.copy(copy.buf, 0, node.start, node.end);
        copy.end = used;
        copy.count = node.count;
      }
      out.linkTail(copy);
    }
    out.count = this.count;
    return out;
  }

  // ---- Ends ------------------------------------------------------------------------------------

  pushHead(s: string): void {
    const small = this.small;
    if (small !== null) {
      if (small.length < SMALL_MAX && s.length <= SMALL_ELEMENT) {
        small.unshift(s);
        return;
      }
      this.toPacked();
    }
    this.pushPacked(s, true);
  }

  pushTail(s: string): void {
    const small = this.small;
    if (small !== null) {
      if (small.length < SMALL_MAX && s.length <= SMALL_ELEMENT) {
        small.push(s);
        return;
      }
      this.toPacked();
    }
    this.pushPacked(s, false);
  }

  /** Removes and returns the first element (the list must not be empty). */
  popHead(): string {
    const small = this.small;
    if (small !== null) return small.shift()!;
    const node = this.head!;
    let v: string;
    if (node.plain !== null) {
      v = node.plain;
      this.unlink(node);
    } else {
      v = lpRead(node.buf, node.start);
      node.start += lpEntryLen(node.buf, node.start);
      if (--node.count === 0) this.unlink(node);
    }
    this.count--;
    return v;
  }

  /** Removes and returns the last element (the list must not be empty). */
  popTail(): string {
    const small = this.small;
    if (small !== null) return small.pop()!;
    const node = this.tail!;
    let v: string;
    if (node.plain !== null) {
      v = node.plain;
      this.unlink(node);
    } else {
      const at = lpPrevStart(node.buf, node.end);
      v = lpRead(node.buf, at);
      node.end = at;
      if (--node.count === 0) this.unlink(node);
    }
    this.count--;
    return v;
  }

  // ---- By index (0 <= i < length, unless said otherwise) ---------------------------------------

  get(i: number): string {
    const small = this.small;
    if (small !== null) return small[i];
    this.locate(i);
    const node = locNode;
    return node.plain !== null ? node.plain : lpRead(node.buf, locPos);
  }

  /**
   * Replaces element i, as quicklistReplaceEntry does: in place in a packed node (which may then
   * hold more than its limit), a plain node's string swapped for another one; otherwise the new
   * element goes in after the old one, which is then removed.
   */
  set(i: number, s: string): void {
    const small = this.small;
    if (small !== null) {
      if (s.length <= SMALL_ELEMENT) {
        small[i] = s;
        return;
      }
      this.toPacked();
    }
    this.locate(i);
    const node = locNode;
    const large = s.length >= packedThreshold;
    if (node.plain === null) {
      if (!large) {
        const oldLen = lpEntryLen(node.buf, locPos);
        const size = lpPrepare(s);
        // (resize may move the entries to a new buffer, and does not encode: what lpPrepare
        // found still holds.)
        const at = resize(node, locPos, oldLen, size);
        lpWritePrepared(node.buf, at, s);
        return;
      }
    } else if (node.plain.length < packedThreshold) {
      // A node Redis holds packed, with this one element: it takes the new one in its place.
      if (!large) {
        if (isPlain(s.length, this.fill)) node.plain = s;
        else {
          node.plain = null;
          node.buf = Buffer.allocUnsafeSlow(MIN_CAPACITY);
          node.start = node.end = MIN_CAPACITY >> 1;
          node.count = 0;
          this.writeAt(node, false, s);
        }
        return;
      }
    } else if (large) {
      node.plain = s;
      return;
    }
    this.insert(i, s, true);
    this.removeRange(i, 1);
  }

  /**
   * Inserts s before (after: false) or after element i, as quicklist's _quicklistInsert: into
   * its node when that node has room; when the element is at the node's edge, into the
   * neighbouring node if it has room, else into a new node; otherwise the node is split there,
   * the element joins the split-off part, and neighbouring nodes that fit together are merged.
   */
  insert(i: number, s: string, after: boolean): void {
    const small = this.small;
    if (small !== null) {
      if (small.length < SMALL_MAX && s.length <= SMALL_ELEMENT) {
        small.splice(after ? i + 1 : i, 0, s);
        return;
      }
      this.toPacked();
    }
    this.locate(i);
    const node = locNode;
    const idx = locIdx;
    const len = s.length;
    const full = !this.allowInsert(node, len);
    const atTail = after && idx === node.count - 1;
    const atHead = !after && idx === 0;
    const availNext = atTail && node.next !== null && this.allowInsert(node.next, len);
    const availPrev = atHead && node.prev !== null && this.allowInsert(node.prev, len);
    this.count++;
    if (len >= packedThreshold) {
      // A plain node, next to this one or between its two halves.
      const plain = plainNode(s);
      if (isRedisPlain(node) || atTail || atHead) {
        if (after) this.linkAfter(node, plain);
        else this.linkBefore(node, plain);
        return;
      }
      const part = this.split(node, idx, after);
      if (after) {
        this.linkAfter(node, plain);
        this.linkAfter(plain, part);
      } else {
        this.linkBefore(node, plain);
        this.linkBefore(plain, part);
      }
      return;
    }
    if (!full) {
      // (A node that is not full is packed: a plain node never takes another element.)
      const size = lpPrepare(s);
      const pos = after ? locPos + lpEntryLen(node.buf, locPos) : locPos;
      const at = resize(node, pos, 0, size);
      lpWritePrepared(node.buf, at, s);
      node.count++;
    } else if (availNext) {
      this.writeAt(node.next!, true, s);
    } else if (availPrev) {
      this.writeAt(node.prev!, false, s);
    } else if (atTail || atHead) {
      const fresh = isPlain(len, this.fill) ? plainNode(s) : packedNode(MIN_CAPACITY, !after);
      if (after) this.linkAfter(node, fresh);
      else this.linkBefore(node, fresh);
      if (fresh.plain === null) this.writeAt(fresh, !after, s);
    } else {
      const part = this.split(node, idx, after);
      this.writeAt(part, after, s);
      if (after) this.linkAfter(node, part);
      else this.linkBefore(node, part);
      this.mergeAround(node);
    }
  }

  /** Removes n elements from index start (0 <= start, start + n <= length). */
  removeRange(start: number, n: number): void {
    if (n <= 0) return;
    const small = this.small;
    if (small !== null) {
      if (start === 0 && n === small.length) small.length = 0;
      else small.splice(start, n);
      return;
    }
    this.locate(start);
    let node: QNode | null = locNode;
    let pos = locPos;
    let idx = locIdx;
    let left = n;
    while (left > 0 && node !== null) {
      const next: QNode | null = node.next;
      if (idx === 0 && left >= node.count) {
        left -= node.count;
        this.unlink(node);
      } else {
        const k = Math.min(left, node.count - idx);
        let endPos = pos;
        for (let j = 0; j < k; j++) endPos += lpEntryLen(node.buf, endPos);
        resize(node, pos, endPos - pos, 0);
        node.count -= k;
        left -= k;
        shrinkBuffer(node);
      }
      node = next;
      if (node !== null) {
        pos = node.start;
        idx = 0;
      }
    }
    this.count -= n;
  }

  // ---- Searches ---------------------------------------------------------------------------------

  /** The index of the first element equal to s, or -1. */
  indexOf(s: string): number {
    const small = this.small;
    if (small !== null) return small.indexOf(s);
    let i = 0;
    for (let node = this.head; node !== null; node = node.next) {
      if (node.plain !== null) {
        if (node.plain === s) return i;
        i++;
        continue;
      }
      const buf = node.buf;
      for (let p = node.start; p < node.end; p += lpEntryLen(buf, p)) {
        if (lpEquals(buf, p, s)) return i;
        i++;
      }
    }
    return -1;
  }

  /**
   * LREM: removes elements equal to s, at most limit of them (0: all), from the head, or from
   * the tail when fromTail. Returns how many were removed.
   */
  removeMatching(s: string, limit: number, fromTail: boolean): number {
    const small = this.small;
    let removed = 0;
    if (small !== null) {
      if (!fromTail) {
        let w = 0;
        for (let r = 0; r < small.length; r++) {
          if (small[r] === s && (limit === 0 || removed < limit)) removed++;
          else small[w++] = small[r];
        }
        small.length = w;
      } else {
        let w = small.length;
        for (let r = small.length - 1; r >= 0; r--) {
          if (small[r] === s && (limit === 0 || removed < limit)) removed++;
          else small[--w] = small[r];
        }
        small.splice(0, w);
      }
      return removed;
    }
    let node = fromTail ? this.tail : this.head;
    while (node !== null && (limit === 0 || removed < limit)) {
      const next = fromTail ? node.prev : node.next;
      if (node.plain !== null) {
        if (node.plain === s) {
          removed++;
          this.unlink(node);
        }
      } else {
        const before = removed;
        const buf = node.buf;
        if (!fromTail) {
          let w = node.start;
          for (let r = node.start; r < node.end; ) {
            const len = lpEntryLen(buf, r);
            if ((limit === 0 || removed < limit) && lpEquals(buf, r, s)) removed++;
            else {
              if (w !== r) buf.copyWithin(w, r, r + len);
              w += len;
            }
            r += len;
          }
          node.end = w;
        } else {
          let w = node.end;
          for (let r = node.end; r > node.start; ) {
            const at = lpPrevStart(buf, r);
            if ((limit === 0 || removed < limit) && lpEquals(buf, at, s)) removed++;
            else {
              if (w !== r) buf.copyWithin(w - (r - at), at, r);
              w -= r - at;
            }
            r = at;
          }
          node.start = w;
        }
        node.count -= removed - before;
        if (node.count === 0) this.unlink(node);
        else if (removed !== before) shrinkBuffer(node);
      }
      node = next;
    }
    this.count -= removed;
    return removed;
  }

  // ---- Persistence (the RDB module) ------------------------------------------------------------

  /**
   * The list's nodes as quicklist would hold them, for RDB: the packed list's own, or for a small
   * list, nodes built from its elements without changing it.
   */
  nodes(): QNode | null {
    if (this.small === null) return this.head;
    const tmp = new ListValue(this.fill);
    tmp.small = null;
    for (const s of this.small) tmp.pushPacked(s, false);
    return tmp.head;
  }

  /**
   * The nodes (as RDB would write them) and their total size in Redis's terms, a listpack's
   * bytes for a packed node and the element's for a plain one (DEBUG OBJECT's ql_nodes and
   * ql_uncompressed_size).
   */
  nodeStats(): { nodes: number; bytes: number } {
    let nodes = 0;
    let bytes = 0;
    for (let node = this.nodes(); node !== null; node = node.next) {
      nodes++;
      if (node.plain === null) bytes += node.end - node.start + LP_OVERHEAD;
      else if (node.plain.length >= packedThreshold) bytes += node.plain.length;
      else bytes += lpPrepare(node.plain) + LP_OVERHEAD;
    }
    return { nodes, bytes };
  }

  /** Appends a node of count listpack entries, copied from buf[start, end) (RDB loading). */
  appendEntries(buf: Buffer, start: number, end: number, count: number): void {
    if (count === 0) return;
    this.ensurePacked();
    const node = new QNode();
    node.buf = Buffer.allocUnsafeSlow(Math.max(end - start, MIN_CAPACITY));
    buf.copy(node.buf, 0, start, end);
    node.end = end - start;
    node.count = count;
    this.linkTail(node);
    this.count += count;
  }

  /** Appends a node holding these elements (a ziplist of an old RDB file: one node each). */
  appendNode(items: readonly string[]): void {
    if (items.length === 0) return;
    let bytes = 0;
    for (const s of items) bytes += lpPrepare(s);
    const buf = Buffer.allocUnsafeSlow(Math.max(bytes, MIN_CAPACITY));
    let p = 0;
    for (const s of items) {
      lpPrepare(s);
      p = lpWritePrepared(buf, p, s);
    }
    this.appendEntries(buf, 0, p, items.length);
  }

  /** Appends one element as a node of its own (a plain node, RDB loading). */
  appendPlain(s: string): void {
    this.ensurePacked();
    this.linkTail(plainNode(s));
    this.count++;
  }

  /** After loading: a list of one node of a few short elements becomes an array. */
  loaded(): void {
    const node = this.head;
    if (node === null || node !== this.tail || node.plain !== null || this.count > SMALL_MAX) return;
    if (!(this.fill < 0 && this.fill >= -OPTIMIZATION_LEVEL.length) && this.fill < SMALL_MAX) return;
    const out: string[] = [];
    for (let p = node.start; p < node.end; p += lpEntryLen(node.buf, p)) {
      const s = lpRead(node.buf, p);
      if (s.length > SMALL_ELEMENT) return;
      out.push(s);
    }
    this.head = this.tail = null;
    this.count = 0;
    this.small = out;
  }

  // ---- Internals --------------------------------------------------------------------------------

  private ensurePacked(): void {
    if (this.small !== null) this.toPacked();
  }

  /** The array becomes nodes. */
  private toPacked(): void {
    const small = this.small!;
    this.small = null;
    this.count = 0;
    for (let i = 0; i < small.length; i++) this.pushPacked(small[i], false);
  }

  /** Whether a node of size bytes and count elements is within list-max-listpack-size. */
  private sizeAllowed(size: number, count: number): boolean {
    const fill = this.fill;
    if (fill < 0) {
      const level = -fill - 1;
      if (level < OPTIMIZATION_LEVEL.length && size <= OPTIMIZATION_LEVEL[level]) return true;
    }
    if (size > SIZE_SAFETY_LIMIT) return false;
    return count < fill;
  }

  /** _quicklistNodeAllowInsert: whether a packed node may take one more element of len bytes. */
  private allowInsert(node: QNode, len: number): boolean {
    if (node.plain !== null || len >= packedThreshold) return false;
    return this.sizeAllowed(node.end - node.start + LP_OVERHEAD + len + SIZE_ESTIMATE_OVERHEAD, node.count);
  }

  private pushPacked(s: string, front: boolean): void {
    const len = s.length;
    if (isPlain(len, this.fill)) {
      const node = plainNode(s);
      if (front) this.linkHead(node);
      else this.linkTail(node);
      this.count++;
      return;
    }
    let node = front ? this.head : this.tail;
    if (node === null || !this.allowInsert(node, len)) {
      // A fresh end node: sized for the element, entries kept to the side pushes come from.
      node = packedNode(MIN_CAPACITY, front);
      if (front) this.linkHead(node);
      else this.linkTail(node);
    }
    this.writeAt(node, front, s);
    this.count++;
  }

  /** Writes s as the first (front) or last entry of a packed node, with room made for it. */
  private writeAt(node: QNode, front: boolean, s: string): void {
    const size = lpPrepare(s);
    if (front) {
      if (node.start < size) reserve(node, size, true);
      node.start -= size;
      lpWritePrepared(node.buf, node.start, s);
    } else {
      if (node.buf.length - node.end < size) reserve(node, size, false);
      lpWritePrepared(node.buf, node.end, s);
      node.end += size;
    }
    node.count++;
  }

  /**
   * Sets locNode, locPos and locIdx to element i of the packed list: nodes are walked from the
   * nearer end, then entries inside the node from its nearer end.
   */
  locate(i: number): void {
    let node: QNode;
    let idx: number;
    if (i < this.count >>> 1) {
      node = this.head!;
      idx = i;
      while (idx >= node.count) {
        idx -= node.count;
        node = node.next!;
      }
    } else {
      node = this.tail!;
      let back = this.count - 1 - i;
      while (back >= node.count) {
        back -= node.count;
        node = node.prev!;
      }
      idx = node.count - 1 - back;
    }
    let pos = node.start;
    if (node.plain === null) {
      const buf = node.buf;
      if (idx < node.count >>> 1) {
        for (let j = 0; j < idx; j++) pos += lpEntryLen(buf, pos);
      } else {
        pos = node.end;
        for (let j = node.count; j > idx; j--) pos = lpPrevStart(buf, pos);
      }
    }
    locNode = node;
    locPos = pos;
    locIdx = idx;
  }

  /**
   * _quicklistSplitNode: a packed node keeps its entries up to idx (after) or from idx on
   * (before); the others move to a new node, returned unlinked.
   */
  private split(node: QNode, idx: number, after: boolean): QNode {
    let pos = node.start;
    for (let j = 0; j < idx + (after ? 1 : 0); j++) pos += lpEntryLen(node.buf, pos);
    const part = new QNode();
    const from = after ? pos : node.start;
    const to = after ? node.end : pos;
    const bytes = to - from;
    part.buf = Buffer.allocUnsafeSlow(Math.max(MIN_CAPACITY, bytes * 2));
    part.start = (part.buf.length - bytes) >> 1;
    node.buf.copy(part.buf, part.start, from, to);
    part.end = part.start + bytes;
    if (after) {
      part.count = node.count - idx - 1;
      node.end = pos;
      node.count = idx + 1;
    } else {
      part.count = idx;
      node.start = pos;
      node.count -= idx;
    }
    return part;
  }

  /** _quicklistMergeNodes: merges the nodes around center that fit together. */
  private mergeAround(center: QNode): void {
    let prev = center.prev;
    let next = center.next;
    if (prev !== null && this.allowMerge(prev, prev.prev)) {
      this.merge(prev.prev!, prev);
      prev = null;
    }
    if (next !== null && this.allowMerge(next, next.next)) {
      this.merge(next, next.next!);
      next = null;
    }
    let target = center;
    if (this.allowMerge(center, center.prev)) target = this.merge(center.prev!, center);
    if (this.allowMerge(target, target.next)) this.merge(target, target.next!);
  }

  /** _quicklistNodeAllowMerge (its size estimate subtracts 11 for the header saved). */
  private allowMerge(a: QNode | null, b: QNode | null): boolean {
    if (a === null || b === null || isRedisPlain(a) || isRedisPlain(b)) return false;
    return this.sizeAllowed(nodeSize(a) + nodeSize(b) - 11, a.count + b.count - 1);
  }

  /** Moves b's entries after a's (a before b in the list) into one node; returns it. */
  private merge(a: QNode, b: QNode): QNode {
    packPlain(a);
    packPlain(b);
    const bytes = b.end - b.start;
    if (a.buf.length - a.end < bytes) reserve(a, bytes, false);
    b.buf.copy(a.buf, a.end, b.start, b.end);
    a.end += bytes;
    a.count += b.count;
    this.unlink(b);
    return a;
  }

  private linkHead(node: QNode): void {
    node.prev = null;
    node.next = this.head;
    if (this.head !== null) this.head.prev = node;
    else this.tail = node;
    this.head = node;
  }

  private linkTail(node: QNode): void {
    node.next = null;
    node.prev = this.tail;
    if (this.tail !== null) this.tail.next = node;
    else this.head = node;
    this.tail = node;
  }

  private linkBefore(at: QNode, node: QNode): void {
    if (at.prev === null) return this.linkHead(node);
    node.prev = at.prev;
    node.next = at;
    at.prev.next = node;
    at.prev = node;
  }

  private linkAfter(at: QNode, node: QNode): void {
    if (at.next === null) return this.linkTail(node);
    node.next = at.next;
    node.prev = at;
    at.next.prev = node;
    at.next = node;
  }

  private unlink(node: QNode): void {
    if (node.prev !== null) node.prev.next = node.next;
    else this.head = node.next;
    if (node.next !== null) node.next.prev = node.prev;
    else this.tail = node.prev;
    node.prev = node.next = null;
  }
}

/** A node Redis holds as a plain one (an element past the packed threshold). */
function isRedisPlain(node: QNode): boolean {
  return node.plain !== null && node.plain.length >= packedThreshold;
}

/** A node's size as Redis counts it (node->sz): its listpack's bytes. */
function nodeSize(node: QNode): number {
  if (node.plain === null) return node.end - node.start + LP_OVERHEAD;
  return node.plain.length >= packedThreshold ? node.plain.length : lpPrepare(node.plain) + LP_OVERHEAD;
}

/** A plain node that Redis holds packed becomes packed (before entries join it). */
function packPlain(node: QNode): void {
  const s = node.plain;
  if (s === null) return;
  const size = lpPrepare(s);
  node.buf = Buffer.allocUnsafeSlow(Math.max(MIN_CAPACITY, size * 2));
  node.start = (node.buf.length - size) >> 1;
  node.end = lpWritePrepared(node.buf, node.start, s);
  node.plain = null;
}

/** A node that holds far less than its buffer lets go of the spare memory. */
function shrinkBuffer(node: QNode): void {
  const used = node.end - node.start;
  const cap = node.buf.length;
  if (cap <= 1024 || used * 4 > cap) return;
  const nb = Buffer.allocUnsafeSlow(Math.max(MIN_CAPACITY, used * 2));
  const start = (nb.length - used) >> 1;
  node.buf.copy(nb, start, node.start, node.end);
  node.buf = nb;
  node.start = start;
  node.end = start + used;
}

/**
 * Walks a list from an index, forward or backward, one element per call: LRANGE, LPOS, the
 * replies of LPOP/RPOP with a count. One cursor serves every command (they run one at a time),
 * so a walk allocates nothing.
 */
export class ListCursor {
  private small: string[] | null = null;
  private node: QNode | null = null;
  private pos = 0;
  private reverse = false;

  /** Starts at element i (0 <= i < length), moving toward the tail, or the head when reverse. */
  seek(list: ListValue, i: number, reverse = false): this {
    this.reverse = reverse;
    this.small = list.small;
    if (this.small !== null) {
      this.pos = i;
      this.node = null;
      return this;
    }
    list.locate(i);
    this.node = locNode;
    this.pos = locPos;
    return this;
  }

  /** The current element; then moves on. Call it no more often than elements remain. */
  next(): string {
    const small = this.small;
    if (small !== null) {
      const v = small[this.pos];
      this.pos += this.reverse ? -1 : 1;
      return v;
    }
    const node = this.node!;
    const v = node.plain !== null ? node.plain : lpRead(node.buf, this.pos);
    this.advance(node);
    return v;
  }

  /** After nextRaw: the buffer and offset of the element's bytes, or the element as a string. */
  rawBuf: Uint8Array = EMPTY;
  rawStart = 0;
  rawStr = '';

  /**
   * The current element without making a string of it where it can: when it is stored as bytes
   * in a node, sets rawBuf and rawStart and returns its length; otherwise (an integer entry, a
   * plain node, a small list) sets rawStr and returns -1. Then moves on.
   */
  nextRaw(): number {
    const small = this.small;
    if (small !== null) {
      this.rawStr = small[this.pos];
      this.pos += this.reverse ? -1 : 1;
      return -1;
    }
    const node = this.node!;
    let len = -1;
    if (node.plain !== null) this.rawStr = node.plain;
    else {
      const buf = node.buf;
      const p = this.pos;
      const b = buf[p];
      if (b >= 0x80 && b < 0xc0) {
        len = b & 0x3f;
        this.rawStart = p + 1;
      } else if (b >= 0xe0 && b < 0xf0) {
        len = ((b & 0x0f) << 8) | buf[p + 1];
        this.rawStart = p + 2;
      } else if (b === 0xf0) {
        len = (buf[p + 1] | (buf[p + 2] << 8) | (buf[p + 3] << 16)) + buf[p + 4] * 16777216;
        this.rawStart = p + 5;
      } else {
        this.rawStr = lpRead(buf, p);
      }
      this.rawBuf = buf;
    }
    this.advance(node);
    return len;
  }

  /** Whether the current element equals s; then moves on. */
  nextEquals(s: string): boolean {
    const small = this.small;
    if (small !== null) {
      const v = small[this.pos];
      this.pos += this.reverse ? -1 : 1;
      return v === s;
    }
    const node = this.node!;
    const eq = node.plain !== null ? node.plain === s : lpEquals(node.buf, this.pos, s);
    this.advance(node);
    return eq;
  }

  private advance(node: QNode): void {
    if (!this.reverse) {
      if (node.plain === null) {
        this.pos += lpEntryLen(node.buf, this.pos);
        if (this.pos < node.end) return;
      }
      const next = node.next;
      this.node = next;
      if (next !== null) this.pos = next.start;
    } else {
      if (node.plain === null && this.pos > node.start) {
        this.pos = lpPrevStart(node.buf, this.pos);
        return;
      }
      const prev = node.prev;
      this.node = prev;
      if (prev !== null && prev.plain === null) this.pos = lpPrevStart(prev.buf, prev.end);
    }
  }
}

/** The one cursor the list commands share. */
export const listCursor = new ListCursor();
