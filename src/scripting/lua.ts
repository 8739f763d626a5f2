// The Lua engine of one server (Redis's eval.c + script.c + script_lua.c): Redis's own Lua 5.1
// compiled to WebAssembly (lua-redis-wasm), loaded on the first script so that a server that runs
// none never pays for it. redis.call and redis.pcall run their command through the same path as
// a client's command (resolve, the script's checks, call()) on the server's one "lua" client,
// inside the EVAL's execution unit: one frozen time, effects propagated as the commands run
// (wrapped in MULTI/EXEC with more than one), blocked clients served after the script.

import { resolve } from 'node:path';
import type { MessagePort, Worker } from 'node:worker_threads';
import type { LuaEngine, ReplyValue } from 'lua-redis-wasm';
import { evalWithArgs } from './engine-call.js';
import type { Server } from '../server/server.js';
import type { Client } from '../server/client.js';
import { Command } from '../server/command.js';
import { addGate, call, resolveCommand, setCommandHolder, type Gate } from '../server/dispatch.js';
import { setScriptWrites } from '../server/pause.js';
import { ERR_MASTERDOWN, ERR_NOREPLICAS } from '../server/errors.js';
import { ERR_OOM, usedMemory } from '../server/maxmemory.js';
import { packageRoot } from '../util/root.cjs';
import { nodeCrypto, workerThreads } from '../util/builtins.js';
import { engineLoadOptions } from './engine-options.js';
import { REPLIES, REQUESTS, revive, type WorkerJob, type WorkerMessage } from './worker-protocol.js';
import { errorText, readReply, writeValue } from './resp-value.js';
import { FunctionLibraries } from './functions.js';
import {
  FLAG_NAMES,
  SCRIPT_ALLOW_OOM,
  SCRIPT_EVAL_COMPAT,
  SCRIPT_NO_WRITES,
  SCRIPT_ALLOW_STALE,
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
  /** A command that may propagate ran (PUBLISH …): the script cannot be run again from the start. */
  propagated: boolean;
  /** When the script started (ms, the server's clock). */
  readonly start: number;
  /** Its redis.calls on the server's thread (the clock is looked at every 64th); -1 in the worker. */
  calls: number;
}

/** A script running on in the worker thread (see Scripting.runInWorker). */
interface WorkerRun {
  readonly run: RunContext;
  /** The caller's command (EVAL, FCALL …), counted when the script ends. */
  readonly cmd: Command;
  /** The SHA1 or the function's name, and the chunk name, for errors. */
  readonly name: string;
  readonly source: 'user_script' | 'user_function';
  /** EVAL (SCRIPT KILL) or a function (FUNCTION KILL). */
  readonly eval: boolean;
  /** When the script started (ms, the server's clock). */
  readonly start: number;
  /**
   * Past busy-reply-threshold: the caller's command has returned, its execution unit is kept
   * open, and other clients are served again (with -BUSY but for the commands Redis allows).
   */
  timedOut: boolean;
}

/** The script's worker thread, and what the two threads share. */
interface ScriptWorker {
  readonly worker: Worker;
  readonly port: MessagePort;
  readonly counters: Int32Array;
}

/** Redis's replies while a script runs past busy-reply-threshold (shared.slowevalerr …). */
export const ERR_BUSY_EVAL = 'BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.';
export const ERR_BUSY_FUNCTION = 'BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.';

/** Scripts past busy-reply-threshold over every server of the process: the busy gate's fast check. */
let timedOutScripts = 0;

export function sha1hex(s: string): string {
  return nodeCrypto().createHash('sha1').update(s, 'latin1').digest('hex');
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
 * Wraps every script and function run (see also the first line below). Guards what a script
 * returns before the engine reads it: the engine reads tables with their
 * metamethods outside any protection (a Lua panic) and never ends on a table that contains
 * itself. A table with a metatable, or nested past 100 levels, is answered with Redis's "reached
 * lua stack limit" error instead (Redis reads the first with rawget, and errors on the second
 * once its stack runs out). Kept short: it is compiled with the script on every run.
 */
export const RESULT_GUARD =
  // pcall and xpcall rethrow the engine's out-of-budget error: else a script that catches it in a
  // loop would never end (the engine raises it again every 1000 instructions, which in such a
  // loop can always land inside the pcall). Redis's SCRIPT KILL cannot be caught either.
  "local __pc,__xpc,__fe=pcall,xpcall,'Script killed by fuel limit' " +
  'local function __rt(ok,...) if not ok and ...==__fe then error(__fe,0) end return ok,... end ' +
  'local pcall=function(f,...) return __rt(__pc(f,...)) end ' +
  'local xpcall=function(f,h) return __rt(__xpc(f,function(e) if e==__fe then return e end return h(e) end)) end ' +
  'local function __g(v,d) if d>99 or getmetatable(v) then return true end ' +
  "for i=1,#v do local x=rawget(v,i) if type(x)=='table' and __g(x,d+1) then return true end end end " +
  "local function __c(r) if type(r)=='table' and __g(r,0) then return {err='ERR reached lua stack limit'} end return r end";

/** A script's code as the engine runs it: inside a function whose result RESULT_GUARD checks. */
function wrapScript(code: string): Buffer {
  // The wrapper's head sits on the script's first line, so line numbers stay the user's.
  return Buffer.from(`${RESULT_GUARD} local function __s(...) ${code}\nend return __c(__s(...))`, 'latin1');
}

/**
 * The engine counts Lua instructions ("fuel", checked every 1000) and aborts a run past its
 * budget; it has no callback into JS while Lua runs and cannot pause a run. A script first runs
 * here with one slice of 10^8 instructions (some 0.3 s of pure Lua; time spent in redis.call is
 * not counted: a loop of a million redis.call uses about 10^7): every ordinary script ends within
 * it. One that does not is run again from the start in a worker thread if it has not written
 * (see runInWorker), where other clients can be served meanwhile. FUNCTION LOAD's run gets about
 * Redis's 500 ms.
 */
const SLICE_FUEL = 100_000_000;
const LOAD_FUEL = 65_000_000;

/** How long the event loop may wait while a timed-out script's calls are served (see serveWorkerAsync). */
const BURST_MS = 10;

/** The engine's error when a run spends its budget. */
const FUEL_ERROR = 'Script killed by fuel limit';

/** The worker thread's code (the ES module build, for both builds: a worker loads a file). */
const WORKER_PATH = resolve(packageRoot, 'dist', 'src', 'scripting', 'lua-worker.js');

/** The Lua heap's size in bytes (Redis's lua_gc(LUA_GCCOUNT) * 1024, plus the remainder). */
const LUA_MEMORY = 'return collectgarbage("count") * 1024';

/** Compiles a script without running it: nil, or the compiler's message. */
const COMPILE_CHECK = 'local f, e = loadstring(ARGV[1], "@user_script") if f then return nil end return e';

/**
 * What the Lua heap of a new engine holds (its vmMemory() before any script; a test keeps this in
 * step with lua-redis-wasm): INFO's figure until the first script loads the engine, as Redis
 * reports its own new interpreter's heap (32768 there) rather than nothing.
 */
export const FRESH_LUA_MEMORY = 22382;

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
  /**
   * Where the engine keeps the instructions a run has left (its g_fuel_remaining, found by
   * findFuelCounter), so that a slice spent inside a pcall that caught the engine's error is seen
   * too; -1 if not found (then only a run that ended with that error counts as spent).
   */
  private fuelAt = -1;
  /** The worker thread, started on the first long script and kept for the next. */
  private worker: ScriptWorker | null = null;
  /** The script running in the worker thread, if any. */
  private workerRun: WorkerRun | null = null;

  constructor(private readonly server: Server) {
    this.client = server.createFakeClient();
    // Blocking commands answer at once, as inside MULTI (Redis's CLIENT_DENY_BLOCKING).
    this.client.denyBlocking = true;
    this.client.scriptClient = true;
    server.on('shutdown', () => this.stopWorker());
  }

  /** Whether the engine is loaded and scripts can run now. */
  get ready(): boolean {
    return this.engine !== null;
  }

  /**
   * What the Lua heap holds, as Redis reports it (INFO used_memory_lua); before the engine loads,
   * what a new engine's heap holds (FRESH_LUA_MEMORY).
   */
  vmMemory(): number {
    if (this.engine === null) return FRESH_LUA_MEMORY;
    if (this.running !== null) return 0;
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

  /** The script running past busy-reply-threshold, if one is (other clients get -BUSY). */
  get timedOut(): WorkerRun | null {
    const w = this.workerRun;
    return w !== null && w.timedOut ? w : null;
  }

  /** Loads the engine (once); resolves when scripts can run. */
  load(): Promise<void> {
    // The package itself is imported here, not at the top: a server that runs no script never
    // reads or compiles it (some 15 ms of start-up).
    this.loading ??= import('lua-redis-wasm').then((lua) => lua.load(engineLoadOptions(SLICE_FUEL))).then(
      (mod) => {
        this.engine = mod.create({
          redisCall: (args) => this.redisCall(args),
          redisPcall: (args) => this.redisCall(args),
          log: (level, message) => this.log(level, message),
          onSetResp: (version) => {
            this.client.resp = version;
          },
        });
        this.fuelAt = this.findFuelCounter();
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
    // A replica whose link is down with replica-serve-stale-data no runs only scripts that allow it.
    const stale = server.replicaSide.runningStale;
    if (stale && compat) {
      c.error(ERR_MASTERDOWN);
      return;
    }
    if (!compat) {
      if (stale && !(flags & SCRIPT_ALLOW_STALE)) {
        c.error("MASTERDOWN Link with MASTER is down, replica-serve-stale-data is set to 'no' and 'allow-stale' flag is not set on the script.");
        return;
      }
      if (!(flags & SCRIPT_NO_WRITES) && ro) {
        c.error('ERR Can not execute a script with write flag using *_ro command.');
        return;
      }
      // A script that may write needs min-replicas-to-write good replicas (scriptPrepareForRun).
      if (!(flags & SCRIPT_NO_WRITES) && !server.replication.enoughGoodReplicas()) {
        c.error(ERR_NOREPLICAS);
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
    const run: RunContext = {
      caller: c,
      callerArgv,
      sha: name,
      readOnly: ro || (!compat && (flags & SCRIPT_NO_WRITES) !== 0),
      allowOom: !compat && (flags & SCRIPT_ALLOW_OOM) !== 0,
      oomAtStart: oom,
      wrote: false,
      propagated: false,
      // The script's start (Redis's run_ctx start_time): the unit's frozen time, read anyway.
      start: server.now(),
      calls: 0,
    };
    this.running = run;
    let result: ReplyValue;
    try {
      result = evalWithArgs(this.engine!, code, keys, args);
    } catch (e) {
      this.running = null;
      // A Lua panic (an error outside any protected call) ends the engine's run with an exit
      // status object, not an Error; the engine stays usable for the next script.
      c.error(`ERR Error running script: ${panicMessage(e)}`);
      return;
    }
    if (this.sliceSpent(result)) {
      if (!run.wrote && !run.propagated) {
        this.runInWorker(c, run, code, toBuffers(keys), toBuffers(args), name, source);
        return;
      }
      this.running = null;
      // Its writes are done and cannot be run again: it ends here (README: busy scripts).
      const line = errorLine(result);
      c.error(
        `ERR Script ran past nodis's instruction budget for a script that has written (its writes are kept) script: ${name}, on @${source}:${line}.`,
      );
      return;
    }
    this.running = null;
    this.reply(c, result, name, source);
  }

  /** Writes a script's result, or the error that ended it, to c; true for an error. */
  private reply(c: Client, result: ReplyValue, name: string, source: 'user_script' | 'user_function'): boolean {
    if (result !== null && typeof result === 'object' && 'err' in result && result.meta !== undefined) {
      c.error(scriptErrorText(result as ScriptError, name, source));
      return true;
    }
    writeValue(c, result);
    return false;
  }

  /** Whether the run just ended spent its slice (see SLICE_FUEL). */
  private sliceSpent(result: ReplyValue): boolean {
    if (this.fuelAt < 0) return isFuelError(result);
    const heap = engineExports(this.engine!).HEAPU8;
    const at = this.fuelAt;
    // A little-endian int64 that starts at most at 2^32 - 1: left > 0 means high word 0, low not.
    const low = heap[at] | heap[at + 1] | heap[at + 2] | heap[at + 3];
    const high = heap[at + 4] | heap[at + 5] | heap[at + 6] | heap[at + 7];
    return high !== 0 || low === 0;
  }

  /** Ends the server thread's slice once busy-reply-threshold has passed since the script started. */
  private endSliceIfLate(run: RunContext): void {
    if (this.fuelAt < 0) return;
    const server = this.server;
    if (server.clock.now() - run.start < server.config.num('busy-reply-threshold')) return;
    // Nothing left: the engine raises its out-of-budget error at its next count (RESULT_GUARD
    // makes that uncatchable), and execute() runs the script again in the worker.
    engineExports(this.engine!).HEAPU8.fill(0, this.fuelAt, this.fuelAt + 8);
  }

  /**
   * Finds the engine's count of instructions left in its memory: after a run of a few thousand
   * instructions under a budget B, the one 64-bit word that held B before the run and holds B
   * minus a multiple of 1000 after it (the budget itself stays B). -1 unless exactly one does.
   */
  private findFuelCounter(): number {
    // The counter sits in the engine's static data near the start of its memory: looking there
    // first spares reading the whole heap, whose untouched pages the kernel would map one by one
    // (about 300 ms at start-up). The whole heap is searched only if that finds nothing.
    const found = this.findFuelCounterBelow(1024 * 1024);
    return found >= 0 ? found : this.findFuelCounterBelow(Infinity);
  }

  /** findFuelCounter's search within the first `limit` bytes of the engine's memory. */
  private findFuelCounterBelow(limit: number): number {
    const engine = this.engine!;
    const exports = engineExports(engine);
    const budget = 0x7a5b3c1d;
    const candidates = (value: number): number[] => {
      const heap = exports.HEAPU8;
      const words = new Uint32Array(heap.buffer, heap.byteOffset, Math.min(heap.byteLength, limit) >>> 2);
      const found: number[] = [];
      for (let i = words.indexOf(value); i >= 0 && i + 1 < words.length; i = words.indexOf(value, i + 1)) {
        if ((i & 1) === 0 && words[i + 1] === 0) found.push(i * 4);
      }
      return found;
    };
    try {
      exports._set_limits(budget, 0, 0);
      engine.evalWithArgs('return 1', [], []);
      const before = candidates(budget);
      engine.evalWithArgs('local n = 0 for i = 1, 3000 do n = n + i end return n', [], []);
      const heap = exports.HEAPU8;
      const moved = before.filter((at) => {
        const left = heap[at] + heap[at + 1] * 0x100 + heap[at + 2] * 0x10000 + heap[at + 3] * 0x1000000;
        return left < budget && (budget - left) % 1000 === 0 && heap[at + 4] === 0;
      });
      return moved.length === 1 ? moved[0] : -1;
    } finally {
      exports._set_limits(SLICE_FUEL, 0, 0);
    }
  }

  // ---- Long scripts: the worker thread ------------------------------------------------------

  /**
   * Runs again from the start, in the worker thread, a script that spent its slice without
   * writing. Its redis.call / pcall come back here and run through redisCall as before (same
   * checks, same frozen time, same execution unit). Until busy-reply-threshold has passed since
   * the script started this thread only serves the worker (other clients wait, as Redis makes
   * them); then the caller is held, its unit kept open, and the event loop serves other clients
   * again: they get -BUSY but for the commands Redis allows (SCRIPT KILL, SHUTDOWN NOSAVE …).
   * Inside a transaction, or for a client without a connection (AOF loading), the script runs
   * to its end with the server blocked: those cannot be left half done.
   */
  private runInWorker(
    c: Client,
    run: RunContext,
    code: Buffer,
    keys: Buffer[],
    args: Buffer[],
    name: string,
    source: 'user_script' | 'user_function',
  ): void {
    const server = this.server;
    const start = run.start;
    run.calls = -1;
    const w = this.startWorker();
    const cmd = server.table.lookup(run.callerArgv[0])!;
    const job: WorkerRun = { run, cmd, name, source, eval: source === 'user_script', start, timedOut: false };
    this.workerRun = job;
    this.client.resp = 2;
    const message: WorkerJob = { code, keys, args };
    w.worker.postMessage(message);
    const mayYield = server.unitDepth === 1 && c.socket !== null;
    const deadline = start + server.config.num('busy-reply-threshold');
    for (;;) {
      const seen = Atomics.load(w.counters, REQUESTS);
      if (this.serveWorker(w) < 0) return;
      const left = mayYield ? deadline - server.clock.now() : 1000;
      if (left <= 0) break;
      Atomics.wait(w.counters, REQUESTS, seen, left);
    }
    job.timedOut = true;
    timedOutScripts++;
    server.log.warning(
      `Slow script detected: still in execution after ${server.clock.now() - start} milliseconds. You can try killing the script using the ${job.eval ? 'SCRIPT KILL' : 'FUNCTION KILL'} command. Script name is: ${name}.`,
    );
    // The unit stays open past the caller's command (closed by endTimedOut), and the caller
    // waits for its reply; its command counts when the script ends, as a blocked client's.
    server.beginUnit(c);
    server.blocking.holdForScript(c, cmd, run.callerArgv);
    void this.serveWorkerAsync(w, job);
  }

  /**
   * Serves the worker from the event loop once the script has timed out. While the worker keeps
   * calling, its calls are served here in bursts of up to BURST_MS (a hand-off through the event
   * loop costs far more than one through Atomics.wait), then the event loop runs (other clients
   * get their -BUSY, SCRIPT KILL is read); while it runs pure Lua, the event loop waits for it.
   */
  private async serveWorkerAsync(w: ScriptWorker, job: WorkerRun): Promise<void> {
    // (Atomics.waitAsync is in ES2024, past this project's lib setting.)
    const waitAsync = (Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number): { async: boolean; value: Promise<string> | string } }).waitAsync;
    const counters = w.counters;
    while (this.workerRun === job && this.worker === w) {
      let seen = Atomics.load(counters, REQUESTS);
      let n = this.serveWorker(w);
      const burstEnd = performance.now() + BURST_MS;
      while (n > 0 && performance.now() < burstEnd) {
        Atomics.wait(counters, REQUESTS, seen, 1);
        seen = Atomics.load(counters, REQUESTS);
        n = this.serveWorker(w);
      }
      if (n < 0) return;
      if (n > 0) {
        await new Promise((resolve) => setImmediate(resolve));
        continue;
      }
      const r = waitAsync(counters, REQUESTS, seen);
      if (r.async) await r.value;
    }
  }

  /**
   * Handles what the worker has posted: how many messages, or -1 once its script has ended (and
   * been answered).
   */
  private serveWorker(w: ScriptWorker): number {
    let n = 0;
    for (;;) {
      const m = workerThreads().receiveMessageOnPort(w.port);
      if (m === undefined) return n;
      n++;
      const msg = m.message as WorkerMessage;
      if (msg.type === 'call') {
        w.port.postMessage(this.runCall(msg.args));
        Atomics.add(w.counters, REPLIES, 1);
        Atomics.notify(w.counters, REPLIES);
      } else if (msg.type === 'log') {
        this.log(msg.level, Buffer.from(msg.message));
      } else if (msg.type === 'resp') {
        this.client.resp = msg.version;
      } else {
        const job = this.workerRun!;
        this.workerRun = null;
        this.running = null;
        const c = job.run.caller;
        let failed = true;
        if (msg.type === 'panic') c.error(`ERR Error running script: ${msg.message}`);
        else failed = this.reply(c, revive(msg.result), job.name, job.source);
        if (job.timedOut) this.endTimedOut(job, failed);
        return -1;
      }
    }
  }

  /** The worker thread, started (and its engine loaded) on first use. */
  private startWorker(): ScriptWorker {
    if (this.worker !== null) return this.worker;
    const { MessageChannel, Worker } = workerThreads();
    const { port1, port2 } = new MessageChannel();
    const control = new SharedArrayBuffer(8);
    const worker = new Worker(WORKER_PATH, { workerData: { port: port2, control }, transferList: [port2] });
    // A worker never keeps the process alive (embedded servers; SHUTDOWN).
    worker.unref();
    const w: ScriptWorker = { worker, port: port1, counters: new Int32Array(control) };
    worker.on('error', (e) => this.server.log.warning(`The script worker thread failed: ${e instanceof Error ? e.message : String(e)}`));
    worker.on('exit', () => {
      if (this.worker !== w) return;
      // It ended by itself (a crash): the script it ran, if any, ends with an error.
      this.worker = null;
      const job = this.workerRun;
      if (job === null) return;
      this.workerRun = null;
      this.running = null;
      job.run.caller.error('ERR Error running script: the script worker thread ended');
      if (job.timedOut) this.endTimedOut(job, true);
    });
    this.worker = w;
    return w;
  }

  /** Ends the worker thread (SCRIPT KILL, shutdown); the next long script starts another. */
  private stopWorker(): void {
    const w = this.worker;
    if (w === null) return;
    this.worker = null;
    void w.worker.terminate();
    w.port.close();
    // Wakes serveWorkerAsync's wait, which then sees the worker is gone.
    Atomics.add(w.counters, REQUESTS, 1);
    Atomics.notify(w.counters, REQUESTS);
  }

  /**
   * The timed-out script has ended and its caller has its reply: the caller's command counts,
   * the caller's waiting input is read again, and the unit held open closes (propagating what
   * the script did, then serving blocked clients).
   */
  private endTimedOut(job: WorkerRun, failed: boolean): void {
    const server = this.server;
    timedOutScripts--;
    const c = job.run.caller;
    const cmd = job.cmd;
    cmd.stats.calls++;
    if (failed) cmd.stats.failedCalls++;
    server.stats.commandsProcessed++;
    server.commandRan(cmd, c, job.run.callerArgv);
    // The caller's error is charged to its script, not to the command running now (SCRIPT KILL).
    server.errorsSeen = server.stats.totalErrorReplies;
    server.wake(c);
    server.blocking.releaseScriptHold(c);
    server.endUnit();
  }

  /**
   * SCRIPT KILL (evalMode) and FUNCTION KILL (Redis's scriptKill): ends the timed-out script's
   * worker thread; its caller gets Redis's error. The line cited is the script's first: where a
   * script was stopped is not known (README: busy scripts).
   */
  kill(c: Client, evalMode: boolean): void {
    const job = this.timedOut;
    if (job === null) {
      c.error('NOTBUSY No scripts in execution right now.');
      return;
    }
    if (job.run.wrote || job.run.propagated) {
      c.error(
        'UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.',
      );
      return;
    }
    if (evalMode !== job.eval) {
      c.error(job.eval ? ERR_BUSY_EVAL : ERR_BUSY_FUNCTION);
      return;
    }
    this.server.log.warning('Lua script killed by user with SCRIPT KILL.');
    this.stopWorker();
    this.workerRun = null;
    this.running = null;
    c.ok();
    job.run.caller.error(`ERR Script killed by user with SCRIPT KILL... script: ${job.name}, on @${job.source}:1.`);
    this.endTimedOut(job, true);
  }

  /**
   * Runs Lua code outside any script with FUNCTION LOAD's time budget (its registration run):
   * its raw result.
   */
  evalRaw(code: Buffer): ReplyValue {
    // The budget is read when a run starts; the engine's typed API has no setter for it.
    const exports = engineExports(this.engine!);
    exports._set_limits(LOAD_FUEL, 0, 0);
    try {
      return this.engine!.evalWithArgs(code, [], []);
    } finally {
      exports._set_limits(SLICE_FUEL, 0, 0);
    }
  }

  /** redis.call / redis.pcall: the command's reply as a value (errors as {err}). */
  private redisCall(args: Buffer[]): ReplyValue {
    if (this.running === null) return { err: Buffer.from('ERR redis.call can only be called inside a script invocation') };
    const argv = new Array<string>(args.length);
    for (let i = 0; i < args.length; i++) argv[i] = args[i].toString('latin1');
    return readReply(this.runCall(argv));
  }

  /** Runs a redis.call of the running script: the reply its command wrote (RESP text). */
  private runCall(argv: string[]): string {
    const run = this.running!;
    const lc = this.client;
    if (argv.length === 0) return scriptCallError(lc, null, 'ERR Please specify at least one argument for this redis lib call');
    const r = resolveCommand(lc, argv);
    if (!(r instanceof Command)) {
      return r.cmd === null
        ? scriptCallError(lc, null, 'ERR Unknown Redis command called from script')
        : scriptCallError(lc, r.cmd, 'ERR Wrong number of args calling Redis command from script');
    }
    const cmd = r;
    if (cmd.flags.includes('noscript')) return scriptCallError(lc, cmd, 'ERR This Redis command is not allowed from script');
    if (this.server.replicaSide.runningStale && !cmd.flags.includes('stale')) return scriptCallError(lc, cmd, 'ERR Can not execute the command on a stale replica');
    // May-replicate commands count as writes for read-only scripts, as in Redis.
    if (run.readOnly && (cmd.write || cmd.mayReplicate)) {
      return scriptCallError(lc, cmd, 'ERR Write commands are not allowed from read-only scripts.');
    }
    // A first write is refused without enough good replicas (a script without flags; one with
    // flags was checked as it started). After a write, the script is not failed half-way.
    if (cmd.write && !run.wrote && !this.server.replication.enoughGoodReplicas()) return scriptCallError(lc, cmd, ERR_NOREPLICAS);
    // Out of memory when the script began: its first write that may grow memory is refused.
    if (cmd.denyOom && !run.allowOom && !run.wrote && run.oomAtStart) return scriptCallError(lc, cmd, ERR_OOM);
    if (cmd.write) run.wrote = true;
    else if (cmd.mayReplicate) run.propagated = true;
    // The slice counts Lua instructions only: a loop of redis.calls could hold the server far
    // past busy-reply-threshold before spending it. Past the threshold, a script that can still
    // be run again has its slice ended (the engine stops it within 1000 instructions).
    else if (run.calls >= 0 && (++run.calls & 63) === 0 && !run.wrote && !run.propagated) this.endSliceIfLate(run);
    const mark = lc.replyBytes;
    call(lc, cmd, argv);
    // A read makes a tracking caller remember the keys the script declared (Redis's call()).
    const caller = run.caller;
    if (cmd.readOnly && caller.tracking !== null) {
      const scriptCmd = this.server.table.lookup(run.callerArgv[0]);
      if (scriptCmd) this.server.tracking.rememberScriptKeys(caller, caller.tracking, scriptCmd, run.callerArgv);
    }
    return lc.takeFrom(mark);
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

/** The engine's WebAssembly exports, which its typed API does not show. */
function engineExports(engine: LuaEngine): { HEAPU8: Uint8Array; _set_limits(fuel: number, reply: number, arg: number): void } {
  return (engine as unknown as { exports: { HEAPU8: Uint8Array; _set_limits(fuel: number, reply: number, arg: number): void } }).exports;
}

/** Whether a run ended with the engine's out-of-budget error. */
function isFuelError(result: ReplyValue): boolean {
  return result !== null && typeof result === 'object' && 'err' in result && Buffer.isBuffer(result.err) && result.err.toString('latin1') === FUEL_ERROR;
}

/** The line a script's error cites (1 when it cites none). */
function errorLine(result: ReplyValue): number {
  if (result !== null && typeof result === 'object' && 'err' in result && result.meta !== undefined) return result.meta.line;
  return 1;
}

/** What a Lua panic says: the engine throws an exit status object, not an Error. */
function panicMessage(e: unknown): string {
  return e instanceof Error ? e.message : String((e as { message?: unknown })?.message ?? e);
}

/** Keys or arguments as the worker's engine takes them (a script moving to the worker only). */
function toBuffers(list: readonly string[]): Buffer[] {
  const out = new Array<Buffer>(list.length);
  for (let i = 0; i < list.length; i++) out[i] = Buffer.from(list[i], 'latin1');
  return out;
}

/**
 * A command the script may not run: the error is written and counted on the script's client, as
 * Redis does, and a known command counts a rejected call.
 */
function scriptCallError(lc: Client, cmd: Command | null, msg: string): string {
  if (cmd !== null) cmd.stats.rejectedCalls++;
  const mark = lc.replyBytes;
  lc.error(msg);
  return lc.takeFrom(mark);
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

/**
 * While a script runs past busy-reply-threshold (processCommand's busy check): every command but
 * those Redis flags allow-busy gets Redis's -BUSY, worded for EVAL or for functions.
 */
const busyGate: Gate = (c, cmd) => {
  if (timedOutScripts === 0) return null;
  const job = scriptingIfUsed(c.server)?.timedOut ?? null;
  if (job === null || cmd.flags.includes('allow_busy')) return null;
  return job.eval ? ERR_BUSY_EVAL : ERR_BUSY_FUNCTION;
};
addGate(busyGate);
