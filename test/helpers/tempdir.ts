// Temporary directories for tests that write files, removed when the test file is done.

import { after } from 'node:test';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A maker of fresh directories named prefix…, each removed once every test of the file has run
 * (registered with node:test's after at the top level of the calling file). Paths are real ones
 * (no symlink in them), as a server's `dir` reports them.
 */
export function tempDirs(prefix: string): () => string {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  return () => {
    const d = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
    dirs.push(d);
    return d;
  };
}
