// Configuration: every Redis 7 parameter with its type, bounds, default, alias and flags (as
// Redis's config.c declares them, checked against redis-server 7.0.15), the parsing rules of
// redis.conf, CONFIG GET/SET semantics (all-or-nothing, Redis's exact errors) and CONFIG REWRITE.
//
// Each parameter keeps one immutable Value: the text CONFIG GET shows, a number for cheap reads on
// the hot path (num()/bool()), and typed data for the special parameters (save points, output
// buffer limits …). Setting replaces the Value object, so a failed multi-parameter CONFIG SET
// restores the old ones by reference.

import {
  accessSync,
  appendFileSync,
  chmodSync,
  closeSync,
  constants as fsConstants,
  fsyncSync,
  openSync,
  readFileSync,
  readdirSync,
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join, resolve as resolvePath } from 'node:path';
import { splitArgs } from '../protocol/parser.js';
import { parseDouble, parseInt64 } from '../util/numbers.js';
import { cString, optionWord } from '../util/cstring.js';
import { randomHex } from '../util/builtins.js';

export type ConfigListener = (value: string) => void;

/**
 * Applies a parameter's new value on CONFIG SET, or refuses it by returning why (Redis's apply
 * function failing, e.g. a port it cannot listen on): every parameter of that CONFIG SET then
 * goes back to its old value, which is applied again. Listeners hear of the value once applied.
 */
export type ConfigApplier = (value: string) => string | null;

// ---------------------------------------------------------------------------------------------
// Flags (config.c's *_CONFIG flags)

/** CONFIG SET refuses it: "can't set immutable config". */
const IMMUTABLE = 1;
/** CONFIG SET needs enable-protected-configs: "can't set protected config". */
const PROTECTED = 2;
/** Only an exact CONFIG GET name shows it; globs skip it. */
const HIDDEN = 4;
/** Takes several words: CONFIG SET splits the value at spaces. */
const MULTI_ARG = 8;
/** A secret: SLOWLOG, MONITOR and the like must not show the value given to CONFIG SET. */
const SENSITIVE = 16;

// Numeric flags
const MEMORY = 1;
const PERCENT = 2;
const OCTAL = 4;

const INT_MAX = 2147483647n;
const INT_MIN = -2147483648n;
const UINT_MAX = 4294967295n;
const LONG_MAX = 9223372036854775807n;
const LLONG_MIN = -9223372036854775808n;
const ULLONG_MAX = 18446744073709551615n;

const N_KEYSPACE = 1 << 0;
const N_KEYEVENT = 1 << 1;
const N_GENERIC = 1 << 2;
const N_STRING = 1 << 3;
const N_LIST = 1 << 4;
const N_SET = 1 << 5;
const N_HASH = 1 << 6;
const N_ZSET = 1 << 7;
const N_EXPIRED = 1 << 8;
const N_EVICTED = 1 << 9;
const N_STREAM = 1 << 10;
const N_KEY_MISS = 1 << 11;
const N_LOADED = 1 << 12;
const N_MODULE = 1 << 13;
const N_NEW = 1 << 14;

/** Keyspace notification classes (notify-keyspace-events), as Redis numbers them. */
export const NOTIFY = {
  KEYSPACE: N_KEYSPACE,
  KEYEVENT: N_KEYEVENT,
  GENERIC: N_GENERIC,
  STRING: N_STRING,
  LIST: N_LIST,
  SET: N_SET,
  HASH: N_HASH,
  ZSET: N_ZSET,
  EXPIRED: N_EXPIRED,
  EVICTED: N_EVICTED,
  STREAM: N_STREAM,
  KEY_MISS: N_KEY_MISS,
  LOADED: N_LOADED,
  MODULE: N_MODULE,
  NEW: N_NEW,
  /** What 'A' stands for (not key-miss, not new). */
  ALL: N_GENERIC | N_STRING | N_LIST | N_SET | N_HASH | N_ZSET | N_EXPIRED | N_EVICTED | N_STREAM | N_MODULE,
} as const;

// ---------------------------------------------------------------------------------------------
// Values

/** One parameter's state. Never mutated: a set makes a new one. */
interface Value {
  /** What CONFIG GET replies. */
  readonly str: string;
  /** Fast numeric view: numbers (memory in bytes), 1/0 for booleans, the enum value; NaN otherwise. */
  readonly num: number;
  /** Typed state of numeric (bigint, as C stores it) and special parameters. */
  readonly data: unknown;
}

export interface SavePoint {
  seconds: number;
  changes: number;
}

export interface OutputBufferLimit {
  hardBytes: number;
  softBytes: number;
  softSeconds: number;
}

/** client-output-buffer-limit classes, in Redis's order. */
export type OutputBufferClass = 'normal' | 'replica' | 'pubsub';
const OBUF_CLASSES: readonly OutputBufferClass[] = ['normal', 'replica', 'pubsub'];
type ObufData = readonly [OutputBufferLimit, OutputBufferLimit, OutputBufferLimit];

interface ParseContext {
  /** Reading a config file (or the command line): the first `save` replaces the defaults, later ones add. */
  loading: boolean;
  config: Config;
}

interface ParamDef {
  readonly name: string;
  readonly alias: string | null;
  readonly flags: number;
  /** The default, as arguments to parse. */
  readonly defaultArgs: readonly string[];
  /** Returns the new value or Redis's error text. */
  parse(args: readonly string[], current: Value, ctx: ParseContext): Value | string;
  /** Writes the parameter into a CONFIG REWRITE state. */
  rewrite(w: Rewriter, v: Value, def: Value): void;
}

function value(str: string, num: number, data: unknown = null): Value {
  return { str, num, data };
}

// ---------------------------------------------------------------------------------------------
// C parsing helpers

const C_SPACE = ' \t\n\v\f\r';

/**
 * C's strtoll: leading blanks, a sign, digits in base; saturates at the long long range. rest is
 * what follows the number (the whole string when no digit was read, as endptr = nptr).
 */
function strtoll(s: string, base = 10): { value: bigint; rest: string; overflow: boolean } {
  let i = 0;
  while (i < s.length && C_SPACE.includes(s[i])) i++;
  let neg = false;
  if (s[i] === '+' || s[i] === '-') {
    neg = s[i] === '-';
    i++;
  }
  const start = i;
  const digits = base === 8 ? '01234567' : '0123456789';
  while (i < s.length && digits.includes(s[i])) i++;
  if (i === start) return { value: 0n, rest: s, overflow: false };
  let v = BigInt(base === 8 ? `0o${s.slice(start, i)}` : s.slice(start, i));
  if (neg) v = -v;
  let overflow = false;
  if (v > LONG_MAX) {
    v = LONG_MAX;
    overflow = true;
  } else if (v < LLONG_MIN) {
    v = LLONG_MIN;
    overflow = true;
  }
  return { value: v, rest: s.slice(i), overflow };
}

/** Redis's memtoull: digits with an optional b/k/kb/m/mb/g/gb unit (any case); null if malformed. */
export function memtoull(arg: string): bigint | null {
  // A C string: parsing stops at a NUL byte.
  const s = cString(arg);
  if (s[0] === '-') return null;
  let i = 0;
  while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
  let mul: bigint;
  switch (s.slice(i).toLowerCase()) {
    case '':
    case 'b':
      mul = 1n;
      break;
    case 'k':
      mul = 1000n;
      break;
    case 'kb':
      mul = 1024n;
      break;
    case 'm':
      mul = 1000000n;
      break;
    case 'mb':
      mul = 1048576n;
      break;
    case 'g':
      mul = 1000000000n;
      break;
    case 'gb':
      mul = 1073741824n;
      break;
    default:
      return null;
  }
  if (i >= 128) return null;
  // strtoull saturates on overflow, and the product wraps as unsigned arithmetic does.
  let v = i === 0 ? 0n : BigInt(s.slice(0, i));
  if (v > ULLONG_MAX) v = ULLONG_MAX;
  return BigInt.asUintN(64, v * mul);
}

/** Parses a memory amount with Redis's units (1k = 1000, 1kb = 1024 …) into bytes; null if malformed. */
export function parseMemory(s: string): number | null {
  const v = memtoull(s);
  return v === null ? null : Number(v);
}

/** printf("%f") with trailing zeros (and a trailing point) removed, as Redis's trimDoubleString. */
function formatPercentile(v: number): string {
  // printf keeps the sign of a negative zero ("-0.000000"); toFixed drops it.
  let s = (Object.is(v, -0) ? '-' : '') + v.toFixed(6);
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s;
}

/** Redis's sdscatrepr: a double-quoted string with C escapes. */
export function quoteRepr(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    const code = s.charCodeAt(i);
    if (c === '\\' || c === '"') out += `\\${c}`;
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\t') out += '\\t';
    else if (c === '\x07') out += '\\a';
    else if (c === '\b') out += '\\b';
    else if (code >= 0x20 && code <= 0x7e) out += c;
    else out += `\\x${(code & 0xff).toString(16).padStart(2, '0')}`;
  }
  return `${out}"`;
}

/** The text of strerror() for a Node error code. */
export function strerror(code: string | undefined): string {
  switch (code) {
    case 'ENOENT':
      return 'No such file or directory';
    case 'ENOTDIR':
      return 'Not a directory';
    case 'EACCES':
      return 'Permission denied';
    case 'EPERM':
      return 'Operation not permitted';
    case 'EISDIR':
      return 'Is a directory';
    case 'EROFS':
      return 'Read-only file system';
    case 'ENOSPC':
      return 'No space left on device';
    case 'ENAMETOOLONG':
      return 'File name too long';
    case 'ELOOP':
      return 'Too many levels of symbolic links';
    case 'EEXIST':
      return 'File exists';
    case 'EADDRINUSE':
      return 'Address already in use';
    case 'EADDRNOTAVAIL':
      return 'Cannot assign requested address';
    default:
      return code ?? 'Unknown error';
  }
}

function errnoCode(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | null)?.code;
}

/** Splits a CONFIG SET value of a multi-word parameter as Redis does: at every single space. */
function splitSpaces(s: string): string[] {
  return s === '' ? [] : s.split(' ');
}

/** Memory amount as CONFIG REWRITE writes it: gb, mb or kb when exact. */
function formatMemory(bytes: bigint): string {
  const gb = 1073741824n;
  const mb = 1048576n;
  const kb = 1024n;
  if (bytes !== 0n && bytes % gb === 0n) return `${bytes / gb}gb`;
  if (bytes !== 0n && bytes % mb === 0n) return `${bytes / mb}mb`;
  if (bytes !== 0n && bytes % kb === 0n) return `${bytes / kb}kb`;
  return String(bytes);
}

// ---------------------------------------------------------------------------------------------
// Parameter types

function boolParam(
  name: string,
  alias: string | null,
  flags: number,
  def: boolean,
  validate?: (v: boolean) => string | null,
): ParamDef {
  return {
    name,
    alias,
    flags,
    defaultArgs: [def ? 'yes' : 'no'],
    parse(args) {
      const a = optionWord(args[0]);
      if (a !== 'yes' && a !== 'no') return "argument must be 'yes' or 'no'";
      const v = a === 'yes';
      const err = validate?.(v);
      if (err) return err;
      return v ? YES : NO;
    },
    rewrite(w, v, d) {
      w.rewriteLine(name, `${name} ${v.str}`, v.num !== d.num);
    },
  };
}

const YES = value('yes', 1);
const NO = value('no', 0);

/** How C stores the number, which decides how bounds are checked (unsigned types compare unsigned). */
type CType = 'int' | 'uint' | 'long' | 'ulong' | 'llong' | 'ullong' | 'size' | 'ssize' | 'time' | 'off';

function numParam(
  name: string,
  alias: string | null,
  flags: number,
  ctype: CType,
  min: bigint,
  max: bigint,
  def: string,
  numFlags = 0,
  adjust?: (v: bigint) => bigint,
): ParamDef {
  const unsignedCheck = ctype === 'ullong' || ctype === 'uint' || ctype === 'size';
  const show = (ll: bigint): Value => {
    if (numFlags & PERCENT && ll < 0n) return value(`${-ll}%`, Number(ll), ll);
    if (numFlags & MEMORY) {
      const u = BigInt.asUintN(64, ll);
      return value(String(u), Number(u), ll);
    }
    if (numFlags & OCTAL) return value(BigInt.asUintN(64, ll).toString(8), Number(ll), ll);
    return value(String(ll), Number(ll), ll);
  };
  return {
    name,
    alias,
    flags,
    defaultArgs: [def],
    parse(args) {
      const s = args[0];
      let ll: bigint | null = null;
      if (numFlags & MEMORY) {
        const m = memtoull(s);
        if (m !== null) ll = BigInt.asIntN(64, m);
      }
      if (ll === null && numFlags & PERCENT && s.length > 1 && s.endsWith('%')) {
        const p = parseInt64(s.slice(0, -1));
        if (p !== null && p >= 0n) ll = -p;
      }
      if (ll === null && numFlags & OCTAL) {
        const o = strtoll(s, 8);
        if (!o.overflow && o.rest === '') ll = o.value;
      }
      if (ll === null && numFlags === 0) ll = parseInt64(s);
      if (ll === null) {
        if (numFlags & MEMORY && numFlags & PERCENT) return 'argument must be a memory or percent value';
        if (numFlags & MEMORY) return 'argument must be a memory value';
        if (numFlags & OCTAL) return "argument couldn't be parsed as an octal number";
        return "argument couldn't be parsed into an integer";
      }
      if (unsignedCheck) {
        const u = BigInt.asUintN(64, ll);
        const lo = BigInt.asUintN(64, min);
        const hi = BigInt.asUintN(64, max);
        if (u > hi || u < lo) {
          const f = (x: bigint): string => (numFlags & OCTAL ? x.toString(8) : String(x));
          return `argument must be between ${f(lo)} and ${f(hi)} inclusive`;
        }
      } else if (numFlags & PERCENT && ll < 0n) {
        if (ll < min) return `percentage argument must be less or equal to ${-min}`;
      } else if (ll > max || ll < min) {
        return `argument must be between ${min} and ${max} inclusive`;
      }
      // What the C variable then holds, read back as a long long.
      if (ctype === 'int') ll = BigInt.asIntN(32, ll);
      else if (ctype === 'uint') ll = BigInt.asUintN(32, ll);
      if (adjust) ll = adjust(ll);
      return show(ll);
    },
    rewrite(w, v, d) {
      const ll = v.data as bigint;
      const force = ll !== (d.data as bigint);
      if (numFlags & PERCENT && ll < 0n) w.rewriteLine(name, `${name} ${-ll}%`, force);
      else if (numFlags & MEMORY) w.rewriteLine(name, `${name} ${formatMemory(ll)}`, force);
      else if (numFlags & OCTAL) w.rewriteLine(name, `${name} ${BigInt.asUintN(64, ll).toString(8)}`, force);
      else w.rewriteLine(name, `${name} ${ll}`, force);
    },
  };
}

function intParam(name: string, alias: string | null, flags: number, min: bigint, max: bigint, def: number): ParamDef {
  return numParam(name, alias, flags, 'int', min, max, String(def));
}

type EnumItems = ReadonlyArray<readonly [string, number]>;

function enumParam(
  name: string,
  alias: string | null,
  flags: number,
  items: EnumItems,
  def: string,
  validate?: (v: number) => string | null,
): ParamDef {
  const bitflags = (flags & MULTI_ARG) !== 0;
  let err = `argument(s) must be one of the following: ${items.map((i) => i[0]).join(', ')}`;
  if (err.length > 255) err = err.slice(0, 255);
  const find = (s: string): number | undefined => {
    const lower = optionWord(s);
    for (const [n, v] of items) if (n === lower) return v;
    return undefined;
  };
  const nameOf = (v: number): string => {
    for (const [n, iv] of items) if (iv === v) return n;
    if (!bitflags) return 'unknown';
    const names: string[] = [];
    let unmatched = v;
    for (const [n, iv] of items) {
      if (iv !== 0 && (unmatched & iv) === iv) {
        names.push(n);
        unmatched &= ~iv;
      }
    }
    return unmatched ? 'unknown' : names.join(' ');
  };
  return {
    name,
    alias,
    flags,
    defaultArgs: [def],
    parse(args) {
      if (args.length === 0 || (!bitflags && args.length !== 1)) return err;
      let v = 0;
      for (const a of args) {
        const iv = find(a);
        if (iv === undefined) return err;
        v |= iv;
      }
      const verr = validate?.(v);
      if (verr) return verr;
      return value(nameOf(v), v);
    },
    rewrite(w, v, d) {
      w.rewriteLine(name, `${name} ${v.str}`, v.num !== d.num);
    },
  };
}

function stringParam(
  name: string,
  alias: string | null,
  flags: number,
  emptyIsNull: boolean,
  def: string | null,
  validate?: (s: string) => string | null,
): ParamDef {
  return {
    name,
    alias,
    flags,
    defaultArgs: [def ?? ''],
    parse(args) {
      const s = args[0];
      const err = validate?.(s);
      if (err) return err;
      const v = emptyIsNull && s === '' ? null : s;
      return value(v ?? '', NaN, v);
    },
    rewrite(w, v) {
      const s = v.data as string | null;
      // A string that is unset must not appear at all, so the next start leaves it unset.
      if (s === null) {
        w.markProcessed(name);
        return;
      }
      w.rewriteLine(name, `${name} ${quoteRepr(s)}`, !(def !== null && s === def));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Validators

function isBaseName(s: string): boolean {
  return !s.includes('/') && !s.includes('\\');
}

function validDbFilename(s: string): string | null {
  return isBaseName(s) ? null : "dbfilename can't be a path, just a filename";
}

function validAofFilename(s: string): string | null {
  if (s === '') return "appendfilename can't be empty";
  return isBaseName(s) ? null : "appendfilename can't be a path, just a filename";
}

function validAofDirname(s: string): string | null {
  if (s === '') return "appenddirname can't be empty";
  return isBaseName(s) ? null : "appenddirname can't be a path, just a dirname";
}

function validHostname(s: string): string | null {
  if (s.length >= 256) return 'Hostnames must be less than 256 characters';
  if (!/^[A-Za-z0-9.-]*$/.test(s)) return 'Hostnames may only contain alphanumeric characters, hyphens or dots';
  return null;
}

const PROC_TITLE_VARS = new Set(['title', 'listen-addr', 'server-mode', 'port', 'tls-port', 'unixsocket', 'config-file']);

/**
 * proc-title-template: {name} variables from a fixed set, "{{" for a brace; the expansion with an
 * empty title must not be blank.
 */
function validProcTitle(s: string): string | null {
  const bad = 'template format is invalid or contains unknown variables';
  let out = '';
  let p = 0;
  while (p < s.length) {
    const open = s.indexOf('{', p);
    if (open < 0) {
      out += s.slice(p);
      break;
    }
    out += s.slice(p, open);
    if (open + 1 >= s.length) return bad;
    if (s[open + 1] === '{') {
      out += '{';
      p = open + 2;
      continue;
    }
    const close = s.indexOf('}', open + 1);
    if (close < 0) return bad;
    const name = s.slice(open + 1, close);
    if (!PROC_TITLE_VARS.has(name)) return bad;
    // Any variable but the title expands to something in a running server.
    if (name !== 'title') out += 'x';
    p = close + 1;
  }
  return out.replace(/^ +| +$/g, '') === '' ? bad : null;
}

const ACTIVE_DEFRAG_ERROR =
  'Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified ' +
  'Jemalloc like the one shipped by default with the Redis source distribution';

// Shutdown flags (shutdown-on-sigint / shutdown-on-sigterm)
const SHUTDOWN_ITEMS: EnumItems = [
  ['default', 0],
  ['save', 1],
  ['nosave', 2],
  ['now', 4],
  ['force', 8],
];

function validShutdownFlags(v: number): string | null {
  return (v & 1) !== 0 && (v & 2) !== 0 ? "shutdown options SAVE and NOSAVE can't be used simultaneously" : null;
}

const PROTECTED_ACTION: EnumItems = [
  ['no', 0],
  ['yes', 1],
  ['local', 2],
];

// ---------------------------------------------------------------------------------------------
// Special parameters

function formatSave(points: readonly SavePoint[]): string {
  return points.map((p) => `${p.seconds} ${p.changes}`).join(' ');
}

const saveParam: ParamDef = {
  name: 'save',
  alias: null,
  flags: MULTI_ARG,
  defaultArgs: ['3600', '1', '300', '100', '60', '10000'],
  parse(args, current, ctx) {
    let argv = args;
    // `save ""` clears every save point, even those set earlier in the same file.
    const clear = argv.length === 1 && argv[0] === '';
    if (clear) argv = [];
    if (argv.length % 2 !== 0) return 'Invalid save parameters';
    const points: SavePoint[] = [];
    for (let j = 0; j < argv.length; j++) {
      const r = strtoll(argv[j]);
      if (r.rest !== '' || (j % 2 === 0 && r.value < 1n) || (j % 2 === 1 && r.value < 0n)) {
        return 'Invalid save parameters';
      }
    }
    // A config file adds to the save points it set before; the first `save` drops the defaults.
    if (ctx.loading && ctx.config.saveLoaded && !clear) points.push(...(current.data as SavePoint[]));
    if (ctx.loading) ctx.config.saveLoaded = true;
    for (let j = 0; j < argv.length; j += 2) {
      points.push({
        seconds: Number(strtoll(argv[j]).value),
        changes: Number(BigInt.asIntN(32, strtoll(argv[j + 1]).value)),
      });
    }
    return value(formatSave(points), NaN, points);
  },
  rewrite(w, v) {
    const points = v.data as SavePoint[];
    if (points.length === 0) w.rewriteLine('save', 'save ""', true);
    for (const p of points) w.rewriteLine('save', `save ${p.seconds} ${p.changes}`, true);
    w.markProcessed('save');
  },
};

const OBUF_DEFAULTS: ObufData = [
  { hardBytes: 0, softBytes: 0, softSeconds: 0 },
  { hardBytes: 256 * 1024 * 1024, softBytes: 64 * 1024 * 1024, softSeconds: 60 },
  { hardBytes: 32 * 1024 * 1024, softBytes: 8 * 1024 * 1024, softSeconds: 60 },
];

function obufClassIndex(s: string): number {
  switch (optionWord(s)) {
    case 'normal':
      return 0;
    case 'slave':
    case 'replica':
      return 1;
    case 'pubsub':
      return 2;
    default:
      return -1; // "master" too: it has no output buffer limit of its own
  }
}

function formatObuf(limits: ObufData): string {
  const names = ['normal', 'slave', 'pubsub'];
  return limits.map((l, i) => `${names[i]} ${l.hardBytes} ${l.softBytes} ${l.softSeconds}`).join(' ');
}

const clientOutputBufferLimitParam: ParamDef = {
  name: 'client-output-buffer-limit',
  alias: null,
  flags: MULTI_ARG,
  defaultArgs: ['normal', '0', '0', '0', 'slave', '256mb', '64mb', '60', 'pubsub', '32mb', '8mb', '60'],
  parse(args, current) {
    if (args.length % 4 !== 0) return 'Wrong number of arguments in buffer limit configuration.';
    const next = [...((current.data as ObufData | null) ?? OBUF_DEFAULTS)] as OutputBufferLimit[];
    const updates: Array<[number, OutputBufferLimit]> = [];
    for (let j = 0; j < args.length; j += 4) {
      const cls = obufClassIndex(args[j]);
      if (cls < 0) return 'Invalid client class specified in buffer limit configuration.';
      const hard = memtoull(args[j + 1]);
      const soft = memtoull(args[j + 2]);
      const secs = strtoll(args[j + 3]);
      const seconds = BigInt.asIntN(32, secs.value);
      if (hard === null || soft === null || seconds < 0n || secs.rest !== '') {
        return 'Error in hard, soft or soft_seconds setting in buffer limit configuration.';
      }
      updates.push([cls, { hardBytes: Number(hard), softBytes: Number(soft), softSeconds: Number(seconds) }]);
    }
    for (const [cls, l] of updates) next[cls] = l;
    const data = next as unknown as ObufData;
    return value(formatObuf(data), NaN, data);
  },
  rewrite(w, v) {
    const limits = v.data as ObufData;
    limits.forEach((l, j) => {
      const d = OBUF_DEFAULTS[j];
      const force = l.hardBytes !== d.hardBytes || l.softBytes !== d.softBytes || l.softSeconds !== d.softSeconds;
      const line =
        `client-output-buffer-limit ${OBUF_CLASSES[j]} ${formatMemory(BigInt(l.hardBytes))} ` +
        `${formatMemory(BigInt(l.softBytes))} ${l.softSeconds}`;
      w.rewriteLine('client-output-buffer-limit', line, force);
    });
  },
};

const OOM_DEFAULTS = [0, 200, 800];

const oomScoreAdjValuesParam: ParamDef = {
  name: 'oom-score-adj-values',
  alias: null,
  flags: MULTI_ARG,
  defaultArgs: ['0', '200', '800'],
  parse(args) {
    if (args.length !== 3) return 'wrong number of arguments';
    const vals: number[] = [];
    for (const a of args) {
      const r = strtoll(a);
      if (r.rest !== '' || r.value < -2000n || r.value > 2000n) {
        return 'Invalid oom-score-adj-values, elements must be between -2000 and 2000.';
      }
      vals.push(Number(r.value));
    }
    return value(vals.join(' '), NaN, vals);
  },
  rewrite(w, v) {
    const vals = v.data as number[];
    const force = vals.some((x, i) => x !== OOM_DEFAULTS[i]);
    w.rewriteLine('oom-score-adj-values', `oom-score-adj-values ${vals.join(' ')}`, force);
  },
};

const NOTIFY_CHARS: Record<string, number> = {
  A: NOTIFY.ALL,
  g: NOTIFY.GENERIC,
  $: NOTIFY.STRING,
  l: NOTIFY.LIST,
  s: NOTIFY.SET,
  h: NOTIFY.HASH,
  z: NOTIFY.ZSET,
  x: NOTIFY.EXPIRED,
  e: NOTIFY.EVICTED,
  K: NOTIFY.KEYSPACE,
  E: NOTIFY.KEYEVENT,
  t: NOTIFY.STREAM,
  m: NOTIFY.KEY_MISS,
  d: NOTIFY.MODULE,
  n: NOTIFY.NEW,
};

/** notify-keyspace-events letters into flags; -1 for an unknown letter. Redis reads them up to a NUL byte. */
export function keyspaceEventsFromString(s: string): number {
  let flags = 0;
  for (const c of cString(s)) {
    const f = Object.prototype.hasOwnProperty.call(NOTIFY_CHARS, c) ? NOTIFY_CHARS[c] : undefined;
    if (f === undefined) return -1;
    flags |= f;
  }
  return flags;
}

/** Flags back into Redis's canonical letters ("AKE", "gxE" …). */
export function keyspaceEventsToString(flags: number): string {
  let s = '';
  if ((flags & NOTIFY.ALL) === NOTIFY.ALL) {
    s += 'A';
  } else {
    const order: Array<[string, number]> = [
      ['g', NOTIFY.GENERIC],
      ['$', NOTIFY.STRING],
      ['l', NOTIFY.LIST],
      ['s', NOTIFY.SET],
      ['h', NOTIFY.HASH],
      ['z', NOTIFY.ZSET],
      ['x', NOTIFY.EXPIRED],
      ['e', NOTIFY.EVICTED],
      ['t', NOTIFY.STREAM],
      ['d', NOTIFY.MODULE],
      ['n', NOTIFY.NEW],
    ];
    for (const [c, f] of order) if (flags & f) s += c;
  }
  if (flags & NOTIFY.KEYSPACE) s += 'K';
  if (flags & NOTIFY.KEYEVENT) s += 'E';
  if (flags & NOTIFY.KEY_MISS) s += 'm';
  return s;
}

const notifyParam: ParamDef = {
  name: 'notify-keyspace-events',
  alias: null,
  flags: 0,
  defaultArgs: [''],
  parse(args) {
    const flags = keyspaceEventsFromString(args[0]);
    if (flags === -1) return "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";
    return value(keyspaceEventsToString(flags), flags, flags);
  },
  rewrite(w, v) {
    w.rewriteLine(
      'notify-keyspace-events',
      `notify-keyspace-events ${quoteRepr(v.str)}`,
      v.num !== 0,
    );
  },
};

const BIND_DEFAULT = ['*', '-::*'];

const bindParam: ParamDef = {
  name: 'bind',
  alias: null,
  flags: MULTI_ARG,
  defaultArgs: BIND_DEFAULT,
  parse(args) {
    if (args.length > 16) return 'Too many bind addresses specified.';
    const addrs = args.length === 1 && args[0] === '' ? [] : [...args];
    return value(addrs.join(' '), NaN, addrs);
  },
  rewrite(w, v) {
    const addrs = v.data as string[];
    if (addrs.length === BIND_DEFAULT.length && addrs.every((a, i) => a === BIND_DEFAULT[i])) {
      w.markProcessed('bind');
      return;
    }
    w.rewriteLine('bind', `bind ${addrs.length ? addrs.join(' ') : '""'}`, true);
  },
};

export interface ReplicaOf {
  host: string;
  port: number;
}

const replicaofParam: ParamDef = {
  name: 'replicaof',
  alias: 'slaveof',
  flags: IMMUTABLE | MULTI_ARG,
  defaultArgs: ['no', 'one'],
  parse(args) {
    if (args.length !== 2) return 'wrong number of arguments';
    if (args[0].toLowerCase() === 'no' && args[1].toLowerCase() === 'one') return value('', NaN, null);
    const p = strtoll(args[1]);
    if (p.value < 0n || p.value > 65535n || p.rest !== '') return 'Invalid master port';
    const data: ReplicaOf = { host: args[0], port: Number(p.value) };
    return value(`${data.host} ${data.port}`, NaN, data);
  },
  rewrite(w, v) {
    const r = v.data as ReplicaOf | null;
    if (!r || w.config.bool('cluster-enabled')) {
      w.markProcessed('replicaof');
      return;
    }
    w.rewriteLine('replicaof', `replicaof ${r.host} ${r.port}`, true);
  },
};

const latencyPercentilesParam: ParamDef = {
  name: 'latency-tracking-info-percentiles',
  alias: null,
  flags: MULTI_ARG,
  defaultArgs: ['50', '99', '99.9'],
  parse(args) {
    const argv = args.length === 1 && args[0] === '' ? [] : args;
    const vals: number[] = [];
    for (const a of argv) {
      const v = parseDouble(a);
      if (v === null) return 'Invalid latency-tracking-info-percentiles parameters';
      if (v > 100 || v < 0) return 'latency-tracking-info-percentiles parameters should sit between [0.0,100.0]';
      vals.push(v);
    }
    return value(vals.map(formatPercentile).join(' '), NaN, vals);
  },
  rewrite(w, v) {
    const vals = v.data as number[];
    const name = 'latency-tracking-info-percentiles';
    const line = vals.length ? `${name} ${vals.map(formatPercentile).join(' ')}` : `${name} ""`;
    w.rewriteLine(name, line, true);
  },
};

const dirParam: ParamDef = {
  name: 'dir',
  alias: null,
  flags: PROTECTED,
  defaultArgs: ['.'],
  parse(args, current) {
    // Relative to the current dir, as chdir() is; the result is the real path getcwd() reports.
    const base = current.str || process.cwd();
    const target = resolvePath(base, args[0]);
    try {
      const st = statSync(target);
      if (!st.isDirectory()) return strerror('ENOTDIR');
      accessSync(target, fsConstants.X_OK);
      const real = realpathSync(target);
      return value(real, NaN, real);
    } catch (e) {
      return strerror(errnoCode(e));
    }
  },
  rewrite(w, v) {
    w.rewriteLine('dir', `dir ${quoteRepr(v.str)}`, true);
  },
};

// ---------------------------------------------------------------------------------------------
// The table (Redis 7.0's static_configs, plus what 7.0.15 added)

const MAXMEMORY_POLICIES: EnumItems = [
  ['volatile-lru', 0],
  ['volatile-lfu', 1],
  ['volatile-random', 2],
  ['volatile-ttl', 3],
  ['allkeys-lru', 4],
  ['allkeys-lfu', 5],
  ['allkeys-random', 6],
  ['noeviction', 7],
];

const LOGLEVELS: EnumItems = [
  ['debug', 0],
  ['verbose', 1],
  ['notice', 2],
  ['warning', 3],
];

function capHz(v: bigint): bigint {
  // hz is a hint: values out of 1..500 are accepted and capped.
  return v < 1n ? 1n : v > 500n ? 500n : v;
}

const PARAMS: readonly ParamDef[] = [
  // Booleans
  boolParam('rdbchecksum', null, IMMUTABLE, true),
  boolParam('daemonize', null, IMMUTABLE, false),
  boolParam('io-threads-do-reads', null, IMMUTABLE, false),
  boolParam('always-show-logo', null, IMMUTABLE, false),
  boolParam('protected-mode', null, 0, true),
  boolParam('rdbcompression', null, 0, true),
  boolParam('rdb-del-sync-files', null, 0, false),
  boolParam('activerehashing', null, 0, true),
  boolParam('stop-writes-on-bgsave-error', null, 0, true),
  boolParam('set-proc-title', null, IMMUTABLE, true),
  boolParam('dynamic-hz', null, 0, true),
  boolParam('lazyfree-lazy-eviction', null, 0, false),
  boolParam('lazyfree-lazy-expire', null, 0, false),
  boolParam('lazyfree-lazy-server-del', null, 0, false),
  boolParam('lazyfree-lazy-user-del', null, 0, false),
  boolParam('lazyfree-lazy-user-flush', null, 0, false),
  boolParam('repl-disable-tcp-nodelay', null, 0, false),
  boolParam('repl-diskless-sync', null, 0, true),
  boolParam('aof-rewrite-incremental-fsync', null, 0, true),
  boolParam('no-appendfsync-on-rewrite', null, 0, false),
  boolParam('cluster-require-full-coverage', null, 0, true),
  boolParam('rdb-save-incremental-fsync', null, 0, true),
  boolParam('aof-load-truncated', null, 0, true),
  boolParam('aof-use-rdb-preamble', null, 0, true),
  boolParam('aof-timestamp-enabled', null, 0, false),
  boolParam('cluster-replica-no-failover', 'cluster-slave-no-failover', 0, false),
  boolParam('replica-lazy-flush', 'slave-lazy-flush', 0, false),
  boolParam('replica-serve-stale-data', 'slave-serve-stale-data', 0, true),
  boolParam('replica-read-only', 'slave-read-only', 0, true),
  boolParam('replica-ignore-maxmemory', 'slave-ignore-maxmemory', 0, true),
  boolParam('jemalloc-bg-thread', null, 0, true),
  // nodis has no defragmenter, like a Redis built without Jemalloc's defrag support.
  boolParam('activedefrag', null, 0, false, (v) => (v ? ACTIVE_DEFRAG_ERROR : null)),
  boolParam('syslog-enabled', null, IMMUTABLE, false),
  boolParam('cluster-enabled', null, IMMUTABLE, false),
  boolParam('appendonly', null, 0, false),
  boolParam('cluster-allow-reads-when-down', null, 0, false),
  boolParam('cluster-allow-pubsubshard-when-down', null, 0, true),
  boolParam('crash-log-enabled', null, 0, true),
  boolParam('crash-memcheck-enabled', null, 0, true),
  boolParam('use-exit-on-panic', null, HIDDEN, false),
  boolParam('disable-thp', null, IMMUTABLE, true),
  boolParam('cluster-allow-replica-migration', null, 0, true),
  boolParam('replica-announced', null, 0, true),
  boolParam('latency-tracking', null, 0, true),
  boolParam('aof-disable-auto-gc', null, 0, false),
  boolParam('replica-ignore-disk-write-errors', null, 0, false),

  // Strings
  stringParam('aclfile', null, IMMUTABLE, false, ''),
  stringParam('unixsocket', null, IMMUTABLE, true, null),
  stringParam('pidfile', null, IMMUTABLE, true, null),
  stringParam('replica-announce-ip', 'slave-announce-ip', 0, true, null),
  stringParam('masteruser', null, SENSITIVE, true, null),
  stringParam('cluster-announce-ip', null, 0, true, null),
  stringParam('cluster-config-file', null, IMMUTABLE, false, 'nodes.conf'),
  stringParam('cluster-announce-hostname', null, 0, true, null, validHostname),
  stringParam('syslog-ident', null, IMMUTABLE, false, 'redis'),
  stringParam('dbfilename', null, PROTECTED, false, 'dump.rdb', validDbFilename),
  stringParam('appendfilename', null, IMMUTABLE, false, 'appendonly.aof', validAofFilename),
  stringParam('appenddirname', null, IMMUTABLE, false, 'appendonlydir', validAofDirname),
  stringParam('server_cpulist', null, IMMUTABLE, true, null),
  stringParam('bio_cpulist', null, IMMUTABLE, true, null),
  stringParam('aof_rewrite_cpulist', null, IMMUTABLE, true, null),
  stringParam('bgsave_cpulist', null, IMMUTABLE, true, null),
  stringParam('ignore-warnings', null, 0, false, ''),
  stringParam('proc-title-template', null, 0, false, '{title} {listen-addr} {server-mode}', validProcTitle),
  stringParam('bind-source-addr', null, 0, true, null),
  stringParam('logfile', null, IMMUTABLE, false, ''),
  stringParam('masterauth', null, SENSITIVE, true, null),
  stringParam('requirepass', null, SENSITIVE, true, null),

  // Enums
  enumParam('supervised', null, IMMUTABLE, [['upstart', 1], ['systemd', 2], ['auto', 3], ['no', 0]], 'no'),
  enumParam(
    'syslog-facility',
    null,
    IMMUTABLE,
    [['user', 8], ...[0, 1, 2, 3, 4, 5, 6, 7].map((i) => [`local${i}`, (16 + i) << 3] as const)],
    'local0',
  ),
  enumParam('repl-diskless-load', null, 0, [['disabled', 0], ['on-empty-db', 1], ['swapdb', 2]], 'disabled'),
  enumParam('loglevel', null, 0, LOGLEVELS, 'notice'),
  enumParam('maxmemory-policy', null, 0, MAXMEMORY_POLICIES, 'noeviction'),
  enumParam('appendfsync', null, 0, [['everysec', 2], ['always', 1], ['no', 0]], 'everysec'),
  enumParam('oom-score-adj', null, 0, [['no', 0], ['yes', 1], ['relative', 1], ['absolute', 2]], 'no'),
  enumParam('acl-pubsub-default', null, 0, [['allchannels', 1], ['resetchannels', 0]], 'resetchannels'),
  enumParam('sanitize-dump-payload', null, 0, [['no', 0], ['yes', 1], ['clients', 2]], 'no'),
  enumParam('enable-protected-configs', null, IMMUTABLE, PROTECTED_ACTION, 'no'),
  enumParam('enable-debug-command', null, IMMUTABLE, PROTECTED_ACTION, 'no'),
  enumParam('enable-module-command', null, IMMUTABLE, PROTECTED_ACTION, 'no'),
  enumParam(
    'cluster-preferred-endpoint-type',
    null,
    0,
    [['ip', 0], ['hostname', 1], ['unknown-endpoint', 2]],
    'ip',
  ),
  enumParam('propagation-error-behavior', null, 0, [['ignore', 0], ['panic', 1], ['panic-on-replicas', 2]], 'ignore'),
  enumParam('shutdown-on-sigint', null, MULTI_ARG, SHUTDOWN_ITEMS, 'default', validShutdownFlags),
  enumParam('shutdown-on-sigterm', null, MULTI_ARG, SHUTDOWN_ITEMS, 'default', validShutdownFlags),

  // Integers
  intParam('databases', null, IMMUTABLE, 1n, INT_MAX, 16),
  intParam('port', null, 0, 0n, 65535n, 6379),
  intParam('io-threads', null, IMMUTABLE, 1n, 128n, 1),
  intParam('auto-aof-rewrite-percentage', null, 0, 0n, INT_MAX, 100),
  intParam('cluster-replica-validity-factor', 'cluster-slave-validity-factor', 0, 0n, INT_MAX, 10),
  intParam('list-max-listpack-size', 'list-max-ziplist-size', 0, INT_MIN, INT_MAX, -2),
  intParam('tcp-keepalive', null, 0, 0n, INT_MAX, 300),
  intParam('cluster-migration-barrier', null, 0, 0n, INT_MAX, 1),
  intParam('active-defrag-cycle-min', null, 0, 1n, 99n, 1),
  intParam('active-defrag-cycle-max', null, 0, 1n, 99n, 25),
  intParam('active-defrag-threshold-lower', null, 0, 0n, 1000n, 10),
  intParam('active-defrag-threshold-upper', null, 0, 0n, 1000n, 100),
  intParam('lfu-log-factor', null, 0, 0n, INT_MAX, 10),
  intParam('lfu-decay-time', null, 0, 0n, INT_MAX, 1),
  intParam('replica-priority', 'slave-priority', 0, 0n, INT_MAX, 100),
  intParam('repl-diskless-sync-delay', null, 0, 0n, INT_MAX, 5),
  intParam('maxmemory-samples', null, 0, 1n, INT_MAX, 5),
  intParam('maxmemory-eviction-tenacity', null, 0, 0n, 100n, 10),
  intParam('timeout', null, 0, 0n, INT_MAX, 0),
  intParam('replica-announce-port', 'slave-announce-port', 0, 0n, 65535n, 0),
  intParam('tcp-backlog', null, IMMUTABLE, 0n, INT_MAX, 511),
  intParam('cluster-port', null, IMMUTABLE, 0n, 65535n, 0),
  intParam('cluster-announce-bus-port', null, 0, 0n, 65535n, 0),
  intParam('cluster-announce-port', null, 0, 0n, 65535n, 0),
  intParam('cluster-announce-tls-port', null, 0, 0n, 65535n, 0),
  intParam('repl-timeout', null, 0, 1n, INT_MAX, 60),
  intParam('repl-ping-replica-period', 'repl-ping-slave-period', 0, 1n, INT_MAX, 10),
  intParam('list-compress-depth', null, 0, 0n, INT_MAX, 0),
  intParam('rdb-key-save-delay', null, HIDDEN, INT_MIN, INT_MAX, 0),
  intParam('key-load-delay', null, HIDDEN, INT_MIN, INT_MAX, 0),
  intParam('active-expire-effort', null, 0, 1n, 10n, 1),
  numParam('hz', null, 0, 'int', 0n, INT_MAX, '10', 0, capHz),
  intParam('min-replicas-to-write', 'min-slaves-to-write', 0, 0n, INT_MAX, 0),
  intParam('min-replicas-max-lag', 'min-slaves-max-lag', 0, 0n, INT_MAX, 10),
  intParam('watchdog-period', null, HIDDEN, 0n, INT_MAX, 0),
  intParam('shutdown-timeout', null, 0, 0n, INT_MAX, 10),
  intParam('repl-diskless-sync-max-replicas', null, 0, 0n, INT_MAX, 0),
  numParam('maxclients', null, 0, 'uint', 1n, UINT_MAX, '10000'),
  numParam('unixsocketperm', null, IMMUTABLE, 'uint', 0n, 0o777n, '0', OCTAL),
  numParam('socket-mark-id', null, IMMUTABLE, 'uint', 0n, UINT_MAX, '0'),
  numParam('active-defrag-max-scan-fields', null, 0, 'ulong', 1n, LONG_MAX, '1000'),
  numParam('slowlog-max-len', null, 0, 'ulong', 0n, LONG_MAX, '128'),
  numParam('acllog-max-len', null, 0, 'ulong', 0n, LONG_MAX, '128'),
  numParam('busy-reply-threshold', 'lua-time-limit', 0, 'llong', 0n, LONG_MAX, '5000'),
  numParam('cluster-node-timeout', null, 0, 'llong', 0n, LONG_MAX, '15000'),
  numParam('slowlog-log-slower-than', null, 0, 'llong', -1n, LONG_MAX, '10000'),
  numParam('latency-monitor-threshold', null, 0, 'llong', 0n, LONG_MAX, '0'),
  numParam('proto-max-bulk-len', null, 0, 'llong', 1048576n, LONG_MAX, '512mb', MEMORY),
  numParam('stream-node-max-entries', null, 0, 'llong', 0n, LONG_MAX, '100'),
  numParam('repl-backlog-size', null, 0, 'llong', 1n, LONG_MAX, '1mb', MEMORY),
  numParam('maxmemory', null, 0, 'ullong', 0n, ULLONG_MAX, '0', MEMORY),
  numParam('cluster-link-sendbuf-limit', null, 0, 'ullong', 0n, ULLONG_MAX, '0', MEMORY),
  numParam('hash-max-listpack-entries', 'hash-max-ziplist-entries', 0, 'size', 0n, LONG_MAX, '512'),
  numParam('set-max-intset-entries', null, 0, 'size', 0n, LONG_MAX, '512'),
  numParam('zset-max-listpack-entries', 'zset-max-ziplist-entries', 0, 'size', 0n, LONG_MAX, '128'),
  numParam('active-defrag-ignore-bytes', null, 0, 'size', 1n, LONG_MAX, '100mb', MEMORY),
  numParam('hash-max-listpack-value', 'hash-max-ziplist-value', 0, 'size', 0n, LONG_MAX, '64', MEMORY),
  numParam('stream-node-max-bytes', null, 0, 'size', 0n, LONG_MAX, '4096', MEMORY),
  numParam('zset-max-listpack-value', 'zset-max-ziplist-value', 0, 'size', 0n, LONG_MAX, '64', MEMORY),
  numParam('hll-sparse-max-bytes', null, 0, 'size', 0n, LONG_MAX, '3000', MEMORY),
  numParam('tracking-table-max-keys', null, 0, 'size', 0n, LONG_MAX, '1000000'),
  numParam('client-query-buffer-limit', null, 0, 'size', 1048576n, LONG_MAX, '1gb', MEMORY),
  numParam('maxmemory-clients', null, 0, 'ssize', -100n, LONG_MAX, '0', MEMORY | PERCENT),
  numParam('repl-backlog-ttl', null, 0, 'time', 0n, LONG_MAX, '3600'),
  numParam('auto-aof-rewrite-min-size', null, 0, 'off', 0n, LONG_MAX, '64mb', MEMORY),
  numParam('loading-process-events-interval-bytes', null, HIDDEN, 'off', 1024n, INT_MAX, '2097152'),

  // TLS (accepted and stored; nodis does not speak TLS yet)
  intParam('tls-port', null, 0, 0n, 65535n, 0),
  intParam('tls-session-cache-size', null, 0, 0n, INT_MAX, 20480),
  intParam('tls-session-cache-timeout', null, 0, 0n, INT_MAX, 300),
  boolParam('tls-cluster', null, 0, false),
  boolParam('tls-replication', null, 0, false),
  enumParam('tls-auth-clients', null, 0, [['no', 0], ['yes', 1], ['optional', 2]], 'yes'),
  boolParam('tls-prefer-server-ciphers', null, 0, false),
  boolParam('tls-session-caching', null, 0, true),
  stringParam('tls-cert-file', null, 0, true, null),
  stringParam('tls-key-file', null, 0, true, null),
  stringParam('tls-key-file-pass', null, 0, true, null),
  stringParam('tls-client-cert-file', null, 0, true, null),
  stringParam('tls-client-key-file', null, 0, true, null),
  stringParam('tls-client-key-file-pass', null, 0, true, null),
  stringParam('tls-dh-params-file', null, 0, true, null),
  stringParam('tls-ca-cert-file', null, 0, true, null),
  stringParam('tls-ca-cert-dir', null, 0, true, null),
  stringParam('tls-protocols', null, 0, true, null),
  stringParam('tls-ciphers', null, 0, true, null),
  stringParam('tls-ciphersuites', null, 0, true, null),

  // Special
  dirParam,
  saveParam,
  clientOutputBufferLimitParam,
  oomScoreAdjValuesParam,
  notifyParam,
  bindParam,
  replicaofParam,
  latencyPercentilesParam,
];

/** redis.conf directives that Redis 7 still accepts and ignores (with their exact word count). */
const DEPRECATED: ReadonlyMap<string, number> = new Map([
  ['list-max-ziplist-entries', 2],
  ['list-max-ziplist-value', 2],
  ['lua-replicate-commands', 2],
]);

// ---------------------------------------------------------------------------------------------
// The runtime table

interface Entry {
  readonly def: ParamDef;
  value: Value;
  readonly defaultValue: Value;
  readonly listeners: ConfigListener[];
  readonly appliers: ConfigApplier[];
}

/** A name (primary or alias) leading to its entry. */
interface Slot {
  /** The name as Redis spells it: CONFIG SET errors and CONFIG GET globs show this one. */
  readonly name: string;
  readonly entry: Entry;
  readonly alias: boolean;
  readonly hidden: boolean;
}

/** A redis.conf error, reported as Redis's "FATAL CONFIG FILE ERROR". */
export class ConfigFileError extends Error {
  constructor(
    readonly reason: string,
    /** 1-based line of the text being read; null when the error concerns the whole file. */
    readonly lineNumber: number | null = null,
    /** The trimmed line. */
    readonly lineText = '',
  ) {
    super(lineNumber === null ? reason : `line ${lineNumber} ('${lineText}'): ${reason}`);
  }

  /** The message redis-server prints on stderr before exiting with status 1. */
  fatalMessage(product: string): string {
    let s = `\n*** FATAL CONFIG FILE ERROR (${product}) ***\n`;
    if (this.lineNumber !== null) {
      s += `Reading the configuration file, at line ${this.lineNumber}\n`;
      s += `>>> '${this.lineText}'\n`;
    }
    return `${s}${this.reason}\n`;
  }
}

/** A config file that cannot be opened: Redis logs it and exits. */
export class ConfigOpenError extends Error {
  constructor(
    readonly path: string,
    readonly code: string | undefined,
  ) {
    super(`Fatal error, can't open config file '${path}': ${strerror(code)}`);
  }
}

export interface LoadOptions {
  /**
   * Checks (and performs) a rename-command; returns Redis's error text or null. Without it the
   * renames are only recorded in renamedCommands.
   */
  renameCommand?: (from: string, to: string) => string | null;
}

export class Config {
  private readonly slots = new Map<string, Slot>();
  /** Primary names in table order, each followed by its alias (CONFIG GET * order). */
  private readonly order: Slot[] = [];
  /** Set once a config file's first `save` line dropped the default save points. */
  saveLoaded = false;
  /** rename-command directives read from config files, in order. */
  readonly renamedCommands: Array<[string, string]> = [];
  /** `user` directives (ACL users) read from config files, each as its words. */
  readonly userDirectives: string[][] = [];
  /** `loadmodule` directives, each as its words. */
  readonly moduleDirectives: string[][] = [];
  /** Module parameters (name with a dot) from config files. */
  readonly moduleConfigs = new Map<string, string>();
  /** Extra CONFIG REWRITE steps (ACL users, modules) that other parts of the server register. */
  readonly rewriteHooks: Array<(w: Rewriter) => void> = [];

  constructor() {
    const ctx: ParseContext = { loading: false, config: this };
    for (const def of PARAMS) {
      const placeholder = value('', NaN);
      const initial = def.parse(def.defaultArgs, placeholder, ctx);
      if (typeof initial === 'string') throw new Error(`bad default for ${def.name}: ${initial}`);
      const entry: Entry = { def, value: initial, defaultValue: initial, listeners: [], appliers: [] };
      const hidden = (def.flags & HIDDEN) !== 0;
      const primary: Slot = { name: def.name, entry, alias: false, hidden };
      this.slots.set(def.name, primary);
      this.order.push(primary);
      if (def.alias) {
        const alias: Slot = { name: def.alias, entry, alias: true, hidden };
        this.slots.set(def.alias, alias);
        this.order.push(alias);
      }
    }
  }

  private slot(name: string): Slot | undefined {
    return this.slots.get(name) ?? this.slots.get(name.toLowerCase());
  }

  private entry(name: string): Entry {
    const s = this.slots.get(name) ?? this.slots.get(name.toLowerCase());
    if (!s) throw new Error(`unknown config parameter ${name}`);
    return s.entry;
  }

  has(name: string): boolean {
    return this.slot(name) !== undefined;
  }

  /** The value as CONFIG GET shows it. */
  get(name: string): string {
    return this.entry(name).value.str;
  }

  /** A numeric parameter (memory ones in bytes; maxmemory-clients as a percentage is negative). */
  num(name: string): number {
    return this.entry(name).value.num;
  }

  bool(name: string): boolean {
    return this.entry(name).value.num === 1;
  }

  /** True while the parameter has its built-in default value. */
  isDefault(name: string): boolean {
    const e = this.entry(name);
    return e.value.str === e.defaultValue.str;
  }

  /** Every parameter name CONFIG GET * lists (aliases included, hidden ones not). */
  names(): string[] {
    return this.order.filter((s) => !s.hidden).map((s) => s.name);
  }

  /** The primary name of a parameter known by this name (or alias); null for other words. */
  primaryName(name: string): string | null {
    return this.slot(name)?.entry.def.name ?? null;
  }

  /** True for secrets (requirepass, masterauth, masteruser) that logs must redact. */
  isSensitive(name: string): boolean {
    return ((this.slot(name)?.entry.def.flags ?? 0) & SENSITIVE) !== 0;
  }

  /** True if CONFIG SET must refuse it. */
  isImmutable(name: string): boolean {
    return ((this.slot(name)?.entry.def.flags ?? 0) & IMMUTABLE) !== 0;
  }

  /**
   * Sets a parameter as a startup option does (immutable ones too); a multi-word value is split
   * at spaces. Returns Redis's error text, or null when set.
   */
  set(name: string, val: string): string | null {
    const s = this.slot(name);
    if (!s) return `Unknown option or number of arguments for CONFIG SET - '${name}'`;
    const args = s.entry.def.flags & MULTI_ARG ? splitSpaces(val) : [val];
    return this.setArgs(s.entry, args, false);
  }

  private setArgs(entry: Entry, args: readonly string[], loading: boolean): string | null {
    const next = entry.def.parse(args, entry.value, { loading, config: this });
    if (typeof next === 'string') return next;
    const changed = next.str !== entry.value.str;
    entry.value = next;
    if (changed) for (const fn of entry.listeners) fn(next.str);
    return null;
  }

  /** Calls fn with the new value whenever the parameter (or its alias) changes. */
  onChange(name: string, fn: ConfigListener): void {
    this.entry(name).listeners.push(fn);
  }

  /** Calls fn to apply the parameter's new value on CONFIG SET, which it may refuse (see ConfigApplier). */
  onApply(name: string, fn: ConfigApplier): void {
    this.entry(name).appliers.push(fn);
  }

  // --- CONFIG GET / CONFIG SET --------------------------------------------------------------

  /**
   * CONFIG GET: each argument is a name (any case, shown as given) or a glob matched against
   * every visible name. Returns [name, value] pairs, each parameter name once.
   */
  getMatching(patterns: readonly string[], match: (pattern: string, name: string) => boolean): Array<[string, string]> {
    const seen = new Map<string, [string, string]>();
    for (const p of patterns) {
      // Redis looks for glob characters, and matches globs, in the C string: up to a NUL.
      const glob = cString(p);
      if (!/[[*?]/.test(glob)) {
        const key = p.toLowerCase();
        if (seen.has(key)) continue;
        const s = this.slots.get(key);
        if (s) seen.set(key, [p, s.entry.value.str]);
        continue;
      }
      for (const s of this.order) {
        if (s.hidden || seen.has(s.name)) continue;
        if (match(glob, s.name)) seen.set(s.name, [s.name, s.entry.value.str]);
      }
    }
    return [...seen.values()];
  }

  /**
   * CONFIG SET name value [name value …]: every pair is checked first, then all are set; if one
   * fails, the ones already set get their old values back. Returns the error reply (with its
   * code) or null.
   */
  configSet(pairs: ReadonlyArray<readonly [string, string]>, protectedAllowed: boolean): string | null {
    let unknown: string | null = null;
    let failed = false;
    let errArg = '';
    let errStr: string | null = null;
    const slots: Slot[] = [];
    for (const [name] of pairs) {
      const s = this.slot(name);
      if (!s) {
        if (!failed) {
          unknown = name;
          failed = true;
        }
        continue;
      }
      if (failed) continue;
      const flags = s.entry.def.flags;
      if (flags & IMMUTABLE || (flags & PROTECTED && !protectedAllowed)) {
        errStr = flags & IMMUTABLE ? "can't set immutable config" : "can't set protected config";
        errArg = name;
        failed = true;
        continue;
      }
      // The same name twice (in any letter case); a name and its alias are distinct, as in Redis.
      if (slots.some((o) => o === s)) {
        errStr = 'duplicate parameter';
        errArg = name;
        failed = true;
      }
      slots.push(s);
    }
    if (!failed) {
      const old = slots.map((s) => s.entry.value);
      for (let i = 0; i < slots.length; i++) {
        const entry = slots[i].entry;
        const val = pairs[i][1];
        const args = entry.def.flags & MULTI_ARG ? splitSpaces(val) : [val];
        const next = entry.def.parse(args, entry.value, { loading: false, config: this });
        if (typeof next === 'string') {
          for (let j = i - 1; j >= 0; j--) slots[j].entry.value = old[j];
          errStr = next;
          errArg = slots[i].name;
          failed = true;
          break;
        }
        entry.value = next;
      }
      if (!failed) {
        // Apply: tell the listeners of every parameter whose value changed, once each. One that
        // refuses its value undoes the whole CONFIG SET: old values back, applied again.
        const changed: Entry[] = [];
        for (let i = 0; i < slots.length; i++) {
          const e = slots[i].entry;
          if (!changed.includes(e) && e.value.str !== old[i].str) changed.push(e);
        }
        const applied: Entry[] = [];
        for (let i = 0; i < slots.length && errStr === null; i++) {
          const e = slots[i].entry;
          if (!changed.includes(e) || applied.includes(e)) continue;
          applied.push(e);
          for (const fn of e.appliers) {
            const refused = fn(e.value.str);
            if (refused !== null) {
              errStr = refused;
              errArg = slots[i].name;
              break;
            }
          }
        }
        if (errStr === null) {
          for (const e of changed) for (const fn of e.listeners) fn(e.value.str);
          return null;
        }
        for (let j = slots.length - 1; j >= 0; j--) slots[j].entry.value = old[j];
        for (const e of applied) for (const fn of e.appliers) fn(e.value.str);
      }
    }
    if (unknown !== null) return `ERR Unknown option or number of arguments for CONFIG SET - '${cString(unknown)}'`;
    if (errStr !== null) return `ERR CONFIG SET failed (possibly related to argument '${errArg}') - ${errStr}`;
    return `ERR CONFIG SET failed (possibly related to argument '${errArg}')`;
  }

  // --- Typed reads ----------------------------------------------------------------------------

  /** The save points (empty: no automatic snapshots). */
  savePoints(): readonly SavePoint[] {
    return this.entry('save').value.data as SavePoint[];
  }

  clientOutputBufferLimit(cls: OutputBufferClass): OutputBufferLimit {
    const i = OBUF_CLASSES.indexOf(cls);
    return (this.entry('client-output-buffer-limit').value.data as ObufData)[i];
  }

  /** notify-keyspace-events as NOTIFY flags. */
  notifyKeyspaceEvents(): number {
    return this.entry('notify-keyspace-events').value.num;
  }

  bindAddresses(): readonly string[] {
    return this.entry('bind').value.data as string[];
  }

  oomScoreAdjValues(): readonly number[] {
    return this.entry('oom-score-adj-values').value.data as number[];
  }

  latencyPercentiles(): readonly number[] {
    return this.entry('latency-tracking-info-percentiles').value.data as number[];
  }

  /** The master this server replicates from, or null. */
  replicaOf(): ReplicaOf | null {
    return this.entry('replicaof').value.data as ReplicaOf | null;
  }

  /** A string parameter that may be unset (unixsocket, pidfile, requirepass …): null when unset. */
  optionalString(name: string): string | null {
    const d = this.entry(name).value.data;
    return typeof d === 'string' ? d : null;
  }

  // --- redis.conf -----------------------------------------------------------------------------

  /**
   * Reads redis.conf text, as Redis's loadServerConfigFromString: one directive per line, '#'
   * comments, quoting as sdssplitargs. Throws ConfigFileError (or ConfigOpenError for a missing
   * include) at the first bad line; lines before it stay applied.
   */
  loadString(text: string, opts: LoadOptions = {}): void {
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i].replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
      if (line === '' || line[0] === '#') continue;
      const fail = (reason: string): never => {
        throw new ConfigFileError(reason, i + 1, line);
      };
      const argv = splitArgs(line);
      if (argv === null) fail('Unbalanced quotes in configuration line');
      if (argv!.length === 0) continue;
      const args = argv!;
      const directive = args[0].toLowerCase();
      const s = this.slots.get(directive);
      if (s) {
        const def = s.entry.def;
        if (!(def.flags & MULTI_ARG) && args.length !== 2) fail('wrong number of arguments');
        let params = args.slice(1);
        // "--save '900 1'" on the command line: one word holding several is split like a line.
        if (def.flags & MULTI_ARG && params.length === 1 && params[0] !== '') {
          const split = splitArgs(params[0]);
          if (split === null) fail('Unbalanced quotes in configuration line');
          params = split!;
        }
        const err = this.setArgs(s.entry, params, true);
        if (err !== null) fail(err);
        continue;
      }
      if (DEPRECATED.get(directive) === args.length) continue;
      if (directive === 'include' && args.length === 2) {
        this.loadFile(args[1], opts);
      } else if (directive === 'rename-command' && args.length === 3) {
        const err = opts.renameCommand?.(args[1], args[2]) ?? null;
        if (err !== null) fail(err);
        this.renamedCommands.push([args[1], args[2]]);
      } else if (directive === 'user' && args.length >= 2) {
        if (this.userDirectives.some((u) => u[0] === args[1])) {
          fail(`Error in user declaration '${args[1]}': Duplicate user found. A user can only be defined once in config files`);
        }
        this.userDirectives.push(args.slice(1));
      } else if (directive === 'loadmodule' && args.length >= 2) {
        this.moduleDirectives.push(args.slice(1));
      } else if (directive.includes('.')) {
        if (args.length !== 2) fail('Module config specified without value');
        this.moduleConfigs.set(args[0], args[1]);
      } else if (directive === 'sentinel') {
        if (args.length !== 1) fail('sentinel directive while not in sentinel mode');
      } else {
        fail('Bad directive or wrong number of arguments');
      }
    }
    const logfile = this.get('logfile');
    if (logfile !== '') {
      try {
        appendFileSync(logfile, '');
      } catch (e) {
        throw new ConfigFileError(`Can't open the log file: ${strerror(errnoCode(e))}`);
      }
    }
    if (this.bool('cluster-enabled') && this.replicaOf()) {
      throw new ConfigFileError('replicaof directive not allowed in cluster mode');
    }
  }

  /**
   * Reads a config file (relative paths from the current directory); a name with * ? or [
   * includes every matching file, and none is fine.
   */
  loadFile(path: string, opts: LoadOptions = {}): void {
    if (/[*?[]/.test(path)) {
      for (const file of expandGlob(path)) this.loadString(readConfigFile(file), opts);
      return;
    }
    this.loadString(readConfigFile(path), opts);
  }

  // --- CONFIG REWRITE -------------------------------------------------------------------------

  /**
   * Rewrites the config file at path like Redis: comments, unknown directives and the line order
   * stay; changed parameters replace their lines; parameters not at their default that the file
   * lacks are appended after a "# Generated by CONFIG REWRITE" line; lines left over for a
   * rewritten parameter are blanked. Throws the file system error on failure.
   */
  /**
   * CONFIG REWRITE; with forceAll (DEBUG CONFIG-REWRITE-FORCE-ALL) every option is written, its
   * default value included.
   */
  rewrite(path: string, forceAll = false): void {
    const w = Rewriter.fromFile(path, this);
    w.forceAll = forceAll;
    for (const s of this.order) {
      if (s.alias) continue;
      s.entry.def.rewrite(w, s.entry.value, s.entry.defaultValue);
    }
    for (const hook of this.rewriteHooks) hook(w);
    w.removeOrphaned();
    writeFileAtomically(path, w.content());
  }
}

function readConfigFile(path: string): string {
  try {
    return readFileSync(path, 'latin1');
  } catch (e) {
    throw new ConfigOpenError(path, errnoCode(e));
  }
}

/** Files matching a glob in the last path component, sorted (glob(3) order). */
function expandGlob(pattern: string): string[] {
  const dir = dirname(pattern);
  const base = basename(pattern);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const re = globToRegExp(base);
  return names
    .filter((n) => !n.startsWith('.') && re.test(n))
    .sort()
    .map((n) => join(dir, n));
}

/** A shell glob (one path component) as a regular expression. */
function globToRegExp(glob: string): RegExp {
  let re = '^';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close < 0) re += '\\[';
      else {
        let set = glob.slice(i + 1, close);
        if (set[0] === '!') set = `^${set.slice(1)}`;
        re += `[${set.replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`${re}$`);
}

function writeFileAtomically(path: string, content: string): void {
  const tmp = `${path}.${randomHex(3)}`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    const buf = Buffer.from(content, 'latin1');
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
    closeSync(fd);
    chmodSync(tmp, 0o644 & ~process.umask());
    renameSync(tmp, path);
  } catch (e) {
    try {
      closeSync(fd);
    } catch {
      // Already closed.
    }
    try {
      unlinkSync(tmp);
    } catch {
      // Nothing to remove.
    }
    throw e;
  }
}

const REWRITE_SIGNATURE = '# Generated by CONFIG REWRITE';

/** CONFIG REWRITE's state: the old file's lines and where each directive appears in them. */
export class Rewriter {
  readonly lines: string[] = [];
  private readonly optionLines = new Map<string, number[]>();
  private readonly rewritten = new Set<string>();
  private needsSignature = true;
  /** Write every option, default values too (Redis's force_write). */
  forceAll = false;

  private constructor(readonly config: Config) {}

  static fromFile(path: string, config: Config): Rewriter {
    const w = new Rewriter(config);
    let text = '';
    try {
      text = readFileSync(path, 'latin1');
    } catch (e) {
      // A file that no longer exists is written anew.
      if (errnoCode(e) !== 'ENOENT') throw e;
    }
    if (text === '') return w;
    for (const raw of text.split('\n')) {
      const line = raw.replace(/^[\r\n\t ]+|[\r\n\t ]+$/g, '');
      if (line === '' || line[0] === '#') {
        if (w.needsSignature && line === REWRITE_SIGNATURE) w.needsSignature = false;
        w.lines.push(line);
        continue;
      }
      const argv = splitArgs(line);
      if (argv !== null && argv.length === 0) {
        w.lines.push(line);
        continue;
      }
      if (argv === null) {
        // Unparsable: kept as a comment.
        w.lines.push(`# ??? ${line}`);
        continue;
      }
      w.lines.push(line);
      // An alias (slaveof, hash-max-ziplist-entries …) stands for its parameter's primary name,
      // and any other "slave" word for "replica".
      const word = argv[0].toLowerCase();
      const option = config.primaryName(word) ?? word.replace('slave', 'replica');
      const list = w.optionLines.get(option);
      if (list) list.push(w.lines.length - 1);
      else w.optionLines.set(option, [w.lines.length - 1]);
    }
    return w;
  }

  /** The option was handled: its old lines that were not reused get blanked. */
  markProcessed(option: string): void {
    this.rewritten.add(option);
  }

  /**
   * Puts line in place of the option's next old line, or appends it when force is set (a value
   * other than the default) and the file has no line left for it.
   */
  rewriteLine(option: string, line: string, force: boolean): void {
    this.markProcessed(option);
    const list = this.optionLines.get(option);
    if (!list && !force && !this.forceAll) return;
    if (list) {
      const n = list.shift()!;
      if (list.length === 0) this.optionLines.delete(option);
      this.lines[n] = line;
      return;
    }
    if (this.needsSignature) {
      this.lines.push(REWRITE_SIGNATURE);
      this.needsSignature = false;
    }
    this.lines.push(line);
  }

  removeOrphaned(): void {
    for (const [option, list] of this.optionLines) {
      if (!this.rewritten.has(option)) continue;
      for (const n of list) this.lines[n] = '';
    }
    this.optionLines.clear();
  }

  /** The new file: the lines, each run of empty lines folded into one. */
  content(): string {
    let out = '';
    let wasEmpty = false;
    for (const line of this.lines) {
      if (line === '') {
        if (wasEmpty) continue;
        wasEmpty = true;
      } else {
        wasEmpty = false;
      }
      out += `${line}\n`;
    }
    return out;
  }
}
