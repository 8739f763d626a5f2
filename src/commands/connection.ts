// Connection commands: PING ECHO QUIT SELECT …

import type { CommandSpec } from '../server/command.js';
import type { Client } from '../server/client.js';
import { ERR_DB_INDEX, ERR_NOT_INTEGER } from '../server/errors.js';
import { parseInteger } from '../util/numbers.js';

function ping(c: Client, argv: string[]): void {
  if (argv.length > 2) {
    c.error("ERR wrong number of arguments for 'ping' command");
    return;
  }
  if (argv.length === 1) c.raw('+PONG\r\n');
  else c.bulk(argv[1]);
}

function echo(c: Client, argv: string[]): void {
  c.bulk(argv[1]);
}

function quit(c: Client): void {
  c.ok();
  c.closeAfterReply = true;
}

function select(c: Client, argv: string[]): void {
  const id = parseInteger(argv[1]);
  if (id === null) {
    c.error(ERR_NOT_INTEGER);
    return;
  }
  if (id < 0 || id >= c.server.dbs.length) {
    c.error(ERR_DB_INDEX);
    return;
  }
  c.db = c.server.dbs[Number(id)];
  c.ok();
}

export const connectionCommands: CommandSpec[] = [
  { name: 'ping', handler: ping },
  { name: 'echo', handler: echo },
  { name: 'quit', handler: quit },
  { name: 'select', handler: select },
];
