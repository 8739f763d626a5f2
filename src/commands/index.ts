// Every command family's specs, registered into the server's command table.

import type { CommandSpec } from '../server/command.js';
import { connectionCommands } from './connection.js';
import { stringCommands } from './strings.js';
import { serverCommands } from './server.js';
import { keyCommands } from './keys.js';
import { configCommands } from './config.js';
import { replicationCommands } from './replication.js';
import { persistenceCommands } from './persistence.js';
import { migrateCommands } from './migrate.js';
import { aofCommands } from './aof.js';
import { pubsubCommands } from './pubsub.js';
import { transactionCommands } from './transactions.js';
import { introspectionCommands } from './introspection.js';
import { hashCommands } from './hashes.js';
import { setCommands } from './sets.js';
import { memoryCommands } from './memory.js';
import { bitmapCommands } from './bitmaps.js';
import { hyperloglogCommands } from './hyperloglog.js';
import { listCommands } from './lists.js';
import { streamCommands } from './streams.js';
import { sortCommands } from './sort.js';
import { geoCommands } from './geo.js';
import { zsetCommands } from './zsets.js';
import { scriptingCommands } from './scripting.js';

export const allCommands: CommandSpec[] = [
  ...connectionCommands,
  ...stringCommands,
  ...keyCommands,
  ...serverCommands,
  ...configCommands,
  ...replicationCommands,
  ...persistenceCommands,
  ...migrateCommands,
  ...aofCommands,
  ...pubsubCommands,
  ...transactionCommands,
  ...introspectionCommands,
  ...hashCommands,
  ...setCommands,
  ...memoryCommands,
  ...bitmapCommands,
  ...hyperloglogCommands,
  ...listCommands,
  ...streamCommands,
  ...sortCommands,
  ...geoCommands,
  ...zsetCommands,
  ...scriptingCommands,
];
