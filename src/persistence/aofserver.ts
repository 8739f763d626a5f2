// The append-only file on a server: how loaded commands run (on a client of their own, without
// statistics or propagation, as Redis's AOF client runs them), and how the base file is made.

import type { Server } from '../server/server.js';
import type { Client } from '../server/client.js';
import { Command } from '../server/command.js';
import { resolveCommand } from '../server/dispatch.js';
import { AppendOnlyFile } from './aof.js';
import { rewriteAsCommands } from './aofrewrite.js';
import { encodeRdb, loadRdb } from './rdb.js';
import { BackgroundSave } from './snapshot.js';

export function createAof(server: Server): AppendOnlyFile {
  let loader: Client | null = null;
  return new AppendOnlyFile({
    log: server.log,
    config: server.config,
    clock: server.clock,
    setLoading: (on) => (server.loading = on),
    saving: () => server.bgsave !== null,
    runLoaded(argv: string[]): boolean {
      // An unknown command stops loading; a malformed one is skipped (its handler would refuse it).
      if (!server.table.lookup(argv[0])) return false;
      if (loader === null) {
        loader = server.createFakeClient();
        loader.mustObey = true;
      }
      const c = loader;
      const r = resolveCommand(c, argv);
      if (!(r instanceof Command)) return true;
      const name = r.fullName;
      // A transaction's commands arrive whole (the reader holds them until EXEC): run them as
      // they come, in one unit.
      if (name === 'multi') {
        server.beginUnit(c);
        return true;
      }
      if (name === 'exec') {
        if (server.unitDepth !== 0) server.endUnit();
        return true;
      }
      server.beginUnit(c);
      try {
        c.propagateArgv = null;
        c.propagateMode = 0;
        r.handler!(c, argv);
      } catch (e) {
        server.logFault(`Error in '${name}' loading the append only file`, e);
      } finally {
        server.endUnit();
        c.discardReplies();
      }
      return true;
    },
    snapshotRdb: () => encodeRdb(server, { aofBase: true }),
    startBaseSnapshot: (path, tempFile, preamble) => new BackgroundSave(server, { path, tempFile, aofBase: preamble ? 'rdb' : 'commands' }),
    snapshotCommands: (timestamps) => rewriteAsCommands(server, timestamps),
    loadRdbPrefix: (buf) => loadRdb(server, buf).end,
  });
}
