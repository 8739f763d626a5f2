// Server commands: TIME, LASTSAVE, LOLWUT and SHUTDOWN here; COMMAND (command.ts), INFO (info.ts)
// and DEBUG (debug.ts) in their own modules, registered with these.

import type { Client } from '../server/client.js';
import type { CommandSpec } from '../server/command.js';
import { ERR_SYNTAX } from '../server/errors.js';
import { optionWord } from '../util/cstring.js';
import { REDIS_VERSION } from '../version.js';
import { commandCommands } from './command.js';
import { infoCommands } from './info.js';
import { debugCommands } from './debug.js';
import { ArgCursor, int64Arg, integerArg } from './args.js';
import { abortShutdown, shutdownServer } from './persistence.js';
import { joinShutdown } from '../replication/shutdown.js';
import { ERR_BUSY_EVAL, ERR_BUSY_FUNCTION, scriptingIfUsed } from '../scripting/lua.js';

// Kept for importers of these from here (they live in src/version.ts, commands/help.ts and
// commands/info.ts).
export { REDIS_VERSION, NODIS_VERSION } from '../version.js';
export { replyHelp } from './help.js';
export { bytesToHuman, infoString } from './info.js';

function time(c: Client): void {
  const us = c.server.clock.nowUs();
  const sec = Math.floor(us / 1e6);
  c.arrayLen(2);
  c.bulk(String(sec));
  c.bulk(String(us - sec * 1e6));
}

function lastsave(c: Client): void {
  c.integer(c.server.lastSave);
}

function lolwut(c: Client, argv: string[]): void {
  if (argv.length >= 3 && optionWord(argv[1]) === 'version') {
    const ver = int64Arg(c, argv[2]);
    if (ver === null) return;
    // Redis prints the version as an unsigned int, and versions 5 and 6 take their own numeric
    // arguments (canvas sizes) after it: a malformed one is an error.
    const art = Number(BigInt.asUintN(32, BigInt(ver)));
    const own = art === 5 ? 3 : art === 6 ? 2 : 0;
    for (let i = 3; i < Math.min(argv.length, 3 + own); i++) {
      if (integerArg(c, argv[i]) === null) return;
    }
  }
  // Redis 7 draws no art of its own either: its LOLWUT prints the version line. (nodis does not
  // draw versions 5 and 6, random pictures in Redis; it prints the version line for them too.)
  c.verbatim(`Redis ver. ${REDIS_VERSION}\n`);
}

function shutdown(c: Client, argv: string[]): void {
  let nosave = false;
  let save = false;
  let force = false;
  let other = false;
  let abort = false;
  let now = false;
  const opts = new ArgCursor(c, argv, 1);
  for (let a = opts.next(); a !== null; a = opts.next()) {
    if (a === 'nosave') nosave = true;
    else if (a === 'save') save = true;
    else if (a === 'force') force = other = true;
    else if (a === 'now') other = now = true;
    else if (a === 'abort') abort = true;
    else {
      opts.syntaxError();
      return;
    }
  }
  if ((abort && (nosave || save || other)) || (nosave && save)) {
    c.error(ERR_SYNTAX);
    return;
  }
  if (abort) {
    // Only a shutdown a signal asked for can be pending (nodis does not wait for replicas yet).
    if (abortShutdown(c.server)) c.ok();
    else c.error('ERR No shutdown in progress.');
    return;
  }
  if (!now && c.denyBlocking) {
    c.error("ERR SHUTDOWN without NOW or ABORT isn't allowed for DENY BLOCKING client");
    return;
  }
  // A script running past busy-reply-threshold: only SHUTDOWN NOSAVE goes on (it ends the script).
  const busy = nosave ? null : (scriptingIfUsed(c.server)?.timedOut ?? null);
  if (busy !== null) {
    c.error(busy.eval ? ERR_BUSY_EVAL : ERR_BUSY_FUNCTION);
    return;
  }
  // A shutdown already waiting for replicas: this one waits with it (prepareForShutdown's check).
  if (c.server.pendingShutdown !== null) {
    joinShutdown(c);
    return;
  }
  // On success the client gets no reply: the connection closes with the server (or it waits
  // blocked while the replicas catch up).
  if (!shutdownServer(c.server, { save, nosave, force, now }, c)) c.error('ERR Errors trying to SHUTDOWN. Check logs.');
}

// ---------------------------------------------------------------------------------------------

export const serverCommands: CommandSpec[] = [
  ...commandCommands,
  ...infoCommands,
  { name: 'time', handler: time },
  { name: 'lastsave', handler: lastsave },
  { name: 'lolwut', handler: lolwut },
  { name: 'shutdown', handler: shutdown },
  ...debugCommands,
];
