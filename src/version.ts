// Version numbers: the Redis version nodis answers as, and its own.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from './util/root.cjs';
import { nodeCrypto } from './util/builtins.js';

/**
 * The Redis version nodis answers as (INFO, HELLO, LOLWUT, nodis-server --version): Redis 7.2
 * semantics, as Valkey reports too; clients switch features on it.
 */
export const REDIS_VERSION = '7.2.4';

/** nodis's own version, from package.json. */
export const NODIS_VERSION = ((): string => {
  try {
    const pkg = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
})();

let memoBuildId: string | undefined;

/**
 * A stable build id, like Redis's 16 hex digits (INFO redis_build_id, --version's build=); made
 * when first asked for, so that start-up does not load node:crypto for it.
 */
export function buildId(): string {
  return (memoBuildId ??= nodeCrypto().createHash('sha1').update(`nodis ${NODIS_VERSION}`).digest('hex').slice(0, 16));
}
