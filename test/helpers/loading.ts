// An embedded nodis started on a copy of a file another server saved, for tests that load files.

import { copyFileSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../src/embed.js';
import { RawConnection } from './resp.js';

/**
 * nodis started (with DEBUG enabled and settings) on a copy of fromDir/dbfilename, which it loads:
 * fn runs on a connection to it, with the directory it loaded from; everything is removed after.
 */
export async function withNodisLoading<T>(
  fromDir: string,
  dbfilename: string,
  fn: (n: RawConnection, dir: string) => Promise<T>,
  settings: Record<string, string> = {},
): Promise<T> {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'nodis-loading-')));
  try {
    copyFileSync(join(fromDir, dbfilename), join(dir, dbfilename));
    const nodis = await startServer({ dir, dbfilename, load: true, 'enable-debug-command': 'yes', ...settings });
    try {
      const n = await RawConnection.open({ port: nodis.port });
      try {
        return await fn(n, dir);
      } finally {
        n.close();
      }
    } finally {
      await nodis.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
