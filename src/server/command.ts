// The command table. Each family module exports specs (name + handler); arity, flags, key
// positions, ACL categories, tips, key specs and docs come from Redis's own COMMAND / COMMAND DOCS
// output in data/, so dispatch, COMMAND, key extraction and help all derive from one source.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from './client.js';
import { atoi, parseInteger } from '../util/numbers.js';
import { cString } from '../util/cstring.js';
import { packageRoot } from '../util/root.cjs';

export type Handler = (c: Client, argv: string[]) => void;

/** A key spec as COMMAND reports it. */
export interface KeySpec {
  notes?: string;
  flags: string[];
  begin_search: { type: string; spec: Record<string, unknown> };
  find_keys: { type: string; spec: Record<string, unknown> };
}

/** What COMMAND INFO reports about a command (Redis's shape). */
export interface CommandInfo {
  arity: number;
  flags: string[];
  firstKey: number;
  lastKey: number;
  step: number;
  categories: string[];
  tips: string[];
  keySpecs: KeySpec[];
}

export interface CommandSpec {
  /** Lower-case name; a subcommand's bare name (e.g. "get" under "config"). */
  name: string;
  handler?: Handler;
  subcommands?: CommandSpec[];
  /** Only for commands Redis 7.0's tables lack (e.g. 7.2's CLIENT SETINFO). */
  info?: CommandInfo;
  docs?: CommandDocs;
}

// The docs are free-form JSON (summary, since, group, complexity, arguments, history …).
export type CommandDocs = Record<string, unknown>;

export interface CommandStats {
  calls: number;
  usec: number;
  rejectedCalls: number;
  failedCalls: number;
}

/**
 * Latency distribution of one command for INFO latencystats, kept like the HdrHistogram Redis
 * uses (1 ns to 1 s, two significant digits): 128 sub-buckets per power of two, so a reported
 * percentile is the highest value that falls in the same bucket as the real one.
 */
export class LatencyHistogram {
  static readonly MAX_NS = 1_000_000_000;
  /** Counts per bucket index; 24 power-of-two buckets of 128 slots cover 1 ns to 2^31 ns. */
  private counts = new Float64Array(24 * 128);
  total = 0;

  record(ns: number): void {
    this.counts[LatencyHistogram.indexOf(ns)]++;
    this.total++;
  }

  /** Counts one value at the index indexOf gave (a read's commands share one duration). */
  recordAt(index: number): void {
    this.counts[index]++;
    this.total++;
  }

  /** The bucket index of a duration (ns). */
  static indexOf(ns: number): number {
    let v = Math.round(ns);
    if (v < 1) v = 1;
    else if (v > LatencyHistogram.MAX_NS) v = LatencyHistogram.MAX_NS;
    // The power of two above v (at least 2^8) picks the bucket; 8 bits remain in the sub-bucket.
    const bucket = 32 - Math.clz32(v | 255) - 8;
    const sub = v >>> bucket;
    return bucket === 0 ? sub : ((bucket + 1) << 7) + (sub - 128);
  }

  /**
   * LATENCY HISTOGRAM's buckets, as hdr's log iterator reports them from 1024 ns doubling: at
   * each level its highest equivalent value in µs and the count of values up to it, for the
   * levels where that count grew.
   */
  cumulative(): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    let index = 0;
    let count = 0;
    let previous = 0;
    for (let level = 1024; count < this.total; level *= 2) {
      const highest = LatencyHistogram.rangeOf(LatencyHistogram.indexOf(level))[1];
      while (index < this.counts.length && LatencyHistogram.rangeOf(index)[0] <= highest) count += this.counts[index++];
      if (count > previous) out.push([Math.trunc(highest / 1000), count]);
      previous = count;
    }
    return out;
  }

  /** The lowest and highest value (ns) a bucket index stands for. */
  private static rangeOf(index: number): [number, number] {
    let bucket = (index >> 7) - 1;
    let sub = (index & 127) + 128;
    if (bucket < 0) {
      sub -= 128;
      bucket = 0;
    }
    const lowest = sub * 2 ** bucket;
    return [lowest, lowest + 2 ** bucket - 1];
  }

  /** The value (ns) at a percentile (0..100), as hdr_value_at_percentile reports it. */
  valueAtPercentile(percentile: number): number {
    const p = Math.min(percentile, 100);
    const wanted = Math.max(1, Math.floor((p / 100) * this.total + 0.5));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i];
      if (seen >= wanted) {
        let bucket = (i >> 7) - 1;
        let sub = (i & 127) + 128;
        if (bucket < 0) {
          sub -= 128;
          bucket = 0;
        }
        const lowest = sub * 2 ** bucket;
        return percentile === 0 ? lowest : lowest + 2 ** bucket - 1;
      }
    }
    return 0;
  }
}

/** A key argument found in a command line: its position in argv and how the command uses it. */
export interface KeyReference {
  pos: number;
  /** Key spec flags in Redis's order (RO, RW, OW, RM, access, update, insert, delete …); may be empty. */
  flags: readonly string[];
}

/**
 * Commands Redis flags CMD_MAY_REPLICATE: they may add to the replication stream without being
 * writes (PUBLISH, PFCOUNT's cached count, scripts). COMMAND does not show this flag, so it is
 * not in data/command-info.json.
 */
const MAY_REPLICATE = new Set(['eval', 'evalsha', 'fcall', 'pfcount', 'publish', 'spublish']);

/**
 * Commands Redis flags CMD_TOUCHES_ARBITRARY_KEYS (not shown by COMMAND either): run directly, the
 * deletions of the expired keys they meet propagate one by one, not as a MULTI/EXEC.
 */
const TOUCHES_ARBITRARY_KEYS = new Set(['randomkey', 'scan']);

/** Commands that need the Lua engine loaded before they run (see dispatch's holdCommand). */
const NEEDS_ENGINE = new Set(['eval', 'evalsha', 'eval_ro', 'evalsha_ro', 'script|load', 'fcall', 'fcall_ro', 'function|load', 'function|restore']);

/** Commands Redis flags as protected (CMD_PROTECTED), with the option that allows them. */
const PROTECTED_BY = new Map([
  ['debug', 'enable-debug-command'],
  ['module', 'enable-module-command'],
]);

export class Command implements CommandInfo {
  arity: number;
  flags: string[];
  firstKey: number;
  lastKey: number;
  step: number;
  categories: string[];
  tips: string[];
  keySpecs: KeySpec[];
  readonly subcommands = new Map<string, Command>();
  readonly stats: CommandStats = { calls: 0, usec: 0, rejectedCalls: 0, failedCalls: 0 };
  /** Created on the first call (INFO latencystats). */
  latency: LatencyHistogram | null = null;
  /** Flags tested on the hot path. */
  readonly write: boolean;
  /** Redis's CMD_READONLY: a tracking client's reads remember their keys. */
  readonly readOnly: boolean;
  readonly noAuth: boolean;
  readonly denyOom: boolean;
  /** Redis's CMD_FAST (O(1) or O(log N)): its duration may be shared with its read (see Server.tick). */
  readonly fast: boolean;
  /** Never in the slow log (EXEC: the commands it ran are). */
  readonly skipSlowlog: boolean;
  /** Redis's CMD_MAY_REPLICATE (see MAY_REPLICATE): paused by CLIENT PAUSE WRITE like a write. */
  readonly mayReplicate: boolean;
  /** Redis's CMD_TOUCHES_ARBITRARY_KEYS (see TOUCHES_ARBITRARY_KEYS). */
  readonly touchesArbitraryKeys: boolean;
  /** Reads or writes data, or may propagate: refused to replicas and monitors. */
  readonly touchesKeyspace: boolean;
  /** Never shown to MONITOR: administrative commands and scripts (their commands are shown). */
  readonly skipMonitor: boolean;
  /** The enable-* option a protected command needs (DEBUG, MODULE and its subcommands), else null. */
  readonly protectedBy: string | null;
  /** Runs Lua: waits for the engine's first load (see NEEDS_ENGINE). */
  readonly needsEngine: boolean;

  constructor(
    /** "get", or "config|get" for a subcommand. */
    readonly fullName: string,
    readonly handler: Handler | undefined,
    info: CommandInfo,
    /** The spec's own docs, else null: Redis's, read on first use (see docs). */
    private ownDocs: CommandDocs | null,
    readonly parent: Command | null,
  ) {
    this.arity = info.arity;
    this.flags = info.flags;
    this.firstKey = info.firstKey;
    this.lastKey = info.lastKey;
    this.step = info.step;
    this.categories = info.categories;
    this.tips = info.tips;
    this.keySpecs = info.keySpecs;
    this.write = info.flags.includes('write');
    this.readOnly = info.flags.includes('readonly');
    this.noAuth = info.flags.includes('no_auth');
    this.denyOom = info.flags.includes('denyoom');
    this.fast = info.flags.includes('fast');
    this.skipSlowlog = info.flags.includes('skip_slowlog');
    this.mayReplicate = MAY_REPLICATE.has(fullName);
    this.touchesArbitraryKeys = TOUCHES_ARBITRARY_KEYS.has(fullName);
    this.touchesKeyspace = this.write || this.readOnly || this.mayReplicate;
    this.skipMonitor = info.flags.includes('skip_monitor') || info.flags.includes('admin');
    this.protectedBy = PROTECTED_BY.get(parent ? parent.fullName : fullName) ?? null;
    this.needsEngine = NEEDS_ENGINE.has(fullName);
  }

  /** Counts one execution's duration for INFO latencystats. */
  recordLatency(ns: number): void {
    (this.latency ??= new LatencyHistogram()).record(ns);
  }

  /** recordLatency for a duration already turned into its bucket (LatencyHistogram.indexOf). */
  recordLatencyAt(index: number): void {
    (this.latency ??= new LatencyHistogram()).recordAt(index);
  }

  /** COMMAND DOCS's facts: the spec's, else Redis's (read when COMMAND DOCS first asks). */
  get docs(): CommandDocs {
    return (this.ownDocs ??= referenceDocs().get(this.fullName) ?? {});
  }

  /** True if some key spec names real keys (not just channels): COMMAND GETKEYS works on it. */
  get hasKeys(): boolean {
    return this.keySpecs.some((ks) => !ks.flags.includes('not_key'));
  }


  /** The bare name: "get" for "config|get". */
  get name(): string {
    const i = this.fullName.indexOf('|');
    return i < 0 ? this.fullName : this.fullName.slice(i + 1);
  }

  /** Positions of the key arguments in argv, from the first/last/step triple. */
  keyPositions(argc: number): number[] {
    const out: number[] = [];
    if (this.firstKey <= 0) return out;
    let last = this.lastKey;
    if (last < 0) last = argc + last;
    for (let i = this.firstKey; i <= last && i < argc; i += this.step || 1) out.push(i);
    return out;
  }
}

type RawInfo = [string, number, string[], number, number, number, string[], string[], KeySpec[], RawInfo[]];

function infoFromRaw(r: RawInfo): CommandInfo {
  return {
    arity: r[1],
    flags: r[2],
    firstKey: r[3],
    lastKey: r[4],
    step: r[5],
    categories: r[6],
    tips: r[7],
    keySpecs: r[8],
  };
}

function dataPath(file: string): string {
  return join(packageRoot, 'data', file);
}

let referenceInfoCache: Map<string, CommandInfo> | null = null;
let referenceDocsCache: Map<string, CommandDocs> | null = null;

/** Redis 7.0's command facts, keyed by full name ("get", "config|get"). */
function referenceInfo(): Map<string, CommandInfo> {
  if (referenceInfoCache) return referenceInfoCache;
  const info = new Map<string, CommandInfo>();
  const raw = JSON.parse(readFileSync(dataPath('command-info.json'), 'latin1')) as RawInfo[];
  for (const r of raw) {
    info.set(r[0], infoFromRaw(r));
    for (const sub of r[9]) info.set(sub[0], infoFromRaw(sub));
  }
  referenceInfoCache = info;
  return info;
}

/**
 * Redis 7.0's command docs, keyed like referenceInfo. Only COMMAND DOCS reads them: parsed then,
 * not at start-up (the larger of the two files).
 */
function referenceDocs(): Map<string, CommandDocs> {
  if (referenceDocsCache) return referenceDocsCache;
  const docs = new Map<string, CommandDocs>();
  const rawDocs = JSON.parse(readFileSync(dataPath('command-docs.json'), 'utf8')) as Record<string, CommandDocs>;
  for (const [name, d] of Object.entries(rawDocs)) {
    const { subcommands, ...rest } = d as CommandDocs & { subcommands?: Record<string, CommandDocs> };
    docs.set(name, rest);
    if (subcommands) for (const [sub, sd] of Object.entries(subcommands)) docs.set(sub, sd);
  }
  referenceDocsCache = docs;
  return docs;
}

export class CommandTable {
  /** Top-level commands by lower-case name. */
  readonly commands = new Map<string, Command>();
  /** Fast lookup that also holds the upper-case spelling most clients send. */
  private lookupMap = new Map<string, Command>();

  register(specs: CommandSpec[]): void {
    for (const spec of specs) {
      const cmd = this.build(spec, null);
      this.commands.set(cmd.fullName, cmd);
      this.lookupMap.set(cmd.fullName, cmd);
      this.lookupMap.set(cmd.fullName.toUpperCase(), cmd);
    }
  }

  private build(spec: CommandSpec, parent: Command | null): Command {
    const fullName = parent ? `${parent.fullName}|${spec.name}` : spec.name;
    const info = spec.info ?? referenceInfo().get(fullName);
    if (!info) throw new Error(`command ${fullName} has no COMMAND info`);
    const cmd = new Command(fullName, spec.handler, info, spec.docs ?? null, parent);
    for (const sub of spec.subcommands ?? []) {
      cmd.subcommands.set(sub.name, this.build(sub, cmd));
    }
    return cmd;
  }

  /** Finds a top-level command by name, in any letter case. */
  lookup(name: string): Command | undefined {
    // Pipelines repeat one command; comparing a few bytes is cheaper than hashing a new string.
    if (name === this.lastName) return this.lastCommand;
    const cmd = this.lookupMap.get(name) ?? this.lookupMap.get(name.toLowerCase());
    if (cmd) {
      this.lastName = name;
      this.lastCommand = cmd;
    }
    return cmd;
  }

  /**
   * rename-command: the command answers to `to` instead (to no name at all when `to` is empty).
   * Returns Redis's config error text, or null.
   */
  rename(from: string, to: string): string | null {
    const cmd = this.lookupMap.get(from.toLowerCase());
    if (!cmd) return 'No such command in rename-command';
    this.lastName = '';
    this.lastCommand = undefined;
    this.lookupMap.delete(from.toLowerCase());
    this.lookupMap.delete(from.toUpperCase());
    if (to === '') return null;
    if (this.lookupMap.has(to.toLowerCase())) return 'Target command name already exists';
    this.lookupMap.set(to.toLowerCase(), cmd);
    this.lookupMap.set(to.toUpperCase(), cmd);
    return null;
  }
  private lastName = '';
  private lastCommand: Command | undefined;

  /** Finds "name" or "name|sub" as COMMAND INFO and ACL spell them. */
  lookupFull(fullName: string): Command | undefined {
    const parts = fullName.toLowerCase().split('|');
    if (parts.length > 2) return undefined;
    const cmd = this.commands.get(parts[0]);
    if (!cmd || parts.length === 1) return cmd;
    return cmd.subcommands.get(parts[1]);
  }

  /**
   * The command an argv names, as Redis's lookupCommand does for COMMAND GETKEYS: the container's
   * subcommand when it has subcommands and argv has a second word, else the command itself.
   */
  lookupArgv(argv: readonly string[]): Command | undefined {
    const cmd = this.lookup(argv[0]);
    if (!cmd || argv.length === 1 || cmd.subcommands.size === 0) return cmd;
    return cmd.subcommands.get(argv[1].toLowerCase());
  }

  /** Every command and subcommand. */
  *all(): IterableIterator<Command> {
    for (const cmd of this.commands.values()) {
      yield cmd;
      yield* cmd.subcommands.values();
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Key extraction: which arguments of a command line are keys (COMMAND GETKEYS, ACL key patterns,
// cluster slots, WATCH-style bookkeeping). Key specs come first, as in Redis; commands whose
// specs cannot describe every form (SORT, MIGRATE, …) or whose flags depend on the arguments
// (SET with GET, BITFIELD) fall back to a command-specific function.

type KeysProc = (argv: readonly string[]) => KeyReference[];

const NO_FLAGS: readonly string[] = [];
const RO_ACCESS: readonly string[] = ['RO', 'access'];
const RW_ACCESS_UPDATE: readonly string[] = ['RW', 'access', 'update'];
const RW_ACCESS_DELETE: readonly string[] = ['RW', 'access', 'delete'];
const OW_UPDATE: readonly string[] = ['OW', 'update'];

/** strcasecmp(arg, upper) == 0: arg is compared as a C string, up to a NUL byte. */
function equalsIgnoreCase(arg: string, upper: string): boolean {
  const a = cString(arg);
  return a.length === upper.length && a.toUpperCase() === upper;
}


/** COMMAND [dest] numkeys key [key ...] …: the sources, then the destination (flags unknown). */
function numkeysProc(destPos: number, numkeysPos: number, firstPos: number): KeysProc {
  return (argv) => {
    const num = atoi(argv[numkeysPos]);
    if (num < 1 || num > argv.length - firstPos) return [];
    const keys: KeyReference[] = [];
    for (let i = 0; i < num; i++) keys.push({ pos: firstPos + i, flags: NO_FLAGS });
    if (destPos) keys.push({ pos: destPos, flags: NO_FLAGS });
    return keys;
  };
}

function sortKeys(argv: readonly string[]): KeyReference[] {
  const keys: KeyReference[] = [{ pos: 1, flags: RO_ACCESS }];
  let store: KeyReference | null = null;
  for (let i = 2; i < argv.length; i++) {
    if (equalsIgnoreCase(argv[i], 'LIMIT')) i += 2;
    else if (equalsIgnoreCase(argv[i], 'GET') || equalsIgnoreCase(argv[i], 'BY')) i += 1;
    else if (equalsIgnoreCase(argv[i], 'STORE') && i + 1 < argv.length) {
      // The last STORE wins, as SORT itself does.
      store = { pos: i + 1, flags: OW_UPDATE };
    }
  }
  if (store) keys.push(store);
  return keys;
}

function migrateKeys(argv: readonly string[]): KeyReference[] {
  let first = 3;
  let num = 1;
  for (let i = 6; i < argv.length; i++) {
    if (equalsIgnoreCase(argv[i], 'KEYS')) {
      if (argv[3].length > 0) num = 0; // A syntax error MIGRATE itself reports.
      else {
        first = i + 1;
        num = argv.length - first;
      }
      break;
    }
    if (equalsIgnoreCase(argv[i], 'AUTH')) i += 1;
    else if (equalsIgnoreCase(argv[i], 'AUTH2')) i += 2;
  }
  const keys: KeyReference[] = [];
  for (let i = 0; i < num; i++) keys.push({ pos: first + i, flags: RW_ACCESS_DELETE });
  return keys;
}

function georadiusKeys(argv: readonly string[]): KeyReference[] {
  let stored = -1;
  for (let i = 5; i < argv.length; i++) {
    if ((equalsIgnoreCase(argv[i], 'STORE') || equalsIgnoreCase(argv[i], 'STOREDIST')) && i + 1 < argv.length) {
      stored = i + 1;
      i++;
    }
  }
  const keys: KeyReference[] = [{ pos: 1, flags: NO_FLAGS }];
  if (stored !== -1) keys.push({ pos: stored, flags: NO_FLAGS });
  return keys;
}

function xreadKeys(argv: readonly string[]): KeyReference[] {
  let streams = -1;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i];
    if (equalsIgnoreCase(a, 'BLOCK') || equalsIgnoreCase(a, 'COUNT')) i++;
    else if (equalsIgnoreCase(a, 'GROUP')) i += 2;
    else if (equalsIgnoreCase(a, 'NOACK')) continue;
    else {
      if (equalsIgnoreCase(a, 'STREAMS')) streams = i;
      break;
    }
  }
  if (streams === -1) return [];
  const rest = argv.length - streams - 1;
  if (rest === 0 || rest % 2 !== 0) return [];
  const keys: KeyReference[] = [];
  for (let i = streams + 1; i < argv.length - rest / 2; i++) keys.push({ pos: i, flags: NO_FLAGS });
  return keys;
}

function setKeys(argv: readonly string[]): KeyReference[] {
  for (let i = 3; i < argv.length; i++) {
    if (equalsIgnoreCase(argv[i], 'GET')) return [{ pos: 1, flags: RW_ACCESS_UPDATE }];
  }
  return [{ pos: 1, flags: OW_UPDATE }];
}

function bitfieldKeys(argv: readonly string[]): KeyReference[] {
  let readonly = true;
  for (let i = 2; i < argv.length; i++) {
    const remaining = argv.length - i - 1;
    const a = argv[i];
    if (equalsIgnoreCase(a, 'GET') && remaining >= 2) i += 2;
    else if ((equalsIgnoreCase(a, 'SET') || equalsIgnoreCase(a, 'INCRBY')) && remaining >= 3) {
      readonly = false;
      break;
    } else if (equalsIgnoreCase(a, 'OVERFLOW') && remaining >= 1) i += 1;
    else {
      readonly = false; // A syntax error: assume the worst.
      break;
    }
  }
  return [{ pos: 1, flags: readonly ? RO_ACCESS : RW_ACCESS_UPDATE }];
}

/** Commands with their own key finder, used when key specs are not enough (Redis's getkeys_proc). */
const KEYS_PROCS: Record<string, KeysProc> = {
  zunionstore: numkeysProc(1, 2, 3),
  zinterstore: numkeysProc(1, 2, 3),
  zdiffstore: numkeysProc(1, 2, 3),
  zunion: numkeysProc(0, 1, 2),
  zinter: numkeysProc(0, 1, 2),
  zdiff: numkeysProc(0, 1, 2),
  zintercard: numkeysProc(0, 1, 2),
  sintercard: numkeysProc(0, 1, 2),
  eval: numkeysProc(0, 2, 3),
  evalsha: numkeysProc(0, 2, 3),
  eval_ro: numkeysProc(0, 2, 3),
  evalsha_ro: numkeysProc(0, 2, 3),
  fcall: numkeysProc(0, 2, 3),
  fcall_ro: numkeysProc(0, 2, 3),
  lmpop: numkeysProc(0, 1, 2),
  blmpop: numkeysProc(0, 2, 3),
  zmpop: numkeysProc(0, 1, 2),
  bzmpop: numkeysProc(0, 2, 3),
  sort: sortKeys,
  sort_ro: () => [{ pos: 1, flags: RO_ACCESS }],
  migrate: migrateKeys,
  georadius: georadiusKeys,
  georadiusbymember: georadiusKeys,
  xread: xreadKeys,
  xreadgroup: xreadKeys,
  set: setKeys,
  bitfield: bitfieldKeys,
};

/** Keys found by the key specs; null when a spec cannot be applied (Redis then tries the proc). */
function keysFromSpecs(cmd: Command, argv: readonly string[]): KeyReference[] | null {
  const argc = argv.length;
  const keys: KeyReference[] = [];
  for (const spec of cmd.keySpecs) {
    if (spec.flags.includes('not_key')) continue;
    let first = 0;
    const bs = spec.begin_search.spec;
    if (spec.begin_search.type === 'index') {
      first = bs.index as number;
    } else if (spec.begin_search.type === 'keyword') {
      const keyword = (bs.keyword as string).toUpperCase();
      const startfrom = bs.startfrom as number;
      const start = startfrom > 0 ? startfrom : argc + startfrom;
      const end = startfrom > 0 ? argc - 1 : 1;
      for (let i = start; i !== end; i = start <= end ? i + 1 : i - 1) {
        if (i >= argc || i < 1) break;
        if (equalsIgnoreCase(argv[i], keyword)) {
          first = i + 1;
          break;
        }
      }
      if (!first) continue; // Keyword absent: this spec names no keys here.
    } else {
      return null;
    }

    const fk = spec.find_keys.spec;
    let last: number;
    let step: number;
    if (spec.find_keys.type === 'range') {
      step = fk.keystep as number;
      const lastkey = fk.lastkey as number;
      const limit = fk.limit as number;
      if (lastkey >= 0) last = first + lastkey;
      else if (!limit) last = argc + lastkey;
      else last = first + (Math.trunc((argc - first) / limit) + lastkey);
    } else if (spec.find_keys.type === 'keynum') {
      step = fk.keystep as number;
      const idx = first + (fk.keynumidx as number);
      if (idx >= argc) return null;
      const numkeys = parseInteger(argv[idx]);
      if (numkeys === null || numkeys < 0) return null;
      first += fk.firstkey as number;
      last = first + numkeys - 1;
    } else {
      return null;
    }

    if (last >= argc || last < first || first >= argc) return null;
    for (let i = first; i <= last; i += step) keys.push({ pos: i, flags: spec.flags });
    if (spec.flags.includes('incomplete')) return null;
  }
  return keys;
}

/**
 * The key arguments of a command line (argv[0] is the command name; for a subcommand, argv[1]
 * is its name), with how each key is used. Follows Redis's getKeysFromCommandWithSpecs: key
 * specs first, the command's own finder when the specs fall short. Empty when the arguments
 * name no keys or are malformed (the command itself reports the error).
 */
export function getCommandKeys(cmd: Command, argv: readonly string[]): KeyReference[] {
  let hasKeySpec = false;
  let variableFlags = false;
  for (const ks of cmd.keySpecs) {
    if (!ks.flags.includes('not_key')) hasKeySpec = true;
    if (ks.flags.includes('variable_flags')) variableFlags = true;
  }
  if (hasKeySpec && !variableFlags) {
    const keys = keysFromSpecs(cmd, argv);
    if (keys) return keys;
  }
  const proc = KEYS_PROCS[cmd.fullName];
  return proc ? proc(argv) : [];
}

/** Just the key names of a command line (see getCommandKeys). */
export function getKeyNames(cmd: Command, argv: readonly string[]): string[] {
  return getCommandKeys(cmd, argv).map((k) => argv[k.pos]);
}
