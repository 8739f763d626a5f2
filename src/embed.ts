// The embedding API's implementation (index.ts holds its public types). The handle it returns
// also carries the server itself, for nodis's own tests.

import { Server } from './server/server.js';
import { Config } from './server/config.js';
import { Clock } from './server/clock.js';
import { call } from './server/dispatch.js';
import { allCommands } from './commands/index.js';
import { loadDataFromDisk, loadRdbFile, rdbFilePath, restoreReplicationHistory, snapshotHasFunctions, startupLoadOptions } from './persistence/rdb.js';
import { scriptingOf } from './scripting/lua.js';
import type { NodisServer, SeedData, StartOptions } from './index.js';

export type { NodisServer, SeedData, StartOptions } from './index.js';

/** What startServer() gives nodis's own tests: the public handle plus the server itself. */
export interface EmbeddedServer extends NodisServer {
  readonly server: Server;
}

/** A JS string (UTF-8, as a client would send it) as the latin1 byte string nodis stores. */
function bytes(s: string | Uint8Array): string {
  return (typeof s === 'string' ? Buffer.from(s, 'utf8') : Buffer.from(s.buffer, s.byteOffset, s.byteLength)).toString(
    'latin1',
  );
}

/** Warnings already emitted by servers without a log, so a test suite sees each once. */
const emittedWarnings = new Set<string>();

/**
 * Runs a command as an administrator of the embedded server would (no authentication, names as
 * before rename-command), through the one command path: replication, keyspace events and WATCH
 * see it as any client's. Throws on an error reply.
 */
function run(server: Server, argv: string[]): void {
  const cmd = server.table.lookupFull(argv[0]);
  if (!cmd) throw new Error(`nodis: no command ${argv[0]}`);
  const c = server.createFakeClient();
  c.authenticated = true;
  call(c, cmd, argv);
  const reply = c.takeReplies();
  if (reply.startsWith('-')) throw new Error(`nodis: ${argv[0]} failed: ${reply.slice(1).trimEnd()}`);
}

/** index.ts's startServer, whose handle also carries the server. */
export async function startServer(options: StartOptions = {}): Promise<EmbeddedServer> {
  const config = new Config();
  const { log, load, data, unref, ...directives } = options;
  const settings: Record<string, string> = { port: '0', bind: '127.0.0.1', save: '' };
  for (const [k, v] of Object.entries(directives)) {
    if (v === undefined) continue;
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
      throw new Error(`nodis: configuration directive '${k}' takes a string, number or boolean`);
    }
    // Bytes, as a config file or a client would give them.
    settings[k] = typeof v === 'boolean' ? (v ? 'yes' : 'no') : bytes(String(v));
  }
  for (const [k, v] of Object.entries(settings)) {
    if (!config.has(k)) throw new Error(`nodis: unknown configuration directive '${k}'`);
    const err = config.set(k, v);
    if (err) throw new Error(`nodis: bad value for configuration directive '${k}' (${JSON.stringify(v)}): ${err}`);
  }
  const clock = new Clock();
  const server = new Server(config, clock, allCommands);
  if (typeof log === 'function') server.log.sink = log;
  else if (!log) {
    server.log.silent = true;
    server.inertWarning = (message) => {
      if (emittedWarnings.has(message)) return;
      emittedWarnings.add(message);
      process.emitWarning(message, 'NodisWarning');
    };
  }
  server.unrefHandles = unref !== false;
  server.warnInertDirectives();
  if (server.config.bool('appendonly')) {
    // Scripts and FUNCTION LOADs in the file run as it loads: the Lua engine first, if it has any.
    if (server.aof.mayNeedEngine()) await scriptingOf(server).load();
    // The append-only file is loaded (and then written) whenever it is on: appending to a file
    // without its earlier writes in the dataset would make it disagree with the server.
    if (!loadDataFromDisk(server)) throw new Error(`nodis: the append-only file in ${server.config.get('dir')} could not be loaded or opened (see the log)`);
  } else if (load) {
    // Function libraries in the snapshot run their code as they load: the Lua engine first, if it may hold any.
    if (snapshotHasFunctions(rdbFilePath(server))) await scriptingOf(server).load();
    const loaded = loadRdbFile(server, rdbFilePath(server), startupLoadOptions(server));
    restoreReplicationHistory(server, loaded?.aux ?? null);
  }
  const seed = async (d: SeedData): Promise<void> => {
    for (const [k, v] of Object.entries(d)) run(server, ['set', bytes(k), bytes(v)]);
  };
  if (data) await seed(data);
  await server.listen();
  const bound = (config.bindAddresses()[0] ?? '127.0.0.1').replace(/^-/, '');
  const host = bound === '*' || bound === '0.0.0.0' ? '127.0.0.1' : bound === '::*' || bound === '::' ? '::1' : bound;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const close = (): Promise<void> => server.close();
  return {
    // (A getter: CONFIG SET port moves the listener.)
    get port(): number {
      return server.port;
    },
    host,
    get url(): string {
      const pass = config.get('requirepass');
      const auth = pass === '' ? '' : `:${encodeURIComponent(Buffer.from(pass, 'latin1').toString('utf8'))}@`;
      return `redis://${auth}${urlHost}:${server.port}`;
    },
    clock,
    server,
    flushAll: async () => run(server, ['flushall']),
    seed,
    close,
    [Symbol.asyncDispose]: close,
  };
}
