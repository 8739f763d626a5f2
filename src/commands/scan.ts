// The body HSCAN, SSCAN and ZSCAN share (Redis's scanGenericCommand for a key's value): the
// cursor is read first, then the key, then the options. A value in a compact encoding (listpack,
// intset) is returned whole in one call with cursor 0, as Redis does; a hashtable is walked with
// the shared cursor mechanism (keyspace/scan.ts), COUNT elements per call, MATCH applied after.

import type { Client } from '../server/client.js';
import type { RObject } from '../types/value.js';
import type { ScanCursors, ScanSource } from '../keyspace/scan.js';
import { globMatch } from '../util/glob.js';
import { readAs, type ValueClass } from './lookup.js';
import { scanCursorArg, scanOptionsArg } from './args.js';

/** A collection that HSCAN/SSCAN/ZSCAN can walk. */
export interface Scannable extends RObject {
  /** The elements to walk with a cursor, or null when the encoding is compact (all at once). */
  scanSource(): ScanSource | null;
  scanCursors(): ScanCursors;
}

/**
 * How a scan replies for one collection type. all returns everything in iteration order, for a
 * compact encoding, as the reply lists it: elements, or element, value, element, value … when
 * valueOf is set (hash fields, sorted set members), which gives an element's value.
 */
export interface ScanReplier<T> {
  all(v: T): readonly string[];
  valueOf: ((v: T, element: string) => string) | null;
}

/** HSCAN/SSCAN/ZSCAN key cursor [MATCH pattern] [COUNT count]. */
export function scanCollection<T extends Scannable>(c: Client, argv: string[], type: ValueClass<T>, how: ScanReplier<T>): void {
  const cursor = scanCursorArg(c, argv[2]);
  if (cursor === null) return;
  const v = readAs(c, argv[1], type);
  if (v === null) return;
  if (v === undefined) {
    // Redis's shared.emptyscan, sent before the options are even looked at.
    c.arrayLen(2);
    c.bulk('0');
    c.arrayLen(0);
    return;
  }
  const opts = scanOptionsArg(c, argv, 3, false);
  if (opts === null) return;
  const valueOf = how.valueOf;
  const source = v.scanSource();
  let next = 0;
  let items: readonly string[];
  if (source === null) {
    items = how.all(v);
  } else {
    const [n, elements] = v.scanCursors().step(source, cursor, opts.count);
    next = n;
    if (valueOf === null) items = elements;
    else {
      const flat: string[] = [];
      for (const e of elements) flat.push(e, valueOf(v, e));
      items = flat;
    }
  }
  // MATCH looks at the element only; its value goes with it.
  const pattern = opts.pattern;
  const group = valueOf === null ? 1 : 2;
  let kept = items;
  if (pattern !== null) {
    const out: string[] = [];
    for (let i = 0; i < items.length; i += group) {
      if (!globMatch(pattern, items[i])) continue;
      out.push(items[i]);
      if (group === 2) out.push(items[i + 1]);
    }
    kept = out;
  }
  c.arrayLen(2);
  c.bulk(String(next));
  c.bulkArray(kept);
}
