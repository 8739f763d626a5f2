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
/** The line scripts/bundle.sh puts near the top of every bundle, unique to that build. */
const BUILD_LINE = /^\/\/ nodis-build .*$/m;

type ModuleWrapper = (exports: unknown, require: NodeJS.Require, module: unknown, filename: string, dirname: string) => void;

/**
 * What the code cache must have been made for: V8 checks a cache only against the length of its
 * source, so the file starts with the bundle's build line, modification time and size, and a
 * cache made for another bundle is never used.
 */
function bundleStamp(text: string): Buffer {
  const st = statSync(BUNDLE);
  const build = Buffer.from(BUILD_LINE.exec(text.slice(0, 1024))?.[0] ?? '', 'latin1');
  const stamp = Buffer.alloc(20 + build.length);
  stamp.writeUInt32LE(stamp.length, 0);
  stamp.writeDoubleLE(st.mtimeMs, 4);
  stamp.writeDoubleLE(st.size, 12);
  build.copy(stamp, 20);
  return stamp;
}

/** V8's code cache for the bundle, if the file holds one made for this very bundle. */
function readCodeCache(stamp: Buffer): Buffer | undefined {
  try {
    const file = readFileSync(CACHE);
    return file.subarray(0, stamp.length).equals(stamp) ? file.subarray(stamp.length) : undefined;
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

function runBundle(text: string): void {
  const stamp = bundleStamp(text);
  const cachedData = readCodeCache(stamp);
  // The entry's "#!" line is only valid at the very start of a script: keep it as a comment.
  const body = text.startsWith('#!') ? `//${text.slice(2)}` : text;
  // Node's own CommonJS wrapper, so the bundle sees the usual module variables.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${body}\n})`, {
    filename: BUNDLE,
    cachedData,
  });
  if (cachedData === undefined || script.cachedDataRejected) saveCodeCache(stamp, script);
  const moduleObject = { exports: {} };
  (script.runInThisContext() as ModuleWrapper)(moduleObject.exports, createRequire(BUNDLE), moduleObject, BUNDLE, dirname(BUNDLE));
}

let bundle: string | null = null;
try {
  bundle = readFileSync(BUNDLE, 'utf8');
} catch {
  // Not built: the modules below.
}
if (bundle !== null) {
  runBundle(bundle);
} else {
  import(pathToFileURL(join(__dirname, 'nodis-server.js')).href).catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
}
