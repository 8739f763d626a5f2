#!/usr/bin/env node
// nodis-server [/path/to/nodis.conf] [--option value ...]

import { Server } from './server/server.js';
import { Config } from './server/config.js';

async function main(): Promise<void> {
  const config = new Config();
  const args = process.argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    if (args[i].startsWith('--')) {
      const err = config.set(args[i].slice(2), args[i + 1] ?? '');
      if (err) {
        process.stderr.write(`${err}\n`);
        process.exit(1);
      }
      i++;
    }
  }
  const server = new Server(config);
  await server.listen();
  server.log.notice(`Ready to accept connections tcp on port ${server.port}`);
  const stop = (): void => {
    server.log.warning('Received signal, scheduling shutdown...');
    void server.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  server.on('shutdown', () => void server.close().then(() => process.exit(0)));
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
