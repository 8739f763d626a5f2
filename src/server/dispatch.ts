// Runs one command: lookup, arity, authentication, then the handler, with statistics and
// CLIENT REPLY handling. Handlers are synchronous, so every command is atomic.

import type { Client } from './client.js';
import type { Command } from './command.js';
import { ERR_NOAUTH, errUnknownSubcommand, errWrongArgs } from './errors.js';
import { cString } from '../util/cstring.js';

/** Resolves argv to a command or subcommand; replies with the error and returns null if none. */
export function resolveCommand(c: Client, argv: string[]): Command | null {
  const cmd = c.server.table.lookup(argv[0]);
  if (!cmd) {
    let args = '';
    for (let i = 1; i < argv.length && args.length < 128; i++) {
      args += `'${cString(argv[i], 128 - args.length)}' `;
    }
    c.error(`ERR unknown command '${cString(argv[0], 128)}', with args beginning with: ${args}`);
    return null;
  }
  if (cmd.subcommands.size === 0 || argv.length < 2) return checkArity(c, cmd, argv.length);
  const sub = cmd.subcommands.get(argv[1].toLowerCase());
  if (!sub) {
    c.error(errUnknownSubcommand(argv[1], cmd.fullName));
    return null;
  }
  return checkArity(c, sub, argv.length);
}

function checkArity(c: Client, cmd: Command, argc: number): Command | null {
  if ((cmd.arity > 0 && cmd.arity !== argc) || argc < -cmd.arity) {
    cmd.stats.rejectedCalls++;
    c.error(errWrongArgs(cmd.fullName));
    return null;
  }
  return cmd;
}

/**
 * Runs one command from a client's input. The time since the previous command of the same read
 * (server.tick) is the command's duration, so each command costs one clock read, not two.
 */
export function dispatch(c: Client, argv: string[]): void {
  const server = c.server;
  const mark = c.out.length;
  const cmd = resolveCommand(c, argv);
  if (cmd) {
    c.lastCommand = cmd.fullName;
    if (!c.authenticated && !cmd.noAuth) {
      cmd.stats.rejectedCalls++;
      c.error(ERR_NOAUTH);
    } else {
      server.tick = call(c, cmd, argv, server.tick);
    }
  }
  server.stats.commandsProcessed++;
  if (c.replyMode !== 'on') applyReplyMode(c, mark, cmd);
}

/**
 * Runs the handler and records its statistics; returns the time it ended (performance.now()).
 * An exception is a bug in nodis: logged, and answered with an error.
 */
export function call(c: Client, cmd: Command, argv: string[], start = performance.now()): number {
  const errorsBefore = c.server.stats.totalErrorReplies;
  try {
    cmd.handler!(c, argv);
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    c.server.log.warning(`Error in '${cmd.fullName}': ${err.stack ?? err.message}`);
    c.error(`ERR internal error in '${cmd.fullName}': ${err.message}`);
  }
  const end = performance.now();
  const elapsedMs = end - start;
  const stats = cmd.stats;
  stats.calls++;
  stats.usec += elapsedMs * 1000;
  cmd.recordLatency(elapsedMs * 1e6);
  // More errors than before (CONFIG RESETSTAT zeroes the count: that is no failure).
  if (c.server.stats.totalErrorReplies > errorsBefore) stats.failedCalls++;
  return end;
}

/** CLIENT REPLY OFF drops replies; SKIP drops the next command's reply. */
function applyReplyMode(c: Client, mark: number, cmd: Command | null): void {
  // CLIENT REPLY itself sets the mode; its own reply is already handled by the handler.
  if (cmd && cmd.fullName === 'client|reply') return;
  c.out = c.out.slice(0, mark) + c.pushed;
  c.pushed = '';
  if (c.replyMode === 'skip') c.replyMode = 'on';
}
