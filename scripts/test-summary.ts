// A node:test reporter that prints a short human summary: one line per area (the folder under
// test/, or the file for the top-level ones) as it finishes, each failure with its error, the
// skipped tests grouped by reason (one line for all the differential tests when redis-server is
// missing), and a closing "N passed, N failed, N skipped" line. `npm run test:unit` uses it beside
// the TAP reporter, whose full output goes to dist/test-results.tap (`npm run test:tap` prints TAP).

import { relative, sep } from 'node:path';

interface TestEventData {
  name: string;
  nesting: number;
  file?: string;
  skip?: string | boolean;
  todo?: string | boolean;
  details?: { duration_ms?: number; type?: string; error?: unknown };
}

interface TestEvent {
  type: string;
  data: TestEventData & { message?: string };
}

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

const newCounts = (): Counts => ({ passed: 0, failed: 0, skipped: 0 });

/** "commands" for dist/test/commands/keys.test.js, "cli" for dist/test/cli.test.js. */
export function areaOf(file: string | undefined): string {
  if (!file) return '(runner)';
  const parts = relative(process.cwd(), file).split(sep);
  const at = parts.lastIndexOf('test');
  const rest = at >= 0 ? parts.slice(at + 1) : parts.slice(-1);
  return rest.length > 1 ? rest[0] : rest[0].replace(/\.test\.[cm]?js$/, '');
}

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s` : `${(ms / 1000).toFixed(1)}s`;
}

function countsText(c: Counts): string {
  return `${c.passed} passed` + (c.failed ? `, ${c.failed} failed` : '') + (c.skipped ? `, ${c.skipped} skipped` : '');
}

/**
 * The error of a failed test, as a few indented lines without Node's internal stack frames; for a
 * test file that failed as a whole (it crashed, or could not load), the end of its standard error.
 */
function errorText(error: unknown, stderr: string): string {
  // A failure arrives wrapped (ERR_TEST_FAILURE) with the test's own error as its cause.
  const e = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  let text = e instanceof Error ? (e.stack ?? e.message) : String(e);
  if (text === 'test failed' && stderr) text = `${text}; its standard error ended with:\n${stderr.trimEnd().split('\n').slice(-10).join('\n')}`;
  const lines = text.split('\n').filter((l) => !/^\s+at .*\(?node:/.test(l));
  return lines
    .slice(0, 12)
    .concat(lines.length > 12 ? ['...'] : [])
    .map((l) => `      ${l}`)
    .join('\n');
}

export default async function* summaryReporter(source: AsyncIterable<TestEvent>): AsyncGenerator<string> {
  const start = Date.now();
  const total = newCounts();
  const skipReasons = new Map<string, number>();
  let area: string | null = null;
  let current = newCounts();
  // Files run one at a time and report each test as it ends: an area's time runs from the last
  // result of the area before it to its own last result.
  let areaStart = start;
  let lastResult = start;
  const flush = (): string => {
    if (area === null) return '';
    const line = `  ${area.padEnd(14)} ${countsText(current)} (${duration(lastResult - areaStart)})\n`;
    areaStart = lastResult;
    return line;
  };

  // The last of each file's standard error, for a file that fails as a whole.
  const stderr = new Map<string, string>();
  for await (const event of source) {
    const d = event.data;
    if (event.type === 'test:stderr' && d.file && d.message) {
      stderr.set(d.file, ((stderr.get(d.file) ?? '') + d.message).slice(-4000));
    }
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    // Suites are counted through their tests; a skipped suite counts once, as its tests never run.
    if (d.details?.type === 'suite' && !(d.skip && event.type === 'test:pass')) continue;
    const a = areaOf(d.file);
    if (a !== area) {
      yield flush();
      area = a;
      current = newCounts();
    }
    lastResult = Date.now();
    if (event.type === 'test:fail') {
      current.failed++;
      total.failed++;
      yield `  ✖ ${a}: ${d.name}\n${errorText(d.details?.error, (d.file && stderr.get(d.file)) || '')}\n`;
    } else if (d.skip || d.todo) {
      current.skipped++;
      total.skipped++;
      const reason = typeof d.skip === 'string' ? d.skip : typeof d.todo === 'string' ? `todo: ${d.todo}` : 'no reason given';
      skipReasons.set(reason, (skipReasons.get(reason) ?? 0) + 1);
    } else {
      current.passed++;
      total.passed++;
    }
  }
  yield flush();
  for (const [reason, n] of skipReasons) yield `  skipped ${n}: ${reason}\n`;
  yield `  full TAP: dist/test-results.tap (${duration(Date.now() - start)} in all)\n`;
  yield `unit: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped\n`;
}
