// Script flags: a script's shebang (`#!lua flags=...`) and a function's flags, as Redis's SCRIPT_FLAG_*.

export const SCRIPT_NO_WRITES = 1;
export const SCRIPT_ALLOW_OOM = 2;
export const SCRIPT_ALLOW_STALE = 4;
export const SCRIPT_NO_CLUSTER = 8;
export const SCRIPT_ALLOW_CROSS_SLOT = 16;
/** An EVAL script without a shebang: none of the flag checks apply (Redis's EVAL_COMPAT_MODE). */
export const SCRIPT_EVAL_COMPAT = 32;

export const FLAG_NAMES: ReadonlyArray<[string, number]> = [
  ['no-writes', SCRIPT_NO_WRITES],
  ['allow-oom', SCRIPT_ALLOW_OOM],
  ['allow-stale', SCRIPT_ALLOW_STALE],
  ['no-cluster', SCRIPT_NO_CLUSTER],
  ['allow-cross-slot-keys', SCRIPT_ALLOW_CROSS_SLOT],
];

