// The append-only file's commands: BGREWRITEAOF, and DEBUG LOADAOF's logic (DEBUG itself lives in
// commands/debug.ts). The file itself is persistence/aof.ts.

import type { CommandSpec } from '../server/command.js';
import type { Client } from '../server/client.js';
import { emptyData } from './persistence.js';

/**
 * BGREWRITEAOF: the base is written in the background (persistence/aof.ts); during a BGSAVE, or
 * inside EXEC, the rewrite is scheduled for the cron, as Redis does.
 */
function bgrewriteaof(c: Client): void {
  const r = c.server.aof.requestRewrite(c.server.inExec);
  if (r === 'started') c.simple('Background append only file rewriting started');
  else if (r === 'scheduled') c.simple('Background append only file rewriting scheduled');
  else if (r === 'in-progress') c.error('ERR Background append only file rewriting already in progress');
  else c.error("ERR Can't execute an AOF background rewriting. Please check the server logs for more information.");
}

/**
 * DEBUG LOADAOF: writes what is buffered, empties the dataset and loads the AOF again from its
 * manifest. A file that cannot be loaded stops the server, as in Redis.
 */
export function debugLoadAof(c: Client): void {
  const server = c.server;
  server.flushAof(true);
  emptyData(server);
  const status = server.aof.load();
  if (status !== 'ok' && status !== 'empty' && status !== 'not-exist') {
    server.exitCode = 1;
    server.shutdown();
    return;
  }
  // What the file's commands counted is no change of this command's: not propagated (to the
  // AOF itself, which would then run DEBUG LOADAOF while loading), as Redis resets it too.
  server.dirty = 0;
  server.log.warning('Append Only File loaded by DEBUG LOADAOF');
  c.ok();
}

export const aofCommands: CommandSpec[] = [{ name: 'bgrewriteaof', handler: bgrewriteaof }];
