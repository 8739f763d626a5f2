// The package's software bill of materials: what an installation of nodis brings, as CycloneDX
// JSON from `npm sbom` (production dependencies only, read from package-lock.json), written to
// dist/sbom.cdx.json and checked against the lock file:
//   npm run sbom
// The check: the SBOM describes nodis at this version with its license, and lists every runtime
// dependency in the lock file (none today) at its locked version, and nothing else.

import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface CycloneDx {
  bomFormat: string;
  metadata: { component: { name: string; version: string; purl?: string; licenses?: Array<{ license: { id?: string } }> } };
  components: Array<{ name: string; version: string; group?: string }>;
}

interface Lock {
  packages: Record<string, { version?: string; dev?: boolean }>;
}

interface Manifest {
  name: string;
  version: string;
  license: string;
}

/** The packages an installation of nodis brings (name -> version): the lock's entries not marked dev. */
export function runtimePackages(lock: Lock): Map<string, string> {
  const out = new Map<string, string>();
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === '' || entry.dev) continue;
    const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    out.set(name, entry.version ?? '');
  }
  return out;
}

/** What is wrong with the SBOM (an empty list when nothing is). */
export function checkSbom(sbom: CycloneDx, lock: Lock, pkg: Manifest): string[] {
  const problems: string[] = [];
  const root = sbom.metadata.component;
  if (sbom.bomFormat !== 'CycloneDX') problems.push(`bomFormat is ${sbom.bomFormat}`);
  if (root.name !== pkg.name || root.version !== pkg.version) {
    problems.push(`describes ${root.name}@${root.version}, not ${pkg.name}@${pkg.version}`);
  }
  if (!root.licenses?.some((l) => l.license.id === pkg.license)) problems.push(`lacks the license ${pkg.license}`);
  const listed = new Map(sbom.components.map((c) => [c.group ? `${c.group}/${c.name}` : c.name, c.version]));
  for (const [name, version] of runtimePackages(lock)) {
    if (!listed.has(name)) problems.push(`runtime dependency ${name}@${version} is missing`);
    else if (listed.get(name) !== version) problems.push(`${name} is listed at ${listed.get(name)}, locked at ${version}`);
  }
  for (const name of listed.keys()) {
    if (!runtimePackages(lock).has(name)) problems.push(`${name} is listed but is no runtime dependency`);
  }
  return problems;
}

/** Runs npm sbom and names the root component after package.json (npm names it after the folder). */
export function makeSbom(): CycloneDx {
  const out = execFileSync('npm', ['sbom', '--sbom-format', 'cyclonedx', '--omit', 'dev', '--package-lock-only'], {
    cwd: REPO,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const sbom = JSON.parse(out) as CycloneDx;
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as Manifest;
  sbom.metadata.component.name = pkg.name;
  return sbom;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const sbom = makeSbom();
  const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as Lock;
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as Manifest;
  const file = join(REPO, 'dist', 'sbom.cdx.json');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(sbom, null, 2)}\n`);
  const problems = checkSbom(sbom, lock, pkg);
  for (const p of problems) console.error(`sbom: ${p}`);
  console.log(`sbom: ${file}: ${pkg.name}@${pkg.version}, ${sbom.components.length} runtime components`);
  if (problems.length) process.exit(1);
}
