// The nodis-server command (dist/src/bin.cjs): it runs the one-file build, dist/bundle/nodis-server.cjs,
// with V8's code cache kept beside it. Each test runs a copy of the command and bundle in a folder
// of its own, beside links to data/ and node_modules/, so the bundle is seen to work without
// dist/src's modules and the cache file is the test's own.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { RawConnection } from './helpers/resp.js';
import { killHard, startCliServer } from './helpers/cli.js';
import { versionLine } from '../src/cli.js';

const run = promisify(execFile);
const DIST = resolve(fileURLToPath(new URL('..', import.meta.url)));
const REPO = resolve(DIST, '..');
const dirs: string[] = [];

after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A package folder holding the command and the bundle (or, with modules, all of dist/src and no bundle). */
function installCopy(layout: 'bundle' | 'modules'): { root: string; bin: string; bundle: string; cache: string } {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'nodis-bin-test-')));
  dirs.push(root);
  symlinkSync(join(REPO, 'data'), join(root, 'data'));
  symlinkSync(join(REPO, 'node_modules'), join(root, 'node_modules'));
  copyFileSync(join(REPO, 'package.json'), join(root, 'package.json'));
  mkdirSync(join(root, 'dist', 'src'), { recursive: true });
  if (layout === 'modules') {
    cpSync(join(DIST, 'src'), join(root, 'dist', 'src'), { recursive: true });
  } else {
    copyFileSync(join(DIST, 'src', 'bin.cjs'), join(root, 'dist', 'src', 'bin.cjs'));
    cpSync(join(DIST, 'bundle'), join(root, 'dist', 'bundle'), {
      recursive: true,
      filter: (f) => !f.endsWith('.cache'),
    });
  }
  const bundle = join(root, 'dist', 'bundle', 'nodis-server.cjs');
  return { root, bin: join(root, 'dist', 'src', 'bin.cjs'), bundle, cache: `${bundle}.cache` };
}

/** Starts the command in the copy, checks it serves, and stops it. */
async function serveOnce(bin: string, dir: string): Promise<void> {
  const server = await startCliServer(dir, [], bin);
  const c = await RawConnection.open({ path: server.socket });
  try {
    assert.equal(await c.call('PING'), '+PONG\r\n');
    assert.equal(await c.call('SET', 'k', 'v'), '+OK\r\n');
    // The Lua engine, a dependency the bundle loads from node_modules on first use.
    assert.equal(await c.call('EVAL', "return redis.call('GET', KEYS[1])", '1', 'k'), '$1\r\nv\r\n');
    assert.equal(
      await c.call('FUNCTION', 'LOAD', "#!lua name=lib\nredis.register_function('f', function() return 7 end)"),
      '$3\r\nlib\r\n',
    );
    assert.equal(await c.call('FCALL', 'f', '0'), ':7\r\n');
    // COMMAND DOCS reads data/ from the package root the bundle finds.
    assert.match((await c.call('COMMAND', 'DOCS', 'GET')) ?? '', /Get the value of a key/);
  } finally {
    c.close();
    await killHard(server.child);
  }
}

describe('the nodis-server command', () => {
  it('runs the bundle: the server answers, loads the Lua engine and finds data/', async () => {
    const copy = installCopy('bundle');
    await serveOnce(copy.bin, copy.root);
  });

  it('prints the version line', async () => {
    const copy = installCopy('bundle');
    const { stdout } = await run(process.execPath, [copy.bin, '--version']);
    assert.equal(stdout, `${versionLine()}\n`);
  });

  it('saves the code cache on the first start and keeps it while it fits the bundle', async () => {
    const copy = installCopy('bundle');
    assert.ok(!existsSync(copy.cache));
    await serveOnce(copy.bin, copy.root);
    const first = statSync(copy.cache);
    // The stamp: its length, the bundle's mtime and size, and the bundle's build line.
    const cache = readFileSync(copy.cache);
    const stampLength = cache.readUInt32LE(0);
    const buildLine = readFileSync(copy.bundle, 'latin1').split('\n')[1];
    assert.match(buildLine, /^\/\/ nodis-build \S+$/);
    assert.equal(cache.readDoubleLE(4), statSync(copy.bundle).mtimeMs);
    assert.equal(cache.readDoubleLE(12), statSync(copy.bundle).size);
    assert.equal(cache.toString('latin1', 20, stampLength), buildLine);
    assert.ok(first.size > 100_000, `a cache of ${first.size} bytes`);
    // V8 took the cache: a rejected one would have been written again.
    await serveOnce(copy.bin, copy.root);
    const second = statSync(copy.cache);
    assert.equal(second.ino, first.ino);
    assert.equal(second.mtimeMs, first.mtimeMs);
    // A rebuilt bundle (here: a new mtime) gets a new cache.
    const later = new Date(Date.now() + 5000);
    utimesSync(copy.bundle, later, later);
    await serveOnce(copy.bin, copy.root);
    const third = statSync(copy.cache);
    assert.notEqual(third.ino, first.ino);
    assert.equal(readFileSync(copy.cache).readDoubleLE(4), statSync(copy.bundle).mtimeMs);
    // Another build of the same size and mtime (V8 itself would take the old cache for it).
    const old = statSync(copy.bundle);
    const text = readFileSync(copy.bundle, 'latin1');
    const other = text.replace(buildLine, buildLine.replace(/.$/, (c) => (c === '0' ? '1' : '0')));
    assert.equal(other.length, text.length);
    writeFileSync(copy.bundle, other, 'latin1');
    utimesSync(copy.bundle, old.atime, old.mtime);
    assert.equal(statSync(copy.bundle).mtimeMs, old.mtimeMs);
    await serveOnce(copy.bin, copy.root);
    assert.notEqual(statSync(copy.cache).ino, third.ino);
    const again = readFileSync(copy.cache);
    assert.equal(again.toString('latin1', 20, again.readUInt32LE(0)), other.split('\n')[1]);
  });

  it('starts when the cache cannot be saved, and leaves no temporary file', async () => {
    const copy = installCopy('bundle');
    // A folder where the cache file would go: reading it fails, and so does renaming onto it.
    mkdirSync(copy.cache);
    await serveOnce(copy.bin, copy.root);
    assert.ok(statSync(copy.cache).isDirectory());
    assert.deepEqual(readdirSync(join(copy.root, 'dist', 'bundle')).filter((f) => f.endsWith('.tmp')), []);
  });

  it('starts without the built-in modules only some commands need (start-up time)', async () => {
    const copy = installCopy('bundle');
    // A wrapper that runs the command and, as the process exits, prints the built-in modules Node
    // has loaded (process.moduleLoadList: "NativeModule net", …).
    const probe = join(copy.root, 'probe.cjs');
    writeFileSync(
      probe,
      `process.on('exit', () => process.stdout.write('\\nbuiltins ' + process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13)).join(' ') + '\\n'));\n` +
        `require(${JSON.stringify(copy.bin)});\n`,
    );
    const server = await startCliServer(copy.root, [], probe);
    const exited = new Promise((r) => server.child.once('exit', r));
    const c = await RawConnection.open({ path: server.socket });
    try {
      assert.equal(await c.call('PING'), '+PONG\r\n');
      await c.call('SHUTDOWN', 'NOSAVE').catch(() => null);
      await exited;
    } finally {
      c.close();
    }
    const line = /\nbuiltins (.*)\n/.exec(server.out());
    assert.ok(line, server.out());
    const loaded = new Set(line[1].split(' '));
    assert.ok(loaded.has('net'), line[1]); // (the list is the one wanted)
    for (const name of ['crypto', 'worker_threads', 'fs/promises']) assert.ok(!loaded.has(name), `${name} loaded at start-up`);
  });

  it('runs the ES modules when there is no bundle', async () => {
    const copy = installCopy('modules');
    assert.ok(!existsSync(join(copy.root, 'dist', 'bundle')));
    await serveOnce(copy.bin, copy.root);
  });
});
