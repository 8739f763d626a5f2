// Carries out the Dockerfile without a container engine (none runs on the development machines or
// in CI), then starts the result as the image would, and checks it:
//   npm run docker:sim [-- --keep]
//
// Each stage gets a root folder in a temporary directory, and its instructions are carried out
// there, with the host's node and npm standing for the images' (node:20 for the build, distroless
// nodejs20 for the runtime):
//   FROM image [AS name]   a new, empty root
//   WORKDIR dir            made in the root; relative paths start there
//   COPY [--from=stage] [--chown=uid:gid] src... dst
//                          from the build context (honouring .dockerignore) or another stage's root
//   RUN command            sh -c in the root's working directory (an absolute path in the command
//                          is refused: it would reach the host's files, not the stage's)
//   USER, EXPOSE, VOLUME, HEALTHCHECK, ENTRYPOINT, CMD   kept for the run
// The last stage then runs as `docker run` would: ENTRYPOINT + CMD in its working directory, as its
// USER when this runs as root, with image paths mapped into the root. One difference: the server
// gets `--port <a free port>` (and the health check that port), since the exposed port may be in
// use here. The checks: the health check passes, the server answers, the runtime root holds only
// package.json, production node_modules (its dependencies only), dist/src, dist/bundle and data, and SHUTDOWN saves
// into the volume.

import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

interface Stage {
  name: string;
  root: string;
  workdir: string;
  user: string | null;
  expose: number[];
  volumes: string[];
  healthcheck: string[] | null;
  entrypoint: string[];
  cmd: string[];
}

/** One instruction: its keyword and the rest of its (joined) lines. */
function instructions(dockerfile: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  let pending = '';
  for (const raw of dockerfile.split('\n')) {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const full = pending + line;
    pending = '';
    const sp = full.indexOf(' ');
    out.push([full.slice(0, sp).toUpperCase(), full.slice(sp + 1).trim()]);
  }
  return out;
}

/** A JSON array (exec form), as ENTRYPOINT, CMD and HEALTHCHECK CMD take them here. */
function execForm(text: string, what: string): string[] {
  const v: unknown = JSON.parse(text);
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new Error(`${what}: exec form (a JSON array) expected`);
  return v;
}

/** .dockerignore's patterns: `*` within one path segment; a pattern matching a folder takes it all. */
function ignoreMatcher(context: string): (rel: string) => boolean {
  const file = join(context, '.dockerignore');
  const patterns = existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l !== '' && !l.startsWith('#'))
        .map((p) => new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`))
    : [];
  return (rel) => {
    const parts = rel.split('/');
    return parts.some((_, i) => patterns.some((re) => re.test(parts.slice(0, i + 1).join('/'))));
  };
}

/** A path in a stage: absolute ones from its root, relative ones from its working directory. */
function inStage(stage: Stage, p: string): string {
  return join(stage.root, p.startsWith('/') ? p : join(stage.workdir, p));
}

function copy(from: string, to: string, ignored: ((rel: string) => boolean) | null, base: string, chown: [number, number] | null): void {
  cpSync(from, to, {
    recursive: true,
    filter: (src) => !ignored || relative(base, src) === '' || !ignored(relative(base, src)),
  });
  if (chown && process.getuid?.() === 0) {
    const walk = (p: string): void => {
      chownSync(p, chown[0], chown[1]);
      if (statSync(p).isDirectory()) for (const e of readdirSync(p)) walk(join(p, e));
    };
    walk(to);
  }
}

function build(dockerfile: string, context: string, tmp: string, log: (line: string) => void): Stage[] {
  const stages: Stage[] = [];
  const ignored = ignoreMatcher(context);
  let stage: Stage | null = null;
  for (const [op, arg] of instructions(dockerfile)) {
    if (op === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(arg);
      if (!m) throw new Error(`FROM ${arg}`);
      const name = m[2] ?? String(stages.length);
      const root = join(tmp, `stage-${name}`);
      mkdirSync(root);
      stage = { name, root, workdir: '/', user: null, expose: [], volumes: [], healthcheck: null, entrypoint: [], cmd: [] };
      stages.push(stage);
      log(`== stage ${name} (${m[1]}: the host's node ${process.version} and npm stand for it)`);
      continue;
    }
    if (!stage) throw new Error(`${op} before FROM`);
    const s: Stage = stage;
    log(`${op} ${arg}`);
    switch (op) {
      case 'WORKDIR':
        s.workdir = arg.startsWith('/') ? arg : join(s.workdir, arg);
        mkdirSync(join(s.root, s.workdir), { recursive: true });
        break;
      case 'COPY': {
        const words = arg.split(/\s+/);
        let fromStage: Stage | null = null;
        let chown: [number, number] | null = null;
        while (words[0].startsWith('--')) {
          const flag = words.shift()!;
          const from = /^--from=(.+)$/.exec(flag);
          const own = /^--chown=(\d+):(\d+)$/.exec(flag);
          if (from) fromStage = stages.find((x) => x.name === from[1]) ?? null;
          else if (own) chown = [Number(own[1]), Number(own[2])];
          else throw new Error(`COPY: unsupported ${flag}`);
          if (from && !fromStage) throw new Error(`COPY: no stage ${from[1]}`);
        }
        const dst = words.pop()!;
        const target = inStage(s, dst);
        for (const src of words) {
          const source = fromStage ? join(fromStage.root, src) : join(context, src);
          if (!fromStage && ignored(src)) throw new Error(`COPY ${src}: excluded by .dockerignore`);
          if (!existsSync(source)) throw new Error(`COPY ${src}: not found`);
          // Docker copies a folder's contents into dst, a file into dst/ (a folder) or as dst.
          const to = statSync(source).isDirectory() || !dst.endsWith('/') ? target : join(target, basename(src));
          mkdirSync(statSync(source).isDirectory() ? to : dirname(to), { recursive: true });
          copy(source, to, fromStage ? null : ignored, fromStage ? source : context, chown);
        }
        break;
      }
      case 'RUN': {
        if (/(^|[\s;&|=])\//.test(arg)) throw new Error(`RUN ${arg}: absolute paths would reach the host`);
        const r = spawnSync('sh', ['-c', arg], { cwd: join(s.root, s.workdir), encoding: 'utf8', maxBuffer: 64 << 20 });
        const output = `${r.stdout ?? ''}${r.stderr ?? ''}`.trimEnd();
        if (output) log(output);
        if (r.status !== 0) throw new Error(`RUN ${arg}: exit ${r.status}\n${output}`);
        break;
      }
      case 'USER':
        s.user = arg;
        break;
      case 'EXPOSE':
        s.expose.push(...arg.split(/\s+/).map((p) => Number.parseInt(p, 10)));
        break;
      case 'VOLUME':
        s.volumes.push(...arg.split(/\s+/));
        break;
      case 'HEALTHCHECK': {
        const at = arg.indexOf('CMD ');
        if (at < 0) throw new Error('HEALTHCHECK: CMD expected');
        s.healthcheck = execForm(arg.slice(at + 4), 'HEALTHCHECK');
        break;
      }
      case 'ENTRYPOINT':
        s.entrypoint = execForm(arg, 'ENTRYPOINT');
        break;
      case 'CMD':
        s.cmd = execForm(arg, 'CMD');
        break;
      default:
        throw new Error(`unsupported instruction ${op}`);
    }
  }
  return stages;
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => res(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

/** Sends one inline command; resolves with the first reply line (or '' when the server closes). */
function command(port: number, line: string): Promise<string> {
  return new Promise((res, rej) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    socket.on('connect', () => socket.write(`${line}\r\n`));
    socket.on('data', (b: Buffer) => {
      data += b.toString('latin1');
      if (data.includes('\r\n')) {
        socket.destroy();
        res(data.slice(0, data.indexOf('\r\n')));
      }
    });
    socket.on('close', () => res(data));
    socket.on('error', rej);
  });
}

/** Every path under root (relative), folders included. */
function tree(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(join(root, d), { withFileTypes: true })) {
      const rel = d ? `${d}/${e.name}` : e.name;
      out.push(rel);
      if (e.isDirectory()) walk(rel);
    }
  };
  walk('');
  return out;
}

export async function simulate(opts: { keep?: boolean; log?: (line: string) => void } = {}): Promise<void> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const tmp = mkdtempSync(join(tmpdir(), 'nodis-docker-sim-'));
  // The runtime user must be able to reach the stage roots.
  chmodSync(tmp, 0o755);
  try {
    const stages = build(readFileSync(join(REPO, 'Dockerfile'), 'utf8'), REPO, tmp, log);
    const image = stages[stages.length - 1];

    // Only what runs is in the image.
    const files = tree(image.root);
    const unexpected = files.filter((f) => !/^(app(\/(package\.json|node_modules|data|dist|dist\/src|dist\/bundle)(\/.*)?)?|data)$/.test(f));
    if (unexpected.length) throw new Error(`the image holds more than it runs: ${unexpected.slice(0, 10).join(', ')}`);
    if (files.some((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))) throw new Error('the image holds TypeScript sources');
    // node_modules holds the production dependencies (lua-redis-wasm), and nothing else.
    const manifest = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    const wanted = Object.keys(manifest.dependencies ?? {}).sort().join(', ');
    const present = readdirSync(join(image.root, 'app', 'node_modules')).filter((n) => !n.startsWith('.')).sort().join(', ');
    if (present !== wanted) throw new Error(`the image's node_modules holds [${present}], not nodis's production dependencies [${wanted}]`);

    const port = await freePort();
    const exposed = image.expose[0];
    const mapArg = (a: string): string =>
      a === '/nodejs/bin/node' ? process.execPath : a.startsWith('/') && existsSync(join(image.root, a)) ? join(image.root, a) : a === String(exposed) ? String(port) : a;
    const [cmd, ...args] = [...image.entrypoint, ...image.cmd, '--port', String(port)].map(mapArg);
    const cwd = join(image.root, image.workdir);
    const [uid, gid] = (image.user ?? '').split(':').map(Number);
    const asUser = process.getuid?.() === 0 && Number.isInteger(uid) ? { uid, gid: Number.isInteger(gid) ? gid : uid } : {};
    log(`== run: ${[cmd, ...args].join(' ')}\n   in ${cwd}${'uid' in asUser ? ` as ${asUser.uid}:${asUser.gid}` : ''}`);
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], ...asUser });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', r));
    try {
      const deadline = Date.now() + 20_000;
      while (!out.includes('Ready to accept connections tcp')) {
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the server did not start:\n${out}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      if (image.healthcheck) {
        const [hc, ...hcArgs] = image.healthcheck.map(mapArg);
        const r = spawnSync(hc, hcArgs, { cwd, ...asUser });
        if (r.status !== 0) throw new Error(`HEALTHCHECK failed (exit ${r.status}): ${r.stderr}`);
        log('HEALTHCHECK passed');
      }
      const set = await command(port, 'SET greeting hello');
      if (set !== '+OK') throw new Error(`SET: ${set}`);
      await command(port, 'SHUTDOWN');
      if ((await exited) !== 0) throw new Error(`exit status ${child.exitCode}:\n${out}`);
      const volume = image.volumes[0] ?? image.workdir;
      const dump = join(image.root, volume, 'dump.rdb');
      if (!existsSync(dump)) throw new Error(`SHUTDOWN saved no snapshot in ${volume}:\n${out}`);
      if ('uid' in asUser && statSync(dump).uid !== asUser.uid) throw new Error('the snapshot is not owned by the image user');
      log(`served, and SHUTDOWN saved ${join(volume, 'dump.rdb')}`);
    } finally {
      child.kill('SIGKILL');
    }
  } finally {
    if (opts.keep) log(`kept ${tmp}`);
    else rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  simulate({ keep: process.argv.includes('--keep') }).then(
    () => console.log('docker-sim: ok'),
    (e: unknown) => {
      console.error(`docker-sim: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    },
  );
}
