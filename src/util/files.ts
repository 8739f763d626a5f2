// Small file-system steps shared by the persistence modules.

import { unlinkSync } from 'node:fs';

/** Deletes path if it is there (a temp file never created, or already gone, is no error). */
export function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Never created, or gone already.
  }
}
