#!/usr/bin/env node
// The nodis-server command (package.json "bin", `npm start`). It runs dist/bundle/nodis-server.cjs,
// the server's modules joined into one file by the build, which Node loads several times faster
// than the ~100 ES modules of dist/src: resolving, reading and linking them was most of start-up.
// The bundle is compiled with V8's code cache when the one kept next to it fits (same bundle, same
// Node and V8 flags); otherwise this start compiles it and, if the folder is writable, saves the
// cache for the next start. Without a bundle (a build by tsc alone), it runs the ES modules.
//
// CommonJS, so that nothing but this file is loaded before the bundle.

import { accessSync, constants, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Script } from 'node:vm';

const BUNDLE = join(__dirname, '..', 'bundle', 'nodis-server.cjs');
const CACHE = `${BUNDLE}.cache`;
/** The cache file starts with the bundle's mtime and size: V8 checks a cache against the source's length only. */
const STAMP_BYTES = 16;

type ModuleWrapper = (exports: unknown, require: NodeJS.Require, module: unknown, filename: string, dirname: string) => void;

function bundleStamp(): Buffer | null {
  try {
    const st = statSync(BUNDLE);
    const stamp = Buffer.alloc(STAMP_BYTES);
    stamp.writeDoubleLE(st.mtimeMs, 0);
    stamp.writeDoubleLE(st.size, 8);
    return stamp;
  } catch {
    return null;
  }
}

/** V8's code cache for the bundle, if the file holds one made for this very bundle. */
function readCodeCache(stamp: Buffer): Buffer | undefined {
  try {
    const file = readFileSync(CACHE);
    return file.subarray(0, STAMP_BYTES).equals(stamp) ? file.subarray(STAMP_BYTES) : undefined;
  } catch {
    return undefined;
  }
}

/** Saves the compiled bundle's code cache, whole or not at all (a rename), when the folder is writable. */
function saveCodeCache(stamp: Buffer, script: Script): void {
  const temp = `${CACHE}.${process.pid}.tmp`;
  try {
    accessSync(dirname(CACHE), constants.W_OK);
    writeFileSync(temp, Buffer.concat([stamp, script.createCachedData()]));
    renameSync(temp, CACHE);
  } catch {
    try {
      unlinkSync(temp);
    } catch {
      // Never written.
    }
  }
}

function runBundle(stamp: Buffer): void {
  const cachedData = readCodeCache(stamp);
  let text = readFileSync(BUNDLE, 'utf8');
  // The entry's "#!" line is only valid at the very start of a script: keep it as a comment.
  if (text.startsWith('#!')) text = `//${text.slice(2)}`;
  // Node's own CommonJS wrapper, so the bundle sees the usual module variables.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${text}\n})`, {
    filename: BUNDLE,
    cachedData,
  });
  if (cachedData === undefined || script.cachedDataRejected) saveCodeCache(stamp, script);
  const moduleObject = { exports: {} };
  (script.runInThisContext() as ModuleWrapper)(moduleObject.exports, createRequire(BUNDLE), moduleObject, BUNDLE, dirname(BUNDLE));
}

const stamp = bundleStamp();
if (stamp) {
  runBundle(stamp);
} else {
  import(pathToFileURL(join(__dirname, 'nodis-server.js')).href).catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
}
