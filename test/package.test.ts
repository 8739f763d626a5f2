// The package as its users get it. An unbuilt copy of this work tree is packed (`prepare` builds
// dist/), the tarball is installed into an empty project, and there: `npx nodis-server` starts and
// answers, `import` and `require` load the library, and TypeScript projects without @types/node
// type-check against its declarations. Also: what the tarball holds, that its source maps point
// at shipped files, and that the committed lock file matches package.json.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RawConnection } from './helpers/resp.js';
import { freePort } from './helpers/oracle.js';

const run = promisify(execFile);
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TSC = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');

/** The copy to pack is made of the files git knows; a tree without git cannot be copied so. */
const isGitWorkTree = (): boolean => existsSync(join(REPO, '.git'));

interface PackageJson {
  name: string;
  version: string;
  license?: string;
  bin?: Record<string, string>;
  engines?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

it('the committed lock file matches package.json', () => {
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as PackageJson;
  const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as {
    name: string;
    version: string;
    packages: Record<string, PackageJson>;
  };
  const root = lock.packages[''];
  assert.equal(lock.name, pkg.name);
  assert.equal(lock.version, pkg.version);
  for (const field of ['name', 'version', 'license', 'bin', 'engines', 'dependencies', 'devDependencies'] as const) {
    assert.deepEqual(root[field], pkg[field], `package-lock.json's ${field} (run npm install)`);
  }
  for (const name of Object.keys(pkg.devDependencies ?? {})) {
    assert.ok(lock.packages[`node_modules/${name}`], `${name} in package-lock.json`);
  }
});

describe('npm pack, then install into an empty project', { skip: isGitWorkTree() ? undefined : 'not a git work tree' }, () => {
  let tmp = '';
  let app = '';
  let files: string[] = [];

  before(async () => {
    tmp = realpathSync(mkdtempSync(join(tmpdir(), 'nodis-pack-')));
    // An unbuilt copy: the files git knows (tracked, or new and not ignored), no dist/.
    const copy = join(tmp, 'nodis');
    const { stdout } = await run('git', ['ls-files', '-z', '-co', '--exclude-standard'], { cwd: REPO, maxBuffer: 16 << 20 });
    for (const f of stdout.split('\0')) {
      if (f === '' || !existsSync(join(REPO, f))) continue;
      mkdirSync(dirname(join(copy, f)), { recursive: true });
      copyFileSync(join(REPO, f), join(copy, f));
    }
    assert.ok(!existsSync(join(copy, 'dist')));
    symlinkSync(join(REPO, 'node_modules'), join(copy, 'node_modules'));
    const packed = await run('npm', ['pack', '--json', '--silent', '--pack-destination', tmp], { cwd: copy, maxBuffer: 16 << 20 });
    const report = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as Array<{ filename: string; files: Array<{ path: string }> }>;
    files = report[0].files.map((f) => f.path);
    app = join(tmp, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true }));
    await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(tmp, report[0].filename)], { cwd: app });
  });

  after(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('holds the built server and library, LICENSE, README and data, and no tests', () => {
    for (const f of [
      'package.json', 'LICENSE', 'README.md', 'data/command-info.json', 'data/command-docs.json',
      'dist/src/bin.cjs', 'dist/bundle/nodis-server.cjs', 'dist/src/index.js', 'dist/src/index.d.ts',
      'dist/cjs/index.js', 'dist/cjs/index.d.ts', 'dist/cjs/package.json', 'src/index.ts',
    ]) {
      assert.ok(files.includes(f), `${f} in the tarball`);
    }
    const unwanted = files.filter((f) => /^(dist\/(test|bench|scripts|examples)|test|bench|scripts|examples|node_modules)\//.test(f));
    assert.deepEqual(unwanted, []);
  });

  it('has source maps whose sources are in the package', () => {
    const pkgDir = join(app, 'node_modules', 'nodis');
    const maps: string[] = [];
    const walk = (d: string): void => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(join(d, e.name));
        else if (e.name.endsWith('.map')) maps.push(join(d, e.name));
      }
    };
    walk(join(pkgDir, 'dist'));
    assert.ok(maps.length > 10);
    for (const m of maps) {
      const { sources } = JSON.parse(readFileSync(m, 'utf8')) as { sources: string[] };
      for (const s of sources) assert.ok(existsSync(resolve(dirname(m), s)), `${relative(pkgDir, m)} -> ${s}`);
    }
  });

  it('runs `npx nodis-server`, which answers PING', async () => {
    const port = await freePort();
    const dir = join(tmp, 'server');
    mkdirSync(dir);
    const child = spawn('npx', ['--no-install', 'nodis-server', '--port', String(port), '--bind', '127.0.0.1', '--dir', dir], {
      cwd: app,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', r));
    try {
      const deadline = Date.now() + 20_000;
      while (!out.includes('Ready to accept connections tcp')) {
        assert.ok(Date.now() < deadline && child.exitCode === null, out);
        await new Promise((r) => setTimeout(r, 20));
      }
      const c = await RawConnection.open({ port });
      assert.equal(await c.call('PING'), '+PONG\r\n');
      await c.call('SHUTDOWN', 'NOSAVE');
      c.close();
      assert.equal(await exited, 0, out);
    } finally {
      child.kill('SIGKILL');
    }
  });

  const script = (load: string): string => `
    ${load}
    const server = await startServer({ data: { k: 'v' } });
    const { connect } = await import('node:net');
    const socket = connect(server.port, '127.0.0.1');
    socket.write('GET k\\r\\n');
    socket.once('data', async (reply) => {
      console.log(JSON.stringify(reply.toString()));
      socket.destroy();
      await server.close();
    });
  `;

  it("loads with require('nodis') (CommonJS)", async () => {
    const src = `(async () => { ${script("const { startServer } = require('nodis');")} })();`;
    const { stdout } = await run(process.execPath, ['-e', src], { cwd: app });
    assert.equal(stdout, '"$1\\r\\nv\\r\\n"\n');
  });

  it("loads with import 'nodis' (ES modules)", async () => {
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script("import { startServer } from 'nodis';")], { cwd: app });
    assert.equal(stdout, '"$1\\r\\nv\\r\\n"\n');
  });

  it('type-checks in TypeScript projects without @types/node, as ES module and as CommonJS', async () => {
    const consumer = [
      "import { startServer, type NodisServer, type StartOptions } from 'nodis';",
      "const options: StartOptions = { requirepass: 'secret', maxmemory: '10mb', data: { greeting: 'hello' }, log: (line: string) => void line };",
      'export async function main(): Promise<string> {',
      '  const server: NodisServer = await startServer(options);',
      '  server.clock.advance(1001);',
      '  await server.flushAll();',
      '  await server[Symbol.asyncDispose]();',
      '  return server.url;',
      '}',
      '',
    ].join('\n');
    writeFileSync(join(app, 'esm.mts'), consumer);
    writeFileSync(join(app, 'cjs.cts'), consumer);
    writeFileSync(
      join(app, 'using.mts'),
      "import { startServer } from 'nodis';\nexport async function main(): Promise<number> {\n  await using server = await startServer();\n  return server.port;\n}\n",
    );
    const options = { module: 'nodenext', target: 'es2022', types: [], strict: true, noEmit: true, skipLibCheck: false };
    // Plain ES2022, and with the disposable library (`await using`), which declares Symbol.asyncDispose too.
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions: { ...options, lib: ['es2022'] }, files: ['esm.mts', 'cjs.cts'] }));
    writeFileSync(
      join(app, 'tsconfig.using.json'),
      JSON.stringify({ compilerOptions: { ...options, lib: ['es2022', 'esnext.disposable'] }, files: ['using.mts', 'cjs.cts'] }),
    );
    for (const project of ['tsconfig.json', 'tsconfig.using.json']) {
      const r = await run(process.execPath, [TSC, '-p', project], { cwd: app }).catch((e: { stdout: string }) => e);
      assert.equal(r.stdout, '', `${project}: ${r.stdout}`);
    }
  });
});
