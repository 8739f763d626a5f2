// MEMORY USAGE and MEMORY HELP (Redis's object.c memoryCommand). The other subcommands (STATS,
// DOCTOR, MALLOC-STATS, PURGE) are not built yet.
//
// MEMORY USAGE estimates what a key costs in nodis's heap, as Redis estimates it for its own:
// the key, its slot in the keyspace, and the value; a collection's elements are sampled (SAMPLES,
// default 5, 0 for all) and the average scaled to its size. The sizes are V8's on 64-bit:
// a one-byte string is a 16-byte header and its bytes rounded up to 8; a Map or Set entry takes 3
// or 2 words plus its share of the bucket array; an array slot is one word.

import type { CommandSpec } from '../server/command.js';
import type { Client } from '../server/client.js';
import { ERR_SYNTAX } from '../server/errors.js';
import { ByteString, RawString, type Value } from '../types/value.js';
import { HashValue } from '../types/hash.js';
import { SetValue } from '../types/set.js';
import { ListValue } from '../types/list.js';
import { StreamValue } from '../types/stream.js';
import { ZSetValue } from '../types/zset.js';
import { replyHelp } from './help.js';
import { ArgCursor, integerArg } from './args.js';

const MEMORY_HELP = [
  'DOCTOR',
  '    Return memory problems reports.',
  'MALLOC-STATS',
  '    Return internal statistics report from the memory allocator.',
  'PURGE',
  '    Attempt to purge dirty pages for reclamation by the allocator.',
  'STATS',
  '    Return information about the memory usage of the server.',
  'USAGE <key> [SAMPLES <count>]',
  '    Return memory in bytes used by <key> and its value. Nested values are',
  '    sampled up to <count> times (default: 5, 0 means sample all).',
];

/** Redis's OBJ_COMPUTE_SIZE_DEF_SAMPLES. */
const DEFAULT_SAMPLES = 5;
const WORD = 8;
/** A Map entry (key, value, chain) and its share of the buckets. */
const MAP_ENTRY = 4 * WORD;
/** A JS object with a few fields (a value's class instance). */
const OBJECT = 6 * WORD;
/** An array's object and its backing store's header. */
const ARRAY = 6 * WORD;

/** A quicklist node object (links, offsets, counts). */
const LIST_NODE = 8 * WORD;
/** A sorted set's tree: a leaf or inner node's object and its arrays, shared by ~100 members. */
const ZSET_NODE = OBJECT + 2 * ARRAY;
const ZSET_PER_NODE = 96;
/** A double boxed as a heap number (a Map value that is not a small integer). */
const HEAP_NUMBER = 16;
/** What a Buffer costs besides its bytes (its ArrayBuffer, view and backing-store record; measured). */
const BUFFER = 240;

/** A one-byte string's heap size. */
function stringBytes(s: string): number {
  return 16 + Math.ceil(s.length / WORD) * WORD;
}

/** The average of sizeOf over the first samples of items, times how many there are. */
function sampled<T>(items: readonly T[], count: number, samples: number, sizeOf: (item: T) => number): number {
  const n = Math.min(samples, items.length);
  if (n === 0) return 0;
  let total = 0;
  for (let i = 0; i < n; i++) total += sizeOf(items[i]);
  return (total / n) * count;
}

/** What a value costs (objectComputeSize). */
export function valueBytes(v: Value, samples: number): number {
  if (typeof v === 'string') return stringBytes(v);
  if (v instanceof RawString) return OBJECT + stringBytes(v.s);
  // A Buffer: its object, its ArrayBuffer's, and the bytes allocated for the value and its room.
  if (v instanceof ByteString) return OBJECT + BUFFER + v.bytes.length;
  if (v instanceof HashValue) {
    const perPair = v.isListpack ? 2 * WORD : 2 * WORD + MAP_ENTRY;
    return OBJECT + ARRAY + sampled(v.pairs(), v.size * 2, samples * 2, stringBytes) + v.size * perPair;
  }
  if (v instanceof SetValue) {
    const perMember = v.isIntset ? WORD : WORD + MAP_ENTRY;
    return OBJECT + ARRAY + sampled(v.members(), v.size, samples, stringBytes) + v.size * perMember;
  }
  if (v instanceof ListValue) {
    // A short list is an array of strings; a longer one nodes of listpack bytes (or one string).
    const small = v.small;
    if (small !== null) return OBJECT + ARRAY + sampled(small, small.length, samples, stringBytes) + small.length * WORD;
    let total = OBJECT;
    for (let node = v.head; node !== null; node = node.next) {
      total += LIST_NODE + (node.plain !== null ? stringBytes(node.plain) : BUFFER + node.buf.length);
    }
    return total;
  }
  if (v instanceof StreamValue) {
    // Per node its listpack's size (what Redis holds) plus the arrays holding its entries here;
    // groups by their PEL and consumer counts.
    let total = OBJECT;
    for (const node of v.nodes) total += OBJECT + 3 * ARRAY + node.bytes + node.count * (3 * WORD + 32 + ARRAY);
    for (const [, g] of v.sortedGroups()) {
      total += OBJECT + 2 * MAP_ENTRY * g.pel.size + g.consumers.size * (OBJECT + MAP_ENTRY);
    }
    return total;
  }
  if (v instanceof ZSetValue) {
    // Per member: a leaf slot for it and one for its score, and once a skiplist a Map entry
    // whose value is a boxed double; the member strings are sampled.
    const n = v.size;
    const perMember = 2 * WORD + (v.isListpack ? 0 : MAP_ENTRY + HEAP_NUMBER);
    const sample: string[] = [];
    if (n !== 0) {
      const c = v.seekRank(0);
      for (let i = 0; i < Math.min(samples, n); i++, c.next()) sample.push(c.member);
    }
    return OBJECT + sampled(sample, n, samples, stringBytes) + n * perMember + Math.ceil(n / ZSET_PER_NODE) * ZSET_NODE;
  }
  // A type this estimate does not know yet.
  return OBJECT;
}

function memoryUsage(c: Client, argv: string[]): void {
  let samples = DEFAULT_SAMPLES;
  const opts = new ArgCursor(c, argv, 3);
  for (let opt = opts.next(); opt !== null; opt = opts.next()) {
    if (opt === 'samples' && opts.hasValue()) {
      const n = integerArg(c, opts.value());
      if (n === null) return;
      if (n < 0) {
        c.error(ERR_SYNTAX);
        return;
      }
      samples = n === 0 ? Infinity : n;
    } else {
      opts.syntaxError();
      return;
    }
  }
  // Like Redis, the dictionary is read directly: no expiry, no keyspace hit.
  const key = argv[2];
  const v = c.db.dict.get(key);
  if (v === undefined) {
    c.nullBulk();
    return;
  }
  c.integer(Math.round(valueBytes(v, samples) + stringBytes(key) + MAP_ENTRY));
}

function memoryHelp(c: Client, argv: string[]): void {
  replyHelp(c, argv[0], MEMORY_HELP);
}

export const memoryCommands: CommandSpec[] = [
  {
    name: 'memory',
    subcommands: [
      { name: 'usage', handler: memoryUsage },
      { name: 'help', handler: memoryHelp },
    ],
  },
];
