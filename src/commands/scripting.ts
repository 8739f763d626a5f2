// Scripting (eval.c): EVAL, EVALSHA and their read-only forms run a Lua script, cached by its
// SHA1; SCRIPT manages the cache. The engine and the path of redis.call are in scripting/lua.ts.

import type { CommandSpec } from '../server/command.js';
import type { Client } from '../server/client.js';
import { ERR_NOT_INTEGER } from '../server/errors.js';
import { parseInteger } from '../util/numbers.js';
import { scriptingOf, sha1hex, type Scripting } from '../scripting/lua.js';
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
    s.run(c, sha, s.scripts.get(sha)!, argv.slice(3, 3 + n), argv.slice(3 + n), ro);
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
  if (argv.length > 3 || (argv.length === 3 && !/^(a?sync)$/i.test(argv[2]))) {
    c.error('ERR SCRIPT FLUSH only support SYNC|ASYNC option');
    return;
  }
  // ASYNC and SYNC alike: the cache is a Map, dropped at once either way.
  scriptingOf(c.server).flush();
  c.ok();
}

function scriptKill(c: Client): void {
  // Scripts run to completion within one call on this thread (see README's limits): none can
  // be running while another client's command is read.
  c.error('NOTBUSY No scripts in execution right now.');
}

export const scriptingCommands: CommandSpec[] = [
  { name: 'eval', handler: evalCommand(false, false) },
  { name: 'evalsha', handler: evalCommand(true, false) },
  { name: 'eval_ro', handler: evalCommand(false, true) },
  { name: 'evalsha_ro', handler: evalCommand(true, true) },
  {
    name: 'script',
    subcommands: [
      { name: 'exists', handler: scriptExists },
      { name: 'flush', handler: scriptFlush },
      { name: 'help', handler: (c, argv) => replyHelp(c, argv[0], SCRIPT_HELP) },
      { name: 'kill', handler: scriptKill },
      { name: 'load', handler: scriptLoad },
    ],
  },
];
