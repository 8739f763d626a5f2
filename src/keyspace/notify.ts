// Keyspace notifications (notify.c): after a write, a message on __keyspace@<db>__:<key> (the
// event name) and on __keyevent@<db>__:<event> (the key), for the classes notify-keyspace-events
// enables.

import { NOTIFY } from '../server/config.js';
import type { Server } from '../server/server.js';

export { NOTIFY };

/**
 * Publishes one keyspace event of class `type` (a NOTIFY flag). The server calls this only
 * when the class is enabled; K and E choose the channels.
 */
export function notifyKeyspaceEvent(server: Server, type: number, event: string, key: string, dbid: number): void {
  const flags = server.notifyFlags;
  if ((flags & type) === 0) return;
  if (flags & NOTIFY.KEYSPACE) server.publish(`__keyspace@${dbid}__:${key}`, event);
  if (flags & NOTIFY.KEYEVENT) server.publish(`__keyevent@${dbid}__:${event}`, key);
}
