// Looking inside a running server: SLOWLOG (over server/slowlog.ts) and MONITOR.

import type { CommandSpec } from '../server/command.js';
import type { Client } from '../server/client.js';
import { replyHelp } from './help.js';
import { rangeArg } from './args.js';
import { errSubcommandSyntax } from '../server/errors.js';

const SLOWLOG_HELP = [
  'GET [<count>]',
  '    Return top <count> entries from the slowlog (default: 10, -1 mean all).',
  '    Entries are made of:',
  '    id, timestamp, time in microseconds, arguments array, client IP and port,',
  '    client name',
  'LEN',
  '    Return the length of the slowlog.',
  'RESET',
  '    Reset the slowlog.',
];

function slowlogGet(c: Client, argv: string[]): void {
  const entries = c.server.slowlog.entries;
  if (argv.length > 3) {
    c.error(errSubcommandSyntax(argv[1], 'slowlog'));
    return;
  }
  let count = 10;
  if (argv.length === 3) {
    const n = rangeArg(c, argv[2], -1, Number.MAX_SAFE_INTEGER, 'ERR count should be greater than or equal to -1');
    if (n === null) return;
    count = n === -1 ? entries.length : n;
  }
  const n = Math.min(count, entries.length);
  c.arrayLen(n);
  for (let i = 0; i < n; i++) {
    const e = entries[i];
    c.arrayLen(6);
    c.integer(e.id);
    c.integer(e.time);
    c.integer(e.durationUs);
    c.arrayLen(e.argv.length);
    for (const a of e.argv) c.bulk(a);
    c.bulk(e.addr);
    c.bulk(e.name);
  }
}

/** MONITOR: from now on the client is shown every command the server runs (Server.feedMonitors). */
function monitor(c: Client): void {
  // Inside MULTI (and scripts) a client may not start waiting for a stream of its own.
  if (c.denyBlocking) {
    c.error("ERR MONITOR isn't allowed for DENY BLOCKING client");
    return;
  }
  // A replica, or a client already monitoring, is left as it is (no reply).
  if (c.monitor || c.replica !== null) return;
  c.monitor = true;
  c.server.monitors.add(c);
  c.ok();
}

export const introspectionCommands: CommandSpec[] = [
  { name: 'monitor', handler: monitor },
  {
    name: 'slowlog',
    subcommands: [
      { name: 'get', handler: slowlogGet },
      { name: 'len', handler: (c) => c.integer(c.server.slowlog.entries.length) },
      {
        name: 'reset',
        handler: (c) => {
          c.server.slowlog.reset();
          c.ok();
        },
      },
      { name: 'help', handler: (c, argv) => replyHelp(c, argv[0], SLOWLOG_HELP) },
    ],
  },
];
