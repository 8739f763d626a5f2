// Pub/sub (Redis's pubsub.c): who listens to which channel or pattern, and delivery of messages.
// The server holds one registry; a client's own subscriptions live in c.pubsub, created on its
// first subscription and dropped (null) once it has none left, so `c.pubsub !== null` is Redis's
// CLIENT_PUBSUB flag. Shard channels (SSUBSCRIBE) are a separate namespace without patterns.

import type { Client } from './client.js';
import type { Command } from './command.js';
import type { Server } from './server.js';
import { addGate, type Gate } from './dispatch.js';
import { globMatch } from '../util/glob.js';
import { SharedFrame } from '../protocol/writer.js';

/** One client's subscriptions, in the order they were made (Sets keep insertion order). */
export interface ClientPubSub {
  channels: Set<string>;
  patterns: Set<string>;
  shardChannels: Set<string>;
}

/** Global channels or shard channels: the two kinds of SUBSCRIBE. */
export type ChannelKind = 'global' | 'shard';

const CRLF = '\r\n';

function bulk(s: string): string {
  return '$' + s.length + CRLF + s + CRLF;
}

// The fixed first element of each kind of push, as Redis's shared.*bulk objects.
const MESSAGE = bulk('message');
const SMESSAGE = bulk('smessage');
const PMESSAGE = bulk('pmessage');

export class PubSub {
  /** Channel → its subscribers, in the order they subscribed. */
  readonly channels = new Map<string, Set<Client>>();
  /** Pattern → its subscribers. */
  readonly patterns = new Map<string, Set<Client>>();
  /** Shard channel → its subscribers. */
  readonly shardChannels = new Map<string, Set<Client>>();

  constructor(private readonly server: Server) {}

  /** Channels + patterns a client listens to (the count in SUBSCRIBE/PSUBSCRIBE replies). */
  static count(c: Client): number {
    const s = c.pubsub;
    return s === null ? 0 : s.channels.size + s.patterns.size;
  }

  /** Shard channels a client listens to (the count in SSUBSCRIBE replies). */
  static shardCount(c: Client): number {
    return c.pubsub === null ? 0 : c.pubsub.shardChannels.size;
  }

  private static state(c: Client): ClientPubSub {
    return (c.pubsub ??= { channels: new Set(), patterns: new Set(), shardChannels: new Set() });
  }

  /** Leaves pub/sub mode once the client has no subscription of any kind left. */
  private static maybeRelease(c: Client): void {
    const s = c.pubsub;
    if (s !== null && s.channels.size + s.patterns.size + s.shardChannels.size === 0) c.pubsub = null;
  }

  /** Subscribes c to a channel; false if it already was. */
  subscribe(c: Client, channel: string, kind: ChannelKind): boolean {
    const mine = kind === 'global' ? PubSub.state(c).channels : PubSub.state(c).shardChannels;
    if (mine.has(channel)) return false;
    mine.add(channel);
    const registry = kind === 'global' ? this.channels : this.shardChannels;
    let subscribers = registry.get(channel);
    if (subscribers === undefined) registry.set(channel, (subscribers = new Set()));
    subscribers.add(c);
    return true;
  }

  /** Unsubscribes c from a channel; false if it was not subscribed. */
  unsubscribe(c: Client, channel: string, kind: ChannelKind): boolean {
    const s = c.pubsub;
    if (s === null) return false;
    const mine = kind === 'global' ? s.channels : s.shardChannels;
    if (!mine.delete(channel)) return false;
    const registry = kind === 'global' ? this.channels : this.shardChannels;
    const subscribers = registry.get(channel);
    if (subscribers !== undefined) {
      subscribers.delete(c);
      // The last subscriber gone: forget the channel, as Redis frees its entry.
      if (subscribers.size === 0) registry.delete(channel);
    }
    PubSub.maybeRelease(c);
    return true;
  }

  /** Subscribes c to a pattern; false if it already was. */
  psubscribe(c: Client, pattern: string): boolean {
    const mine = PubSub.state(c).patterns;
    if (mine.has(pattern)) return false;
    mine.add(pattern);
    let subscribers = this.patterns.get(pattern);
    if (subscribers === undefined) this.patterns.set(pattern, (subscribers = new Set()));
    subscribers.add(c);
    return true;
  }

  /** Unsubscribes c from a pattern; false if it was not subscribed. */
  punsubscribe(c: Client, pattern: string): boolean {
    const s = c.pubsub;
    if (s === null || !s.patterns.delete(pattern)) return false;
    const subscribers = this.patterns.get(pattern);
    if (subscribers !== undefined) {
      subscribers.delete(c);
      if (subscribers.size === 0) this.patterns.delete(pattern);
    }
    PubSub.maybeRelease(c);
    return true;
  }

  /** Drops every subscription of c without telling it (disconnection, RESET). */
  release(c: Client): void {
    const s = c.pubsub;
    if (s === null) return;
    for (const ch of [...s.channels]) this.unsubscribe(c, ch, 'global');
    for (const ch of [...s.shardChannels]) this.unsubscribe(c, ch, 'shard');
    for (const p of [...s.patterns]) this.punsubscribe(c, p);
    c.pubsub = null;
  }

  /**
   * Sends a message to the channel's subscribers, then (global channels only) to the clients
   * of every matching pattern; returns how many deliveries were made (a client reached through
   * two patterns counts twice, as in Redis).
   */
  publish(channel: string, message: string, kind: ChannelKind = 'global'): number {
    let receivers = 0;
    const subscribers = (kind === 'global' ? this.channels : this.shardChannels).get(channel);
    if (subscribers !== undefined) {
      // Encoded once for every subscriber (per RESP version, on first need).
      const frame = new SharedFrame(3, (kind === 'global' ? MESSAGE : SMESSAGE) + bulk(channel) + bulk(message));
      // Counted as delivered (a subscriber dropped by its output limit meanwhile included).
      for (const c of subscribers) {
        this.deliver(c, frame);
        receivers++;
      }
    }
    if (kind === 'shard' || this.patterns.size === 0) return receivers;
    let rest: string | null = null;
    for (const [pattern, clients] of this.patterns) {
      if (!globMatch(pattern, channel)) continue;
      rest ??= bulk(channel) + bulk(message);
      const frame = new SharedFrame(4, PMESSAGE + bulk(pattern) + rest);
      for (const c of clients) {
        this.deliver(c, frame);
        receivers++;
      }
    }
    return receivers;
  }

  /**
   * Writes a message to c: an array in RESP2, a push in RESP3, sent even under CLIENT REPLY
   * OFF/SKIP. A client other than the one running the command is woken, so it gets the message
   * at the end of this execution unit.
   */
  private deliver(c: Client, frame: SharedFrame): void {
    c.pushFrame(frame);
    if (c !== this.server.currentClient) this.server.wake(c);
  }
}

/** Writes a subscribe/unsubscribe confirmation: [kind, channel or null, count] as a push. */
export function replySubscription(c: Client, kind: string, channel: string | null, count: number): void {
  c.push(() => {
    c.pushLen(3);
    c.bulk(kind);
    if (channel === null) c.nullBulk();
    else c.bulk(channel);
    c.integer(count);
  });
}

/** Commands a RESP2 client may still send while it is subscribed (Redis 7.0's list). */
const ALLOWED_IN_PUBSUB = new Set([
  'ping',
  'subscribe',
  'ssubscribe',
  'unsubscribe',
  'sunsubscribe',
  'psubscribe',
  'punsubscribe',
  'quit',
  'reset',
]);

/**
 * The pub/sub context gate: a RESP2 client with subscriptions may run only the commands above
 * (RESP3 clients may run anything, their messages being pushes).
 */
export const pubsubGate: Gate = (c: Client, cmd: Command) => {
  if (c.pubsub === null || c.resp !== 2 || ALLOWED_IN_PUBSUB.has(cmd.fullName)) return null;
  return (
    `ERR Can't execute '${cmd.fullName}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET ` +
    'are allowed in this context'
  );
};

// Redis checks this after authentication, ACL, cluster redirection, OOM, MISCONF, min-replicas
// and read-only replica; before loading and busy script. Gates added later land after it.
addGate(pubsubGate);
