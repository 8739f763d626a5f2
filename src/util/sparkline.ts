// ASCII sparklines as Redis's sparkline.c draws them for LATENCY GRAPH: each column one sample,
// `rows` rows of "_o#" steps (filled below with '|'), then each sample's label written
// downwards under its column.

const CHARS_FILL = '_o#';
const LABEL_MARGIN_TOP = 1;

export interface SparkSample {
  value: number;
  label: string;
}

/** Renders samples in blocks of `columns`, blocks separated by an empty line. */
export function renderSparkline(samples: readonly SparkSample[], columns: number, rows: number): string {
  if (samples.length === 0) return '';
  let min = samples[0].value;
  let max = samples[0].value;
  for (const s of samples) {
    if (s.value < min) min = s.value;
    else if (s.value > max) max = s.value;
  }
  const labelled = samples.some((s) => s.label !== '');
  let out = '';
  for (let j = 0; j < samples.length; j += columns) {
    if (j !== 0) out += '\n';
    out += renderRange(samples.slice(j, j + columns), min, max, rows, labelled);
  }
  return out;
}

function renderRange(samples: readonly SparkSample[], min: number, max: number, rows: number, labelled: boolean): string {
  const relmax = max - min === 0 ? 1 : max - min;
  const steps = CHARS_FILL.length * rows;
  let out = '';
  for (let row = 0; ; row++) {
    let more = false;
    const chars: string[] = new Array<string>(samples.length).fill(' ');
    for (let j = 0; j < samples.length; j++) {
      const s = samples[j];
      // As C computes it: the product truncated to an int, then divided, then truncated.
      let step = Math.trunc(Math.trunc((s.value - min) * steps) / relmax);
      if (step < 0) step = 0;
      if (step >= steps) step = steps - 1;
      if (row < rows) {
        more = true;
        const idx = step - (rows - row - 1) * CHARS_FILL.length;
        if (idx >= 0 && idx < CHARS_FILL.length) chars[j] = CHARS_FILL[idx];
        else if (idx >= CHARS_FILL.length) chars[j] = '|';
      } else {
        if (labelled && row - rows < LABEL_MARGIN_TOP) {
          more = true;
          break;
        }
        const at = row - rows - LABEL_MARGIN_TOP;
        if (s.label.length > at) {
          more = true;
          chars[j] = s.label[at];
        }
      }
    }
    if (!more) break;
    out += chars.join('') + '\n';
  }
  return out;
}
