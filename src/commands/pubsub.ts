// Pub/sub commands (pubsub.c): SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE PUNSUBSCRIBE PUBLISH, the shard
// variants SSUBSCRIBE SUNSUBSCRIBE SPUBLISH, and the PUBSUB introspection container. The
// registry and delivery live in server/pubsub.ts.

import type { CommandSpec } from '../server/command.js';
import type { Client } from '../server/client.js';
import { PubSub, replySubscription, type ChannelKind } from '../server/pubsub.js';
import { errSubcommandSyntax } from '../server/errors.js';
import { globMatch } from '../util/glob.js';
import { replyHelp } from './server.js';

function subscribeGeneric(c: Client, argv: string[], kind: ChannelKind): void {
  const pubsub = c.server.pubsub;
  const confirm = kind === 'global' ? 'subscribe' : 'ssubscribe';
  for (let j = 1; j < argv.length; j++) {
    pubsub.subscribe(c, argv[j], kind);
    replySubscription(c, confirm, argv[j], kind === 'global' ? PubSub.count(c) : PubSub.shardCount(c));
  }
}

function unsubscribeGeneric(c: Client, argv: string[], kind: ChannelKind): void {
  const pubsub = c.server.pubsub;
  const confirm = kind === 'global' ? 'unsubscribe' : 'sunsubscribe';
  const count = kind === 'global' ? PubSub.count : PubSub.shardCount;
  if (argv.length === 1) {
    // Every channel the client has; with none, one confirmation naming no channel.
    const mine = c.pubsub === null ? [] : [...(kind === 'global' ? c.pubsub.channels : c.pubsub.shardChannels)];
    for (const ch of mine) {
      pubsub.unsubscribe(c, ch, kind);
      replySubscription(c, confirm, ch, count(c));
    }
    if (mine.length === 0) replySubscription(c, confirm, null, count(c));
    return;
  }
  for (let j = 1; j < argv.length; j++) {
    pubsub.unsubscribe(c, argv[j], kind);
    replySubscription(c, confirm, argv[j], count(c));
  }
}

function subscribe(c: Client, argv: string[]): void {
  subscribeGeneric(c, argv, 'global');
}

function unsubscribe(c: Client, argv: string[]): void {
  unsubscribeGeneric(c, argv, 'global');
}

function ssubscribe(c: Client, argv: string[]): void {
  // TODO with MULTI/scripts (Redis's CLIENT_DENY_BLOCKING): inside EXEC, SSUBSCRIBE answers
  // "ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client" (SUBSCRIBE and PSUBSCRIBE run, for
  // backward compatibility; Redis 7.0.15 checked against the oracle).
  subscribeGeneric(c, argv, 'shard');
}

function sunsubscribe(c: Client, argv: string[]): void {
  unsubscribeGeneric(c, argv, 'shard');
}

function psubscribe(c: Client, argv: string[]): void {
  const pubsub = c.server.pubsub;
  for (let j = 1; j < argv.length; j++) {
    pubsub.psubscribe(c, argv[j]);
    replySubscription(c, 'psubscribe', argv[j], PubSub.count(c));
  }
}

function punsubscribe(c: Client, argv: string[]): void {
  const pubsub = c.server.pubsub;
  if (argv.length === 1) {
    // In the order the patterns were subscribed.
    const mine = c.pubsub === null ? [] : [...c.pubsub.patterns];
    for (const p of mine) {
      pubsub.punsubscribe(c, p);
      replySubscription(c, 'punsubscribe', p, PubSub.count(c));
    }
    if (mine.length === 0) replySubscription(c, 'punsubscribe', null, PubSub.count(c));
    return;
  }
  for (let j = 1; j < argv.length; j++) {
    pubsub.punsubscribe(c, argv[j]);
    replySubscription(c, 'punsubscribe', argv[j], PubSub.count(c));
  }
}

function publish(c: Client, argv: string[]): void {
  const receivers = c.server.pubsub.publish(argv[1], argv[2], 'global');
  // Replicas see every PUBLISH (Redis's forceCommandPropagation with PROPAGATE_REPL; it changes
  // no data, so it is not counted as dirty).
  c.forcePropagation();
  c.integer(receivers);
}

function spublish(c: Client, argv: string[]): void {
  const receivers = c.server.pubsub.publish(argv[1], argv[2], 'shard');
  c.forcePropagation();
  c.integer(receivers);
}

// ---- PUBSUB -------------------------------------------------------------------------------------

/** CHANNELS / SHARDCHANNELS [pattern]: the channels that have subscribers, matching the pattern. */
function channelList(c: Client, argv: string[], channels: Map<string, Set<Client>>): void {
  if (argv.length > 3) {
    c.error(errSubcommandSyntax(argv[1], 'pubsub'));
    return;
  }
  const pattern = argv.length === 3 ? argv[2] : null;
  const out: string[] = [];
  for (const ch of channels.keys()) if (pattern === null || globMatch(pattern, ch)) out.push(ch);
  c.bulkArray(out);
}

/** NUMSUB / SHARDNUMSUB [channel ...]: each channel and its number of subscribers (a flat array). */
function numsub(c: Client, argv: string[], channels: Map<string, Set<Client>>): void {
  c.arrayLen((argv.length - 2) * 2);
  for (let j = 2; j < argv.length; j++) {
    c.bulk(argv[j]);
    c.integer(channels.get(argv[j])?.size ?? 0);
  }
}

const PUBSUB_HELP = [
  'CHANNELS [<pattern>]',
  "    Return the currently active channels matching a <pattern> (default: '*').",
  'NUMPAT',
  '    Return number of subscriptions to patterns.',
  'NUMSUB [<channel> ...]',
  '    Return the number of subscribers for the specified channels, excluding',
  '    pattern subscriptions(default: no channels).',
  'SHARDCHANNELS [<pattern>]',
  "    Return the currently active shard level channels matching a <pattern> (default: '*').",
  'SHARDNUMSUB [<shardchannel> ...]',
  '    Return the number of subscribers for the specified shard level channel(s)',
];

export const pubsubCommands: CommandSpec[] = [
  { name: 'subscribe', handler: subscribe },
  { name: 'unsubscribe', handler: unsubscribe },
  { name: 'psubscribe', handler: psubscribe },
  { name: 'punsubscribe', handler: punsubscribe },
  { name: 'publish', handler: publish },
  { name: 'ssubscribe', handler: ssubscribe },
  { name: 'sunsubscribe', handler: sunsubscribe },
  { name: 'spublish', handler: spublish },
  {
    name: 'pubsub',
    subcommands: [
      { name: 'channels', handler: (c, argv) => channelList(c, argv, c.server.pubsub.channels) },
      { name: 'shardchannels', handler: (c, argv) => channelList(c, argv, c.server.pubsub.shardChannels) },
      { name: 'numsub', handler: (c, argv) => numsub(c, argv, c.server.pubsub.channels) },
      { name: 'shardnumsub', handler: (c, argv) => numsub(c, argv, c.server.pubsub.shardChannels) },
      { name: 'numpat', handler: (c) => c.integer(c.server.pubsub.patterns.size) },
      { name: 'help', handler: (c) => replyHelp(c, 'pubsub', PUBSUB_HELP) },
    ],
  },
];
