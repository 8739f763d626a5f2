// String commands (t_string.c).

import type { CommandSpec } from '../server/command.js';
import type { Client } from '../server/client.js';
import { ERR_WRONGTYPE } from '../server/errors.js';
import { stringValue } from '../types/value.js';

function get(c: Client, argv: string[]): void {
  const v = c.db.lookupRead(argv[1]);
  if (v === undefined) c.nullBulk();
  else if (typeof v === 'string') c.bulk(v);
  else {
    const s = stringValue(v);
    if (s === null) c.error(ERR_WRONGTYPE);
    else c.bulk(s);
  }
}

function set(c: Client, argv: string[]): void {
  c.db.set(argv[1], argv[2]);
  c.server.dirty++;
  c.ok();
}

export const stringCommands: CommandSpec[] = [
  { name: 'get', handler: get },
  { name: 'set', handler: set },
];
