// Functions (functions.c + function_lua.c): libraries of Lua functions loaded with FUNCTION LOAD
// (`#!lua name=<lib>` then code that calls redis.register_function), called with FCALL.
//
// The engine keeps no Lua state from one run to the next (see README: the choice of engine), so
// a library is kept as its code and what its registration run found: FUNCTION LOAD runs the code
// once with a registering `redis` table, to validate it and list its functions; FCALL runs it
// again with a `redis` table whose register_function keeps only the function called, then calls
// it. The wrapper code sits on the library's shebang line, so line numbers stay the user's.

import type { ReplyValue } from 'lua-redis-wasm';
import { FLAG_NAMES } from './flags.js';
import { luaErrorMessage, RESULT_GUARD, type Scripting, type ScriptError } from './lua.js';

export interface LuaFunction {
  readonly name: string;
  readonly flags: number;
  readonly description: string | null;
  readonly library: Library;
  /** The library code wrapped to run this function (built on first call). */
  code: Buffer | null;
}

export interface Library {
  readonly name: string;
  /** The whole FUNCTION LOAD payload, shebang included (FUNCTION LIST WITHCODE, DUMP). */
  readonly payload: string;
  /** The code after the shebang line, starting with that line's line feed. */
  readonly body: string;
  readonly functions: Map<string, LuaFunction>;
}

const ERR_NAME = 'Library names can only contain letters, numbers, or underscores(_) and must be at least one character long';
const NAME_RE = /^[A-Za-z0-9_]+$/;

/** Marks an error the registering run raised itself (Redis raises them with no position). */
const REG_MARK = '\u0001';

// The registration run's wrapper: redis.register_function checks its arguments as Redis does and
// lists what it registers; anything else of `redis` but log, the log levels and the version is
// missing at load time, as in Redis.
const LOAD_PROLOGUE = [
  "local __out, __seen = {}, {}",
  `local function __e(m) error('${REG_MARK}' .. m, 0) end`,
  `local __known = {${FLAG_NAMES.map(([n]) => `['${n}'] = true`).join(', ')}}`,
  'local function __register(...)',
  " local argc = select('#', ...)",
  " if argc < 1 or argc > 2 then __e('wrong number of arguments to redis.register_function') end",
  ' local a, b = ...',
  " local name, cb, desc, flags = nil, nil, nil, ''",
  ' if argc == 1 then',
  "  if type(a) ~= 'table' then __e('calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).') end",
  '  for k, v in pairs(a) do',
  "   if type(k) ~= 'string' then __e('named argument key given to redis.register_function is not a string') end",
  '   local lk = string.lower(k)',
  "   if lk == 'function_name' then",
  "    if type(v) ~= 'string' and type(v) ~= 'number' then __e('function_name argument given to redis.register_function must be a string') end",
  '    name = tostring(v)',
  "   elseif lk == 'description' then",
  "    if type(v) ~= 'string' and type(v) ~= 'number' then __e('description argument given to redis.register_function must be a string') end",
  '    desc = tostring(v)',
  "   elseif lk == 'callback' then",
  "    if type(v) ~= 'function' then __e('callback argument given to redis.register_function must be a function') end",
  '    cb = v',
  "   elseif lk == 'flags' then",
  "    if type(v) ~= 'table' then __e('flags argument to redis.register_function must be a table representing function flags') end",
  '    local i = 1',
  '    while v[i] ~= nil do',
  "     local f = v[i]",
  "     if (type(f) ~= 'string' and type(f) ~= 'number') or not __known[string.lower(tostring(f))] then __e('unknown flag given') end",
  "     flags = flags .. string.lower(tostring(f)) .. ','",
  '     i = i + 1',
  '    end',
  "   else __e('unknown argument given to redis.register_function') end",
  '  end',
  "  if name == nil then __e('redis.register_function must get a function name argument') end",
  "  if cb == nil then __e('redis.register_function must get a callback argument') end",
  ' else',
  "  if type(a) ~= 'string' and type(a) ~= 'number' then __e('first argument to redis.register_function must be a string') end",
  "  if type(b) ~= 'function' then __e('second argument to redis.register_function must be a function') end",
  '  name, cb = tostring(a), b',
  ' end',
  `  if not string.find(name, '^[%w_]+$') then __e('${ERR_NAME}') end`,
  "  if __seen[name] then __e('Function already exists in the library') end",
  '  __seen[name] = true',
  "  __out[#__out + 1] = {name, flags, desc and 1 or 0, desc or ''}",
  'end',
  'local __api = {register_function = __register, log = redis.log, LOG_DEBUG = redis.LOG_DEBUG, LOG_VERBOSE = redis.LOG_VERBOSE,',
  ' LOG_NOTICE = redis.LOG_NOTICE, LOG_WARNING = redis.LOG_WARNING, REDIS_VERSION = redis.REDIS_VERSION, REDIS_VERSION_NUM = redis.REDIS_VERSION_NUM}',
  'local redis = setmetatable({}, {__index = function(_, k)',
  " local v = __api[k] if v == nil then error(\"Script attempted to access nonexistent global variable '\" .. tostring(k) .. \"'\", 2) end return v end,",
  ' __newindex = function() error("Attempt to modify a readonly table", 2) end})',
  'local function __lib()',
].join(' ');
const LOAD_EPILOGUE = '\nend __lib() return __out';

/** The wrapper that runs one function of the library: only it is kept from registration. */
function callPrologue(name: string): string {
  return [
    RESULT_GUARD,
    `local __target, __f, __done = '${name}', nil, false`,
    'local redis = setmetatable({register_function = function(a, b)',
    " if __done then error('redis.register_function can only be called on FUNCTION LOAD command', 2) end",
    " local n, cb = a, b if type(a) == 'table' then n = a.function_name or a.FUNCTION_NAME cb = a.callback or a.CALLBACK end",
    ' if tostring(n) == __target then __f = cb end end}, {__index = redis, __newindex = function() error("Attempt to modify a readonly table", 2) end})',
    'local function __lib()',
  ].join(' ');
}
// Once registered, register_function is gone from redis (a kept reference fails), as after a load.
const CALL_EPILOGUE = "\nend __lib() __done = true rawset(redis, 'register_function', nil) return __c(__f(KEYS, ARGV))";

/** Parses the shebang line of a library (functionExtractLibMetaData): its name and body, or the error. */
export function libraryMetadata(payload: string): { name: string; engine: string; body: string } | { error: string } {
  if (!payload.startsWith('#!')) return { error: 'ERR Missing library metadata' };
  const end = payload.indexOf('\n');
  if (end < 0) return { error: 'ERR Invalid library metadata' };
  const parts = splitArgs(payload.slice(0, end));
  if (parts === null || parts.length === 0) return { error: 'ERR Invalid library metadata' };
  const engine = parts[0].slice(2);
  let name: string | null = null;
  for (let i = 1; i < parts.length; i++) {
    if (parts[i].slice(0, 5).toLowerCase() === 'name=') {
      if (name !== null) return { error: 'ERR Invalid metadata value, name argument was given multiple times' };
      name = parts[i].slice(5);
      continue;
    }
    return { error: `ERR Invalid metadata value given: ${parts[i]}` };
  }
  if (name === null) return { error: 'ERR Library name was not given' };
  return { name, engine, body: payload.slice(end) };
}

/**
 * Splits a line into words as Redis's sdssplitargs does: spaces separate, "double quotes" take
 * \\n \\r \\t \\b \\a \\xHH escapes, 'single quotes' take \\'; null for unbalanced quotes.
 */
export function splitArgs(line: string): string[] | null {
  const out: string[] = [];
  const ESC: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', a: '\x07' };
  let i = 0;
  for (;;) {
    while (i < line.length && ' \n\r\t\f\v'.includes(line[i])) i++;
    if (i >= line.length) return out;
    let word = '';
    let quote = '';
    for (;;) {
      const ch = line[i];
      if (quote === '"') {
        if (i >= line.length) return null;
        if (ch === '\\' && /^x[0-9a-fA-F]{2}$/.test(line.slice(i + 1, i + 4))) {
          word += String.fromCharCode(parseInt(line.slice(i + 2, i + 4), 16));
          i += 3;
        } else if (ch === '\\' && i + 1 < line.length) {
          word += ESC[line[i + 1]] ?? line[i + 1];
          i++;
        } else if (ch === '"') {
          // The closing quote must be followed by a space or the end.
          if (i + 1 < line.length && !' \n\r\t\f\v'.includes(line[i + 1])) return null;
          quote = '';
          i++;
          break;
        } else word += ch;
      } else if (quote === "'") {
        if (i >= line.length) return null;
        if (ch === '\\' && line[i + 1] === "'") {
          word += "'";
          i++;
        } else if (ch === "'") {
          if (i + 1 < line.length && !' \n\r\t\f\v'.includes(line[i + 1])) return null;
          quote = '';
          i++;
          break;
        } else word += ch;
      } else if (i >= line.length || ' \n\r\t\f\v'.includes(ch)) {
        break;
      } else if (ch === '"' || ch === "'") {
        quote = ch;
      } else word += ch;
      i++;
    }
    out.push(word);
  }
}

/** The server's libraries and their functions (Redis's functionsLibCtx). */
export class FunctionLibraries {
  readonly libraries = new Map<string, Library>();
  /** By lower-case name: Redis finds functions in any letter case. */
  readonly functions = new Map<string, LuaFunction>();

  /** The function FCALL names, in any letter case. */
  find(name: string): LuaFunction | undefined {
    return this.functions.get(name.toLowerCase());
  }

  /** FUNCTION LOAD: the library's name, or Redis's error text. */
  load(s: Scripting, payload: string, replace: boolean): { name: string } | { error: string } {
    const md = libraryMetadata(payload);
    if ('error' in md) return md;
    if (!NAME_RE.test(md.name)) return { error: `ERR ${ERR_NAME}` };
    if (md.engine.toUpperCase() !== 'LUA') return { error: `ERR Engine '${md.engine}' not found` };
    const old = this.libraries.get(md.name);
    if (old !== undefined && !replace) return { error: `ERR Library '${md.name}' already exists` };
    const lib: Library = { name: md.name, payload, body: md.body, functions: new Map() };
    const registered = this.register(s, lib);
    if ('error' in registered) return registered;
    if (lib.functions.size === 0) return { error: 'ERR No functions registered' };
    for (const name of lib.functions.keys()) {
      const other = this.functions.get(name.toLowerCase());
      if (other !== undefined && other.library !== old) return { error: `ERR Function ${name} already exists` };
    }
    if (old !== undefined) this.unlink(old);
    this.link(lib);
    return { name: lib.name };
  }

  /** Runs the library's code once to find its functions (luaEngineCreate). */
  private register(s: Scripting, lib: Library): { ok: true } | { error: string } {
    const code = Buffer.from(LOAD_PROLOGUE + lib.body + LOAD_EPILOGUE, 'latin1');
    const compileError = s.compileError(code);
    if (compileError !== null) {
      return { error: `ERR Error compiling function: ${compileError.replace(/user_script:/g, 'user_function:')}` };
    }
    const r: ReplyValue = s.evalRaw(code);
    if (r !== null && typeof r === 'object' && 'err' in r) {
      const raw = r.err.toString('latin1');
      // Out of its budget: Redis stops a load run after 500 ms.
      if (raw.endsWith('Script killed by fuel limit')) return { error: 'ERR Error registering functions: ERR FUNCTION LOAD timeout' };
      const at = raw.indexOf(REG_MARK);
      const msg = at >= 0 ? raw.slice(at + 1) : luaErrorMessage(r as ScriptError, 'user_function').replace(/^ERR /, '');
      return { error: `ERR Error registering functions: ERR ${msg}` };
    }
    if (!Array.isArray(r)) return { ok: true };
    for (const entry of r) {
      if (!Array.isArray(entry)) continue;
      const [name, flagList, hasDesc, desc] = entry as [Buffer, Buffer, number, Buffer];
      let flags = 0;
      for (const f of flagList.toString('latin1').split(',')) {
        const known = FLAG_NAMES.find(([n]) => n === f);
        if (known) flags |= known[1];
      }
      const fname = name.toString('latin1');
      lib.functions.set(fname, { name: fname, flags, description: hasDesc ? desc.toString('latin1') : null, library: lib, code: null });
    }
    return { ok: true };
  }

  /** The code that runs function f. */
  codeOf(f: LuaFunction): Buffer {
    return (f.code ??= Buffer.from(callPrologue(f.name) + f.library.body + CALL_EPILOGUE, 'latin1'));
  }

  private link(lib: Library): void {
    this.libraries.set(lib.name, lib);
    for (const [name, f] of lib.functions) this.functions.set(name.toLowerCase(), f);
  }

  private unlink(lib: Library): void {
    this.libraries.delete(lib.name);
    for (const name of lib.functions.keys()) this.functions.delete(name.toLowerCase());
  }

  /**
   * FUNCTION RESTORE's libraries (already checked each on its own, as loaded into an empty set)
   * joined to these (libraryJoin): all or nothing. Replace drops a library of the same name;
   * otherwise a name in use is an error, and a function name in use always is.
   */
  join(incoming: FunctionLibraries, replace: boolean): string | null {
    const replaced: Library[] = [];
    for (const lib of incoming.libraries.values()) {
      const old = this.libraries.get(lib.name);
      if (old === undefined) continue;
      if (!replace) return `ERR Library ${lib.name} already exists`;
      replaced.push(old);
    }
    for (const old of replaced) this.unlink(old);
    for (const f of incoming.functions.values()) {
      if (this.functions.has(f.name.toLowerCase())) {
        for (const old of replaced) this.link(old);
        return `ERR Function ${f.name} already exists`;
      }
    }
    for (const lib of incoming.libraries.values()) this.link(lib);
    return null;
  }

  /** FUNCTION FLUSH's policy of RESTORE: these libraries become exactly the incoming ones. */
  swap(incoming: FunctionLibraries): void {
    this.flush();
    for (const lib of incoming.libraries.values()) this.link(lib);
  }

  /** FUNCTION DELETE: false when there is no such library. */
  delete(name: string): boolean {
    const lib = this.libraries.get(name);
    if (lib === undefined) return false;
    this.unlink(lib);
    return true;
  }

  flush(): void {
    this.libraries.clear();
    this.functions.clear();
  }

  /** What the libraries' code takes (INFO used_memory_functions). */
  get memory(): number {
    let bytes = 0;
    for (const lib of this.libraries.values()) bytes += lib.payload.length + lib.name.length;
    return bytes;
  }
}
