// The ratchet's bookkeeping for Redis's own Tcl suite: the known-failures list (its file format,
// reading, writing), the timing-sensitive list, and the comparison of one unit's result with
// what the list expects. No processes here; scripts/redis-suite.ts runs the suite.
//
// known-failures.txt holds one group per mode and unit that was run:
//
//   == spawn unit/keyspace fail ok=43 failed=10
//   reason: COPY of lists, sets, hashes, sorted sets, streams; MOVE
//   [err]: COPY basic usage for list in tests/unit/keyspace.tcl
//   ...
//
// The header gives the unit's expected status (as redis-suite reports it: pass, fail, empty,
// exception, timeout, killed, crashed), how many tests pass (`ok`, not counting timing-sensitive
// tests) and, for information, how many count as failed (`failed`, which includes tests that
// never ran in an aborted unit). A unit that passes completely is one header line. Optional:
// `limits=FILE/TEST` (seconds: the unit's wall-clock limit and its no-progress limit), and the
// status `skip` for a unit that is not run at all (its reason says why).

export type Mode = 'external' | 'spawn';
export const MODES: readonly Mode[] = ['external', 'spawn'];

/** Statuses that need no reason: every test passed, or none ran (all of them external:skip). */
const CLEAN = new Set(['pass', 'empty']);

/** Statuses where the unit stopped before its end. */
const ABORTED = new Set(['exception', 'timeout', 'killed', 'crashed', 'server-down']);

export interface Limits {
  file: number;
  test: number;
}

export interface Group {
  mode: Mode;
  unit: string;
  status: string;
  /** Passing tests, timing-sensitive ones left out. */
  ok: number;
  /** redis-suite's failed count (err + exception + timeout + unrun), for information. */
  failed: number;
  limits: Limits | null;
  reason: string;
  /** Failure lines as in failures.txt without the unit prefix, normalized, sorted. */
  failures: string[];
}

/** One unit as a run saw it. */
export interface UnitResult {
  mode: Mode;
  unit: string;
  status: string;
  ok: number;
  failed: number;
  /** Of failed, the tests that never ran (skipped by the harness: they make no status fail). */
  unrun?: number;
  secs: number;
  /** Normalized failure lines, sorted (timing-sensitive ones included). */
  failures: string[];
  /** Names of the tests that passed. */
  okNames: string[];
}

export const groupKey = (mode: string, unit: string): string => `${mode} ${unit}`;

/**
 * A failure line as it should be compared. Lines naming a test end with " in tests/<file>.tcl" and
 * are stable; other lines (an error raised outside any test, cut by the harness, or an exception)
 * can carry ports, pids, times and the run's temporary folder, so those are replaced.
 */
export function normalizeFailure(line: string): string {
  const s = line.trim();
  if (/ in tests\/\S+\.tcl$/.test(s)) return s;
  return s.replace(/[^\s"']*\/tests\/tmp\//g, 'tests/tmp/').replace(/\d+/g, 'N');
}

/** The test name of a failure line ("[err]: NAME in tests/x.tcl"), or null. */
export function failureTestName(line: string): string | null {
  const m = /^\[(?:err|exception)\]: (.*) in tests\/\S+\.tcl$/.exec(line);
  return m ? m[1] : null;
}

export function parseList(text: string, file = 'known-failures.txt'): Map<string, Group> {
  const groups = new Map<string, Group>();
  let g: Group | null = null;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trimEnd();
    const where = `${file}:${i + 1}`;
    if (line === '' || line.startsWith('#')) return;
    if (line.startsWith('== ')) {
      const [mode, unit, status, ...attrs] = line.slice(3).trim().split(/\s+/);
      if (!MODES.includes(mode as Mode) || !unit || !status) throw new Error(`${where}: bad group header: ${line}`);
      g = { mode: mode as Mode, unit, status, ok: 0, failed: 0, limits: null, reason: '', failures: [] };
      for (const a of attrs) {
        const [k, v] = a.split('=');
        if (k === 'ok' || k === 'failed') g[k] = Number(v);
        else if (k === 'limits' && /^\d+\/\d+$/.test(v)) {
          const [file, test] = v.split('/').map(Number);
          g.limits = { file, test };
        } else throw new Error(`${where}: unknown attribute ${a}`);
      }
      const key = groupKey(g.mode, g.unit);
      if (groups.has(key)) throw new Error(`${where}: ${key} listed twice`);
      groups.set(key, g);
      return;
    }
    if (!g) throw new Error(`${where}: line outside a group: ${line}`);
    if (line.startsWith('reason:')) g.reason = line.slice(7).trim();
    else g.failures.push(normalizeFailure(line));
  });
  for (const grp of groups.values()) grp.failures.sort();
  return groups;
}

const HEADER = `# Redis's own Tcl test suite (7.0.15) against nodis: what is known to fail.
#
# Checked by \`npm run test:suite\` (scripts/redis-suite.ts), which fails when a unit's result differs
# from its group here, either way: a test fails that is not listed, or a listed test no longer fails,
# or the unit's status or number of passing tests changed. The list only shrinks and tells the truth.
# Regenerate it from a run with \`npm run test:suite -- --update\` (reasons and limits are kept for
# units already listed; new groups get "reason: TODO", to be written by hand).
#
# Group header: == MODE UNIT STATUS ok=N failed=N [limits=FILE/TEST]
#   MODE     external (the suite talks to one nodis-server) or spawn (the suite starts nodis-server
#            itself, as it starts redis-server)
#   STATUS   redis-suite's unit status: pass, fail, empty (no test ran), exception (the unit aborted),
#            timeout (no progress for TEST seconds), killed (ran past FILE seconds), crashed, or
#            skip (not run; the reason says why)
#   ok       tests that pass (timing-sensitive ones not counted)
#   failed   err + exception + timeout + tests that never ran (counted from Redis's baseline)
#   limits   this unit's time limits in seconds (default: see scripts/redis-suite.ts)
# Then "reason:" and the failing tests as in redis-suite's failures.txt. Tests in
# timing-sensitive.txt are left out of both the list and the counts.
`;

/** The list file, ordered by mode and then by the given unit order. */
export function formatList(groups: Iterable<Group>, unitOrder: readonly string[]): string {
  const rank = new Map(unitOrder.map((u, i) => [u, i]));
  const all = [...groups].sort(
    (a, b) =>
      MODES.indexOf(a.mode) - MODES.indexOf(b.mode) ||
      (rank.get(a.unit) ?? 1e9) - (rank.get(b.unit) ?? 1e9) ||
      a.unit.localeCompare(b.unit),
  );
  const out = [HEADER];
  let mode = '';
  for (const g of all) {
    if (g.mode !== mode) {
      mode = g.mode;
      out.push(`\n# ---------------------------------------------------------------- ${mode} mode\n`);
    }
    let head = `== ${g.mode} ${g.unit} ${g.status}`;
    if (g.status !== 'skip') head += ` ok=${g.ok} failed=${g.failed}`;
    if (g.limits) head += ` limits=${g.limits.file}/${g.limits.test}`;
    const lines = [head];
    if (g.reason || !CLEAN.has(g.status)) lines.push(`reason: ${g.reason || 'TODO'}`);
    lines.push(...g.failures);
    // Passing units stay one line each; groups with content are set apart.
    out.push(lines.length > 1 ? `\n${lines.join('\n')}\n\n` : `${head}\n`);
  }
  return out.join('').replace(/\n{3,}/g, '\n\n');
}

/**
 * Timing-sensitive (unstable) tests: "UNIT: NAME" lines, NAME as the suite prints it; a `*` in
 * NAME stands for any text (for names the suite makes up at random, or a family of tests).
 */
export class Timing {
  private readonly entries: Array<{ unit: string; name: RegExp }> = [];

  add(unit: string, pattern: string): void {
    const re = pattern.split('*').map((part) => part.replace(/[\\^$.|?+()[\]{}]/g, '\\$&')).join('.*');
    this.entries.push({ unit, name: new RegExp(`^${re}$`) });
  }

  has(unit: string, name: string | null): boolean {
    return name !== null && this.entries.some((e) => e.unit === unit && e.name.test(name));
  }
}

export function parseTiming(text: string): Timing {
  const timing = new Timing();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(': ');
    if (colon < 0) throw new Error(`timing-sensitive list: expected "UNIT: NAME": ${line}`);
    timing.add(line.slice(0, colon), line.slice(colon + 2));
  }
  return timing;
}

const isTiming = (timing: Timing, unit: string, name: string | null): boolean => timing.has(unit, name);

/** The result with timing-sensitive tests taken out of its failures and its ok count. */
export function withoutTiming(r: UnitResult, timing: Timing): { ok: number; failures: string[] } {
  return {
    ok: r.okNames.filter((n) => !isTiming(timing, r.unit, n)).length,
    failures: r.failures.filter((f) => !isTiming(timing, r.unit, failureTestName(f))),
  };
}

/** Multiset difference a − b of sorted lists. */
function minus(a: readonly string[], b: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const x of b) counts.set(x, (counts.get(x) ?? 0) + 1);
  const out: string[] = [];
  for (const x of a) {
    const n = counts.get(x) ?? 0;
    if (n > 0) counts.set(x, n - 1);
    else out.push(x);
  }
  return out;
}

export interface Verdict {
  /** Nothing differs from the list. */
  same: boolean;
  /** Something got worse: a new failure, fewer passing tests, or an abort. */
  worse: boolean;
  /** One line per difference, for the report. */
  notes: string[];
  /** Failing now, not listed. */
  newFailures: string[];
  /** Listed, not failing now. */
  gone: string[];
}

/** Compares a unit's result with its group (none: the unit is expected to pass). */
/**
 * A unit's status as the list records it: a unit whose every failure is a timing-sensitive test
 * passes (that test may pass or fail from run to run), else the status it ran with.
 */
export function listedStatus(r: UnitResult, timing: Timing): string {
  // (Tests that never ran count in failed but make no status fail: unit/memefficiency's
  // defragmentation tests never run, and its status flipped with its GC-dependent tests.)
  const named = r.failed - (r.unrun ?? 0);
  const onlyTiming =
    r.status === 'fail' && r.failures.length !== 0 && named === r.failures.length && r.failures.every((f) => isTiming(timing, r.unit, failureTestName(f)));
  return onlyTiming ? 'pass' : r.status;
}

export function compare(r: UnitResult, expected: Group | undefined, timing: Timing): Verdict {
  const now = withoutTiming(r, timing);
  const status = listedStatus(r, timing);
  const exp = expected ?? null;
  const expFailures = exp ? exp.failures.filter((f) => !isTiming(timing, r.unit, failureTestName(f))) : [];
  const newFailures = minus(now.failures, expFailures);
  const gone = minus(expFailures, now.failures);
  const notes: string[] = [];
  let worse = newFailures.length > 0;
  const expStatus = exp ? exp.status : 'pass';
  if (status !== expStatus) {
    notes.push(`status ${status}, listed as ${expStatus}`);
    if (ABORTED.has(status) && !ABORTED.has(expStatus)) worse = true;
    if (status === 'fail' && (expStatus === 'pass' || expStatus === 'empty')) worse = true;
  }
  if (exp && now.ok !== exp.ok) {
    notes.push(`${now.ok} tests pass, listed as ${exp.ok}`);
    if (now.ok < exp.ok) worse = true;
  }
  for (const f of newFailures) notes.push(`new failure: ${f}`);
  for (const f of gone) notes.push(`no longer fails: ${f}`);
  return { same: notes.length === 0, worse, notes, newFailures, gone };
}

/** The group that records a result; reason and limits come from the unit's previous group. */
export function groupFromResult(r: UnitResult, previous: Group | undefined, timing: Timing): Group {
  const now = withoutTiming(r, timing);
  const status = listedStatus(r, timing);
  return {
    mode: r.mode,
    unit: r.unit,
    status,
    ok: now.ok,
    failed: r.failed,
    limits: previous?.limits ?? null,
    reason: CLEAN.has(status) ? '' : previous?.reason && !CLEAN.has(previous.status) ? previous.reason : 'TODO',
    failures: now.failures,
  };
}
