// Looking inside a running server: SLOWLOG (over server/slowlog.ts), LATENCY (over
// server/latency.ts) and MONITOR.

import type { CommandSpec } from '../server/command.js';
import type { Client } from '../server/client.js';
import type { Command } from '../server/command.js';
import { replyHelp } from './help.js';
import { rangeArg } from './args.js';
import { errSubcommandSyntax } from '../server/errors.js';
import { cString } from '../util/cstring.js';

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

const LATENCY_HELP = [
  'DOCTOR',
  '    Return a human readable latency analysis report.',
  'GRAPH <event>',
  '    Return an ASCII latency graph for the <event> class.',
  'HISTORY <event>',
  '    Return time-latency samples for the <event> class.',
  'LATEST',
  '    Return the latest latency samples for all events.',
  'RESET [<event> ...]',
  '    Reset latency data of one or more <event> classes.',
  '    (default: reset all data for all event classes)',
  'HISTOGRAM [COMMAND ...]',
  '    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.',
  '    If no commands are specified then all histograms are replied.',
];

function nowSeconds(c: Client): number {
  return Math.floor(c.server.clock.now() / 1000);
}

function latencyLatest(c: Client): void {
  const events = c.server.latency.events;
  c.arrayLen(events.size);
  for (const [event, series] of events) {
    const last = series.samples[series.samples.length - 1];
    c.arrayLen(4);
    c.bulk(event);
    c.integer(last.time);
    c.integer(last.latency);
    c.integer(series.max);
  }
}

// Event names are looked up as C strings (up to a NUL), as Redis's dict of events does.

function latencyHistory(c: Client, argv: string[]): void {
  const series = c.server.latency.events.get(cString(argv[2]));
  const samples = series ? series.samples : [];
  c.arrayLen(samples.length);
  for (const s of samples) {
    c.arrayLen(2);
    c.integer(s.time);
    c.integer(s.latency);
  }
}

function latencyGraph(c: Client, argv: string[]): void {
  const event = cString(argv[2]);
  const series = c.server.latency.events.get(event);
  if (series === undefined) {
    c.error(`ERR No samples available for event '${event}'`);
    return;
  }
  c.verbatim(c.server.latency.graph(event, series, nowSeconds(c)));
}

function latencyDoctor(c: Client): void {
  const server = c.server;
  c.verbatim(
    server.latency.report({
      now: nowSeconds(c),
      thresholdMs: server.latencyThresholdMs,
      slowlogThresholdUs: server.slowlogThreshold,
      hz: server.config.num('hz'),
    }),
  );
}

function latencyReset(c: Client, argv: string[]): void {
  c.integer(c.server.latency.reset(argv.length === 2 ? null : argv.slice(2).map((a) => cString(a))));
}

/** LATENCY HISTOGRAM [command …]: each command's (and subcommand's) latency distribution. */
function latencyHistogram(c: Client, argv: string[]): void {
  const table = c.server.table;
  const found: Command[] = [];
  if (argv.length === 2) {
    for (const cmd of table.all()) if (cmd.latency !== null) found.push(cmd);
  } else {
    // Unknown names are skipped; a container brings its subcommands.
    for (let i = 2; i < argv.length; i++) {
      const cmd = table.lookupFull(argv[i]);
      if (cmd === undefined) continue;
      if (cmd.latency !== null) found.push(cmd);
      for (const sub of cmd.subcommands.values()) if (sub.latency !== null) found.push(sub);
    }
  }
  c.mapLen(found.length);
  for (const cmd of found) {
    const h = cmd.latency!;
    c.bulk(cmd.fullName);
    c.mapLen(2);
    c.bulk('calls');
    c.integer(h.total);
    c.bulk('histogram_usec');
    const levels = h.cumulative();
    c.mapLen(levels.length);
    for (const [us, count] of levels) {
      c.integer(us);
      c.integer(count);
    }
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
    name: 'latency',
    subcommands: [
      { name: 'doctor', handler: latencyDoctor },
      { name: 'graph', handler: latencyGraph },
      { name: 'history', handler: latencyHistory },
      { name: 'latest', handler: latencyLatest },
      { name: 'reset', handler: latencyReset },
      { name: 'histogram', handler: latencyHistogram },
      { name: 'help', handler: (c, argv) => replyHelp(c, argv[0], LATENCY_HELP) },
    ],
  },
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
