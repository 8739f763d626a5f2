// The Lua engine of one server (Redis's eval.c + script.c + script_lua.c): Redis's own Lua 5.1
// compiled to WebAssembly (lua-redis-wasm), loaded on the first script so that a server that runs
// none never pays for it. redis.call and redis.pcall run their command through the same path as
// a client's command (resolve, the script's checks, call()) on the server's one "lua" client,
// inside the EVAL's execution unit: one frozen time, effects propagated as the commands run
// (wrapped in MULTI/EXEC with more than one), blocked clients served after the script.

import { createHash } from 'node:crypto';
import { load, type LuaEngine, type ReplyValue } from 'lua-redis-wasm';
import { evalWithArgs } from './engine-call.js';
import type { Server } from '../server/server.js';
import type { Client } from '../server/client.js';
import { Command } from '../server/command.js';
import { call, resolveCommand, setCommandHolder } from '../server/dispatch.js';
import { setScriptWrites } from '../server/pause.js';
import { ERR_OOM, usedMemory } from '../server/maxmemory.js';
import { REDIS_VERSION } from '../version.js';
import { errorText, readReply, writeValue } from './resp-value.js';
import { FunctionLibraries } from './functions.js';
import {
  FLAG_NAMES,
  SCRIPT_ALLOW_OOM,
  SCRIPT_EVAL_COMPAT,
  SCRIPT_NO_WRITES,
} from './flags.js';

export * from './flags.js';

/** A script in the cache: its text, what the engine runs (the shebang line blanked), its flags. */
export interface CachedScript {
  readonly body: string;
  readonly code: Buffer;
  readonly flags: number;
}

/** The state of the script running now (Redis's scriptRunCtx). */
interface RunContext {
  readonly caller: Client;
  /** The caller's EVAL or FCALL: its declared keys are what a tracking caller remembers. */
  readonly callerArgv: string[];
  readonly sha: string;
  /** EVAL_RO or a no-writes script: write commands are refused. */
  readonly readOnly: boolean;
  readonly allowOom: boolean;
  /** Out of memory when the script started (Redis's pre_command_oom_state). */
  readonly oomAtStart: boolean;
  /** A write ran: the script can no longer be refused a write, nor be killed. */
  wrote: boolean;
}

export function sha1hex(s: string): string {
  return createHash('sha1').update(s, 'latin1').digest('hex');
}

/**
 * Reads the shebang line of a script (`#!lua flags=no-writes,...`), as Redis's
 * evalExtractShebangFlags: the flags and the shebang's length, or Redis's error text.
 */
export function shebangFlags(body: string): { flags: number; length: number } | { error: string } {
  if (!body.startsWith('#!')) return { flags: SCRIPT_EVAL_COMPAT, length: 0 };
  const end = body.indexOf('\n');
  if (end < 0) return { error: 'ERR Invalid script shebang' };
  const parts = body.slice(0, end).split(/[ \t\r\v\f]+/).filter((p) => p !== '');
  if (parts.length === 0) return { error: 'ERR Invalid engine in script shebang' };
  if (parts[0] !== '#!lua') return { error: `ERR Unexpected engine in script shebang: ${parts[0]}` };
  let flags = 0;
  for (let i = 1; i < parts.length; i++) {
    if (!parts[i].startsWith('flags=')) return { error: `ERR Unknown lua shebang option: ${parts[i]}` };
    const list = parts[i].slice(6);
    if (list === '') continue;
    for (const name of list.split(',')) {
      const f = FLAG_NAMES.find(([n]) => n === name);
      if (!f) return { error: `ERR Unexpected flag in script shebang: ${name}` };
      flags |= f[1];
    }
  }
  return { flags, length: end };
}

/**
 * Guards what a script returns before the engine reads it: the engine reads tables with their
 * metamethods outside any protection (a Lua panic) and never ends on a table that contains
 * itself. A table with a metatable, or nested past 100 levels, is answered with Redis's "reached
 * lua stack limit" error instead (Redis reads the first with rawget, and errors on the second
 * once its stack runs out). Kept short: it is compiled with the script on every run.
 */
export const RESULT_GUARD =
  'local function __g(v,d) if d>99 or getmetatable(v) then return true end ' +
  "for i=1,#v do local x=rawget(v,i) if type(x)=='table' and __g(x,d+1) then return true end end end " +
  "local function __c(r) if type(r)=='table' and __g(r,0) then return {err='ERR reached lua stack limit'} end return r end";

/** A script's code as the engine runs it: inside a function whose result RESULT_GUARD checks. */
function wrapScript(code: string): Buffer {
  // The wrapper's head sits on the script's first line, so line numbers stay the user's.
  return Buffer.from(`${RESULT_GUARD} local function __s(...) ${code}\nend return __c(__s(...))`, 'latin1');
}

/**
 * The engine counts Lua instructions ("fuel") and aborts a run past its budget; without one it
 * allows only about 10M (some 75 ms). Scripts get the most it takes (a 32-bit count: about 30 s
 * of pure Lua; time spent in redis.call is not counted), so that only a runaway script ends that
 * way (README: busy scripts). FUNCTION LOAD's run gets about Redis's 500 ms.
 */
const SCRIPT_FUEL = 0xffffffff;
const LOAD_FUEL = 65_000_000;

/** The Lua heap's size in bytes (Redis's lua_gc(LUA_GCCOUNT) * 1024, plus the remainder). */
const LUA_MEMORY = 'return collectgarbage("count") * 1024';

/** Compiles a script without running it: nil, or the compiler's message. */
const COMPILE_CHECK = 'local f, e = loadstring(ARGV[1], "@user_script") if f then return nil end return e';

const engines = new WeakMap<Server, Scripting>();

/** The scripting state of a server, created on first use (the engine itself loads later). */
export function scriptingOf(server: Server): Scripting {
  let s = engines.get(server);
  if (s === undefined) {
    s = new Scripting(server);
    engines.set(server, s);
  }
  return s;
}

/** The scripting state of a server if any script command ran, else null (INFO). */
export function scriptingIfUsed(server: Server): Scripting | null {
  return engines.get(server) ?? null;
}

export class Scripting {
  private engine: LuaEngine | null = null;
  private loading: Promise<void> | null = null;
  /** Why the engine could not be loaded, if it could not. */
  loadError: string | null = null;
  /** The server's script client (Redis's lua client): MONITOR shows its commands as "lua". */
  readonly client: Client;
  private running: RunContext | null = null;
  /** EVAL's script cache by SHA1 (SCRIPT LOAD, EVAL), in insertion order. */
  readonly scripts = new Map<string, CachedScript>();
  /** What the cached scripts' bodies take (INFO used_memory_scripts_eval). */
  scriptBytes = 0;
  /** FUNCTION's libraries. */
  readonly functions = new FunctionLibraries();

  constructor(private readonly server: Server) {
    this.client = server.createFakeClient();
    // Blocking commands answer at once, as inside MULTI (Redis's CLIENT_DENY_BLOCKING).
    this.client.denyBlocking = true;
    this.client.scriptClient = true;
  }

  /** Whether the engine is loaded and scripts can run now. */
  get ready(): boolean {
    return this.engine !== null;
  }

  /** What the Lua heap holds, as Redis reports it (INFO used_memory_lua); 0 before the engine loads. */
  vmMemory(): number {
    if (this.engine === null || this.running !== null) return 0;
    const kb = this.engine.evalWithArgs(LUA_MEMORY, [], []);
    return typeof kb === 'number' ? kb : 0;
  }

  /** What the script cache holds (INFO used_memory_scripts_eval): bodies and their SHA1s. */
  get cacheMemory(): number {
    return this.scriptBytes + 40 * this.scripts.size;
  }

  /** Whether a script is running now. */
  get busy(): boolean {
    return this.running !== null;
  }

  /** Loads the engine (once); resolves when scripts can run. */
  load(): Promise<void> {
    this.loading ??= load({ profile: 'redis-7.0', redisProps: REDIS_PROPS, limits: { maxFuel: SCRIPT_FUEL } }).then(
      (mod) => {
        this.engine = mod.create({
          redisCall: (args) => this.redisCall(args),
          redisPcall: (args) => this.redisCall(args),
          log: (level, message) => this.log(level, message),
          onSetResp: (version) => {
            this.client.resp = version;
          },
        });
      },
      (e: unknown) => {
        this.loadError = e instanceof Error ? e.message : String(e);
        this.server.log.warning(`Failed to load the Lua engine: ${this.loadError}`);
      },
    );
    return this.loading;
  }

  /** The compiler's error for a script body, or null if it compiles. */
  compileError(code: Buffer): string | null {
    const r = this.engine!.evalWithArgs(COMPILE_CHECK, [], [code]);
    return Buffer.isBuffer(r) ? r.toString('latin1') : null;
  }

  /**
   * Adds a script to the cache (SCRIPT LOAD, EVAL of a new script): its SHA1, or writes Redis's
   * error to c and returns null.
   */
  createScript(c: Client, body: string, sha: string = sha1hex(body)): string | null {
    if (this.scripts.has(sha)) return sha;
    const shebang = shebangFlags(body);
    if ('error' in shebang) {
      c.error(shebang.error);
      return null;
    }
    // The shebang line is skipped, its line feed kept so that line numbers stay the user's.
    const source = body.slice(shebang.length);
    const error = this.compileError(Buffer.from(source, 'latin1'));
    if (error !== null) {
      c.error(`ERR Error compiling script (new function): ${error}`);
      return null;
    }
    this.scripts.set(sha, { body, code: wrapScript(source), flags: shebang.flags });
    this.scriptBytes += body.length;
    return sha;
  }

  /** SCRIPT FLUSH. */
  flush(): void {
    this.scripts.clear();
    this.scriptBytes = 0;
  }

  /**
   * Runs a cached script for c (EVAL's evalGenericCommand with scriptPrepareForRun's checks) and
   * writes its result or error to c.
   */
  run(c: Client, argv: string[], sha: string, script: CachedScript, keys: readonly string[], args: readonly string[], ro: boolean): void {
    this.execute(c, argv, script.code, script.flags, keys, args, ro, sha, 'user_script');
  }

  /**
   * Runs Lua code for c as a script or a function (name: the SHA1 or the function's name that
   * errors cite; source: the chunk name they cite), after Redis's checks of the flags, and writes
   * its result or error to c.
   */
  execute(
    c: Client,
    callerArgv: string[],
    code: Buffer,
    flags: number,
    keys: readonly string[],
    args: readonly string[],
    ro: boolean,
    name: string,
    source: 'user_script' | 'user_function',
  ): void {
    const compat = (flags & SCRIPT_EVAL_COMPAT) !== 0;
    const server = this.server;
    const oom = server.maxmemory !== 0 && server.maxmemoryRefuses && usedMemory() > server.maxmemory;
    if (!compat) {
      if (!(flags & SCRIPT_NO_WRITES) && ro) {
        c.error('ERR Can not execute a script with write flag using *_ro command.');
        return;
      }
      if (oom && !(flags & (SCRIPT_ALLOW_OOM | SCRIPT_NO_WRITES))) {
        c.error("OOM allow-oom flag is not set on the script, can not run it when used memory > 'maxmemory'");
        return;
      }
    }
    const lc = this.client;
    lc.db = c.db;
    lc.resp = 2;
    lc.user = c.user;
    this.running = {
      caller: c,
      callerArgv,
      sha: name,
      readOnly: ro || (!compat && (flags & SCRIPT_NO_WRITES) !== 0),
      allowOom: !compat && (flags & SCRIPT_ALLOW_OOM) !== 0,
      oomAtStart: oom,
      wrote: false,
    };
    let result: ReplyValue;
    try {
      result = evalWithArgs(this.engine!, code, keys, args);
    } catch (e) {
      // A Lua panic (an error outside any protected call) ends the engine's run with an exit
      // status object, not an Error; the engine stays usable for the next script.
      const why = e instanceof Error ? e.message : String((e as { message?: unknown })?.message ?? e);
      c.error(`ERR Error running script: ${why}`);
      return;
    } finally {
      this.running = null;
    }
    if (result !== null && typeof result === 'object' && 'err' in result && result.meta !== undefined) {
      c.error(scriptErrorText(result as ScriptError, name, source));
      return;
    }
    writeValue(c, result);
  }

  /**
   * Runs Lua code outside any script with FUNCTION LOAD's time budget (its registration run):
   * its raw result.
   */
  evalRaw(code: Buffer): ReplyValue {
    // The budget is read when a run starts; the engine's typed API has no setter for it.
    const exports = (this.engine as unknown as { exports: { _set_limits(fuel: number, reply: number, arg: number): void } }).exports;
    exports._set_limits(LOAD_FUEL, 0, 0);
    try {
      return this.engine!.evalWithArgs(code, [], []);
    } finally {
      exports._set_limits(SCRIPT_FUEL, 0, 0);
    }
  }

  /** redis.call / redis.pcall: the command's reply as a value (errors as {err}). */
  private redisCall(args: Buffer[]): ReplyValue {
    const run = this.running;
    const lc = this.client;
    if (run === null) return { err: Buffer.from('ERR redis.call can only be called inside a script invocation') };
    if (args.length === 0) return scriptCallError(lc, null, 'ERR Please specify at least one argument for this redis lib call');
    const argv = new Array<string>(args.length);
    for (let i = 0; i < args.length; i++) argv[i] = args[i].toString('latin1');
    const r = resolveCommand(lc, argv);
    if (!(r instanceof Command)) {
      return r.cmd === null
        ? scriptCallError(lc, null, 'ERR Unknown Redis command called from script')
        : scriptCallError(lc, r.cmd, 'ERR Wrong number of args calling Redis command from script');
    }
    const cmd = r;
    if (cmd.flags.includes('noscript')) return scriptCallError(lc, cmd, 'ERR This Redis command is not allowed from script');
    // May-replicate commands count as writes for read-only scripts, as in Redis.
    if (run.readOnly && (cmd.write || cmd.mayReplicate)) {
      return scriptCallError(lc, cmd, 'ERR Write commands are not allowed from read-only scripts.');
    }
    // Out of memory when the script began: its first write that may grow memory is refused.
    if (cmd.denyOom && !run.allowOom && !run.wrote && run.oomAtStart) return scriptCallError(lc, cmd, ERR_OOM);
    if (cmd.write) run.wrote = true;
    const mark = lc.replyBytes;
    call(lc, cmd, argv);
    // A read makes a tracking caller remember the keys the script declared (Redis's call()).
    const caller = run.caller;
    if (cmd.readOnly && caller.tracking !== null) {
      const scriptCmd = this.server.table.lookup(run.callerArgv[0]);
      if (scriptCmd) this.server.tracking.rememberScriptKeys(caller, caller.tracking, scriptCmd, run.callerArgv);
    }
    return readReply(lc.takeFrom(mark));
  }

  /** redis.log: to the server's log at the level given. */
  private log(level: number, message: Buffer): void {
    const text = message.toString('latin1');
    const log = this.server.log;
    if (level <= 0) log.debug(text);
    else if (level === 1) log.verbose(text);
    else if (level === 2) log.notice(text);
    else log.warning(text);
  }
}

/** The constants and no-op helpers of Redis 7.0's redis table that the engine does not define. */
const REDIS_PROPS = {
  REDIS_VERSION: { value: REDIS_VERSION },
  REDIS_VERSION_NUM: { value: versionNumber(REDIS_VERSION) },
  REPL_NONE: { value: 0 },
  REPL_AOF: { value: 1 },
  REPL_SLAVE: { value: 2 },
  REPL_REPLICA: { value: 2 },
  REPL_ALL: { value: 3 },
  // Effects replication is the only mode in Redis 7: asking for it succeeds and changes nothing.
  replicate_commands: { returns: true },
  // Not honoured yet: every command a script runs propagates (see README's limits).
  set_repl: { returns: null },
  // The Lua debugger (SCRIPT DEBUG) is not built: outside it these do nothing, as in Redis.
  breakpoint: { returns: false },
  debug: { returns: null },
  // No ACL rules exist beyond the default user, which may run every command.
  acl_check_cmd: { returns: true },
} as const;

function versionNumber(v: string): number {
  const [a, b, c] = v.split('.').map(Number);
  return (a << 16) | (b << 8) | c;
}

/** An error the script raised: the engine adds where it happened. */
export type ScriptError = { err: Buffer; code?: Buffer; meta: { kind?: string; name?: string; line: number; sha: string } };

/** An error raised by Lua code, as Redis words it (without which script and where). */
export function luaErrorMessage(e: ScriptError, source: 'user_script' | 'user_function'): string {
  const { kind, name, line } = e.meta;
  if (kind === 'global-read') return `ERR ${source}:${line}: Script attempted to access nonexistent global variable '${name ?? ''}'`;
  if (kind === 'command-arg-type') return 'ERR Lua redis lib command arguments must be strings or integers';
  let msg = errorText(e);
  // Errors the redis library raises carry no position in Redis; the engine adds one.
  const at = /^ERR user_script:\d+: (ERR .*)$/s.exec(msg);
  if (at !== null && LIBRARY_ERRORS.has(at[1])) msg = at[1];
  // Functions run as chunks of their own here, which Lua names after scripts.
  return source === 'user_script' ? msg : msg.replace(/user_script:/g, `${source}:`);
}

/** Errors raised by the redis library's own functions (see luaErrorMessage). */
const LIBRARY_ERRORS = new Set(['ERR RESP version must be 2 or 3.']);

/** Redis 7's text for an error that ended a script: the error, then which script, where. */
function scriptErrorText(e: ScriptError, name: string, source: 'user_script' | 'user_function'): string {
  return `${luaErrorMessage(e, source)} script: ${name}, on @${source}:${e.meta.line}.`;
}

/**
 * A command the script may not run: the error is written and counted on the script's client, as
 * Redis does, and a known command counts a rejected call.
 */
function scriptCallError(lc: Client, cmd: Command | null, msg: string): ReplyValue {
  if (cmd !== null) cmd.stats.rejectedCalls++;
  const mark = lc.replyBytes;
  lc.error(msg);
  return readReply(lc.takeFrom(mark));
}

/**
 * The first script command waits for the engine to load (it is loaded on first use, so that
 * start-up never pays for it): the client is postponed, as CLIENT PAUSE postpones, and runs the
 * command again once the engine is there. An EXEC waits likewise when its queue holds one.
 */
setCommandHolder((c, cmd, argv) => {
  const s = scriptingOf(c.server);
  if (s.ready || s.loadError !== null) return false;
  if (!cmd.needsEngine) {
    const queue = c.multi;
    if (queue === null || !queue.some((q) => q.cmd.needsEngine)) return false;
  }
  const server = c.server;
  server.blocking.postpone(c, cmd, argv);
  void s.load().then(() => server.blocking.releasePostponed());
  return true;
});

/** A script's declared flags decide whether CLIENT PAUSE WRITE holds it (see server/pause.ts). */
setScriptWrites((c, cmd, argv) => {
  const s = scriptingIfUsed(c.server);
  let flags: number | null = null;
  const name = cmd.fullName;
  if (name === 'eval') {
    const cached = s?.scripts.get(sha1hex(argv[1]));
    if (cached) flags = cached.flags;
    else {
      const shebang = shebangFlags(argv[1]);
      if (!('error' in shebang)) flags = shebang.flags;
    }
  } else if (name === 'evalsha') {
    flags = argv[1].length === 40 ? (s?.scripts.get(argv[1].toLowerCase())?.flags ?? null) : null;
  } else if (name === 'fcall') {
    flags = s?.functions.find(argv[1])?.flags ?? null;
  }
  if (flags === null || (flags & SCRIPT_EVAL_COMPAT) !== 0) return null;
  return (flags & SCRIPT_NO_WRITES) === 0;
});
