// Scripting (eval.c): EVAL, EVALSHA and their read-only forms run a Lua script, cached by its
// SHA1; SCRIPT manages the cache. The engine and the path of redis.call are in scripting/lua.ts.

import type { CommandSpec } from '../server/command.js';
import type { Client } from '../server/client.js';
import { ERR_NOT_INTEGER, errSubcommandSyntax } from '../server/errors.js';
import { functionsDumpPayload, parseFunctionsPayload } from '../persistence/rdb.js';
import { FunctionLibraries } from '../scripting/functions.js';
import { parseInteger } from '../util/numbers.js';
import { ERR_BUSY_EVAL, FLAG_NAMES, scriptingOf, sha1hex, type Scripting } from '../scripting/lua.js';
import { globMatch } from '../util/glob.js';
import { cString, optionWord } from '../util/cstring.js';
import { replyHelp } from './help.js';

/** The engine, or null after writing why scripts cannot run (the engine failed to load). */
function engineFor(c: Client): Scripting | null {
  const s = scriptingOf(c.server);
  if (s.ready) return s;
  c.error(`ERR the Lua engine is not available: ${s.loadError ?? 'not loaded'}`);
  return null;
}

/** EVAL, EVALSHA, EVAL_RO, EVALSHA_RO (evalGenericCommand). */
function evalCommand(bySha: boolean, ro: boolean) {
  return (c: Client, argv: string[]): void => {
    const server = c.server;
    // Scripts are shown to MONITOR before the commands they run (the command itself skips it).
    if (server.monitors.size !== 0) server.feedMonitors(c, argv);
    // What the script runs is propagated, not the script.
    c.preventPropagation();
    // No SHA1 has another length: refused before anything else is looked at.
    if (bySha && argv[1].length !== 40) {
      c.error('NOSCRIPT No matching script. Please use EVAL.');
      return;
    }
    const numkeys = parseInteger(argv[2]);
    if (numkeys === null) {
      c.error(ERR_NOT_INTEGER);
      return;
    }
    if (numkeys > argv.length - 3) {
      c.error("ERR Number of keys can't be greater than number of args");
      return;
    }
    if (numkeys < 0) {
      c.error("ERR Number of keys can't be negative");
      return;
    }
    const s = engineFor(c);
    if (s === null) return;
    let sha: string | null;
    if (bySha) {
      sha = argv[1].toLowerCase();
      if (!s.scripts.has(sha)) {
        c.error('NOSCRIPT No matching script. Please use EVAL.');
        return;
      }
    } else {
      sha = s.createScript(c, argv[1]);
      if (sha === null) return;
    }
    const n = Number(numkeys);
    s.run(c, argv, sha, s.scripts.get(sha)!, argv.slice(3, 3 + n), argv.slice(3 + n), ro);
  };
}

const SCRIPT_HELP = [
  'DEBUG (YES|SYNC|NO)',
  '    Set the debug mode for subsequent scripts executed.',
  'EXISTS <sha1> [<sha1> ...]',
  '    Return information about the existence of the scripts in the script cache.',
  'FLUSH [ASYNC|SYNC]',
  '    Flush the Lua scripts cache. Very dangerous on replicas.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the scripts cache.',
  '    * SYNC: Synchronously flush the scripts cache.',
  'KILL',
  '    Kill the currently executing Lua script.',
  'LOAD <script>',
  '    Load a script into the scripts cache without executing it.',
];

function scriptLoad(c: Client, argv: string[]): void {
  const s = engineFor(c);
  if (s === null) return;
  const sha = s.createScript(c, argv[2], sha1hex(argv[2]));
  if (sha !== null) c.bulk(sha);
}

function scriptExists(c: Client, argv: string[]): void {
  const s = scriptingOf(c.server);
  c.arrayLen(argv.length - 2);
  for (let i = 2; i < argv.length; i++) c.integer(s.scripts.has(argv[i].toLowerCase()) ? 1 : 0);
}

function scriptFlush(c: Client, argv: string[]): void {
  if (argv.length > 3 || (argv.length === 3 && !/^(a?sync)$/.test(optionWord(argv[2])))) {
    c.error('ERR SCRIPT FLUSH only support SYNC|ASYNC option');
    return;
  }
  // ASYNC and SYNC alike: the cache is a Map, dropped at once either way.
  scriptingOf(c.server).flush();
  c.ok();
}

/** SCRIPT DEBUG: NO is accepted; the Lua debugger itself (YES, SYNC) is not built (README). */
function scriptDebug(c: Client, argv: string[]): void {
  // Redis refuses it in a pipeline: replies already waiting for this client mean one.
  if (c.replyBytes !== 0) {
    c.error('ERR SCRIPT DEBUG must be called outside a pipeline');
    return;
  }
  const mode = optionWord(argv[2]);
  if (mode === 'no') c.ok();
  else if (mode === 'yes' || mode === 'sync') c.error('ERR SCRIPT DEBUG YES and SYNC are not supported: nodis has no Lua debugger');
  else c.error('ERR Use SCRIPT DEBUG YES/SYNC/NO');
}

/** SCRIPT KILL and FUNCTION KILL: only a script running past busy-reply-threshold can be killed. */
function killCommand(evalMode: boolean) {
  return (c: Client): void => scriptingOf(c.server).kill(c, evalMode);
}

/** FCALL and FCALL_RO (fcallCommandGeneric). */
function fcallCommand(ro: boolean) {
  return (c: Client, argv: string[]): void => {
    const server = c.server;
    if (server.monitors.size !== 0) server.feedMonitors(c, argv);
    c.preventPropagation();
    const s = scriptingOf(server);
    const f = s.functions.find(argv[1]);
    if (f === undefined) {
      c.error('ERR Function not found');
      return;
    }
    const numkeys = parseInteger(argv[2]);
    if (numkeys === null) {
      c.error('ERR Bad number of keys provided');
      return;
    }
    if (numkeys > argv.length - 3) {
      c.error("ERR Number of keys can't be greater than number of args");
      return;
    }
    if (numkeys < 0) {
      c.error("ERR Number of keys can't be negative");
      return;
    }
    if (engineFor(c) === null) return;
    const n = Number(numkeys);
    s.execute(c, argv, s.functions.codeOf(f), f.flags, argv.slice(3, 3 + n), argv.slice(3 + n), ro, f.name, 'user_function');
  };
}

function functionLoad(c: Client, argv: string[]): void {
  let replace = false;
  let i = 2;
  while (i < argv.length - 1) {
    const arg = argv[i++];
    if (optionWord(arg) === 'replace') {
      replace = true;
      continue;
    }
    // Printed with %s, as a C string: up to a NUL byte.
    c.error(`ERR Unknown option given: ${cString(arg)}`);
    return;
  }
  if (i >= argv.length) {
    c.error('ERR Function code is missing');
    return;
  }
  const s = engineFor(c);
  if (s === null) return;
  const r = s.functions.load(s, argv[i], replace);
  if ('error' in r) {
    c.error(r.error);
    return;
  }
  c.server.dirty++;
  c.bulk(r.name);
}

function functionDelete(c: Client, argv: string[]): void {
  if (!scriptingOf(c.server).functions.delete(argv[2])) {
    c.error('ERR Library not found');
    return;
  }
  c.server.dirty++;
  c.ok();
}

function functionFlush(c: Client, argv: string[]): void {
  if (argv.length > 3) {
    c.error(errSubcommandSyntax(argv[1], argv[0]));
    return;
  }
  if (argv.length === 3 && !/^(a?sync)$/.test(optionWord(argv[2]))) {
    c.error('ERR FUNCTION FLUSH only supports SYNC|ASYNC option');
    return;
  }
  scriptingOf(c.server).functions.flush();
  c.server.dirty++;
  c.ok();
}

function functionList(c: Client, argv: string[]): void {
  let withCode = false;
  let pattern: string | null = null;
  for (let i = 2; i < argv.length; i++) {
    const arg = optionWord(argv[i]);
    if (!withCode && arg === 'withcode') {
      withCode = true;
      continue;
    }
    if (pattern === null && arg === 'libraryname') {
      if (i >= argv.length - 1) {
        c.error('ERR library name argument was not given');
        return;
      }
      pattern = argv[++i];
      continue;
    }
    // Printed with %s, as a C string: up to a NUL byte.
    // Redis writes this one unformatted (addReplyErrorSds): CR and LF become spaces, none trimmed.
    c.error(`ERR Unknown argument ${cString(argv[i]).replace(/[\r\n]/g, ' ')}`);
    return;
  }
  const libs = [...scriptingOf(c.server).functions.libraries.values()].filter((l) => pattern === null || globMatch(pattern, l.name, true));
  c.arrayLen(libs.length);
  for (const lib of libs) {
    c.mapLen(withCode ? 4 : 3);
    c.bulk('library_name');
    c.bulk(lib.name);
    c.bulk('engine');
    c.bulk('LUA');
    c.bulk('functions');
    c.arrayLen(lib.functions.size);
    for (const f of lib.functions.values()) {
      c.mapLen(3);
      c.bulk('name');
      c.bulk(f.name);
      c.bulk('description');
      c.bulkOrNull(f.description);
      c.bulk('flags');
      const names = FLAG_NAMES.filter(([, bit]) => (f.flags & bit) !== 0);
      c.setLen(names.length);
      for (const [name] of names) c.simple(name);
    }
    if (withCode) {
      c.bulk('library_code');
      c.bulk(lib.payload);
    }
  }
}

function functionDump(c: Client): void {
  const libs = [...scriptingOf(c.server).functions.libraries.values()].map((l) => l.payload);
  c.bulk(functionsDumpPayload(libs, c.server.config.bool('rdbcompression')).toString('latin1'));
}

function functionRestore(c: Client, argv: string[]): void {
  if (argv.length > 4) {
    c.error(errSubcommandSyntax(argv[1], argv[0]));
    return;
  }
  let policy = 'append';
  if (argv.length === 4) {
    policy = optionWord(argv[3]);
    if (policy !== 'append' && policy !== 'replace' && policy !== 'flush') {
      c.error('ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.');
      return;
    }
  }
  const codes = parseFunctionsPayload(Buffer.from(argv[2], 'latin1'));
  if (!Array.isArray(codes)) {
    c.error(`ERR ${codes.error}`);
    return;
  }
  const s = engineFor(c);
  if (s === null) return;
  const incoming = new FunctionLibraries();
  for (const code of codes) {
    const r = incoming.load(s, code, false);
    if ('error' in r) {
      c.error(r.error);
      return;
    }
  }
  if (policy === 'flush') s.functions.swap(incoming);
  else {
    const err = s.functions.join(incoming, policy === 'replace');
    if (err !== null) {
      c.error(err);
      return;
    }
  }
  c.server.dirty++;
  c.ok();
}

function functionStats(c: Client): void {
  const s = scriptingOf(c.server);
  const fl = s.functions;
  // A script runs past busy-reply-threshold: an EVAL's is not reported (Redis refuses), a function's is.
  const running = s.timedOut;
  if (running !== null && running.eval) {
    c.error(ERR_BUSY_EVAL);
    return;
  }
  c.mapLen(2);
  c.bulk('running_script');
  if (running === null) c.nullBulk();
  else {
    c.mapLen(3);
    c.bulk('name');
    c.bulk(running.name);
    c.bulk('command');
    const argv = running.run.callerArgv;
    c.arrayLen(argv.length);
    for (const a of argv) c.bulk(a);
    c.bulk('duration_ms');
    c.integer(c.server.clock.now() - running.start);
  }
  c.bulk('engines');
  c.mapLen(1);
  c.bulk('LUA');
  c.mapLen(2);
  c.bulk('libraries_count');
  c.integer(fl.libraries.size);
  c.bulk('functions_count');
  c.integer(fl.functions.size);
}

const FUNCTION_HELP = [
  'LOAD [REPLACE] <FUNCTION CODE>',
  '    Create a new library with the given library name and code.',
  'DELETE <LIBRARY NAME>',
  '    Delete the given library.',
  'LIST [LIBRARYNAME PATTERN] [WITHCODE]',
  '    Return general information on all the libraries:',
  '    * Library name',
  '    * The engine used to run the Library',
  '    * Library description',
  '    * Functions list',
  '    * Library code (if WITHCODE is given)',
  '    It also possible to get only function that matches a pattern using LIBRARYNAME argument.',
  'STATS',
  '    Return information about the current function running:',
  '    * Function name',
  '    * Command used to run the function',
  '    * Duration in MS that the function is running',
  '    If no function is running, return nil',
  '    In addition, returns a list of available engines.',
  'KILL',
  '    Kill the current running function.',
  'FLUSH [ASYNC|SYNC]',
  '    Delete all the libraries.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the libraries.',
  '    * SYNC: Synchronously flush the libraries.',
  'DUMP',
  '    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command',
  'RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]',
  '    Restore the libraries represented by the given payload, it is possible to give a restore policy to',
  '    control how to handle existing libraries (default APPEND):',
  '    * FLUSH: delete all existing libraries.',
  '    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.',
  '    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old',
  '      libraries with the new libraries (notice that even on this option there is a chance of failure',
  '      in case of functions name collision with another library).',
];

export const scriptingCommands: CommandSpec[] = [
  { name: 'eval', handler: evalCommand(false, false) },
  { name: 'evalsha', handler: evalCommand(true, false) },
  { name: 'eval_ro', handler: evalCommand(false, true) },
  { name: 'evalsha_ro', handler: evalCommand(true, true) },
  {
    name: 'script',
    subcommands: [
      { name: 'debug', handler: scriptDebug },
      { name: 'exists', handler: scriptExists },
      { name: 'flush', handler: scriptFlush },
      { name: 'help', handler: (c, argv) => replyHelp(c, argv[0], SCRIPT_HELP) },
      { name: 'kill', handler: killCommand(true) },
      { name: 'load', handler: scriptLoad },
    ],
  },
  { name: 'fcall', handler: fcallCommand(false) },
  { name: 'fcall_ro', handler: fcallCommand(true) },
  {
    name: 'function',
    subcommands: [
      { name: 'delete', handler: functionDelete },
      { name: 'dump', handler: functionDump },
      { name: 'restore', handler: functionRestore },
      { name: 'flush', handler: functionFlush },
      { name: 'help', handler: (c, argv) => replyHelp(c, argv[0], FUNCTION_HELP) },
      { name: 'kill', handler: killCommand(false) },
      { name: 'list', handler: functionList },
      { name: 'load', handler: functionLoad },
      { name: 'stats', handler: functionStats },
    ],
  },
];
