// The embedding API: start a nodis server inside a Node process, e.g. for a test suite.

import { Server } from './server/server.js';
import { Config } from './server/config.js';
import { Clock } from './server/clock.js';
import { allCommands } from './commands/index.js';
import { loadRdbFile, rdbFilePath } from './persistence/rdb.js';

export { Server } from './server/server.js';
export { Config } from './server/config.js';
export { Clock } from './server/clock.js';

export interface StartOptions {
  /** TCP port; 0 (the default here) picks a free one. */
  port?: number;
  /** Address to bind; defaults to 127.0.0.1 for embedded servers. */
  bind?: string;
  /** Log to standard output (off by default for embedded servers). */
  log?: boolean;
  /**
   * Load the snapshot in `dir`/`dbfilename` before listening, as nodis-server does (off by
   * default: an embedded server starts empty). A missing file is no error; a bad one rejects.
   */
  load?: boolean;
  /** Any other redis.conf directive, e.g. { requirepass: 'secret', 'proto-max-bulk-len': '1mb' }. */
  [directive: string]: string | number | boolean | undefined;
}

export interface NodisServer {
  /** The TCP port the server listens on. */
  readonly port: number;
  /** redis://127.0.0.1:<port> */
  readonly url: string;
  /** The server's clock: advance(ms) moves time forward so keys expire without waiting. */
  readonly clock: Clock;
  /** The server itself, for tests that need to look inside. */
  readonly server: Server;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

/** Starts a server; resolves once it is listening. Two servers in one process share nothing. */
export async function startServer(options: StartOptions = {}): Promise<NodisServer> {
  const config = new Config();
  const { log, load, ...directives } = options;
  const settings: Record<string, string> = { port: '0', bind: '127.0.0.1', save: '' };
  for (const [k, v] of Object.entries(directives)) {
    if (v === undefined) continue;
    settings[k] = typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v);
  }
  for (const [k, v] of Object.entries(settings)) {
    if (!config.has(k)) throw new Error(`nodis: unknown configuration directive '${k}'`);
    const err = config.set(k, v);
    if (err) throw new Error(`nodis: bad value for configuration directive '${k}' (${JSON.stringify(v)}): ${err}`);
  }
  const clock = new Clock();
  const server = new Server(config, clock, allCommands);
  server.log.silent = !log;
  if (load) loadRdbFile(server, rdbFilePath(server));
  await server.listen();
  const host = (config.bindAddresses()[0] ?? '127.0.0.1').replace(/^-/, '');
  const urlHost = host === '*' || host === '0.0.0.0' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return {
    port: server.port,
    url: `redis://${urlHost}:${server.port}`,
    clock,
    server,
    close: () => server.close(),
  };
}
