// One script run on the engine without the typed API's per-call overhead. LuaEngine.evalWithArgs
// hashes the whole script with a SHA1 written in JavaScript on every call (only to put the hash
// in error metadata, which nodis does not read) and copies each KEYS/ARGV item into its own
// Buffer before joining them: for BullMQ's large scripts that hash was a fifth of the server's
// CPU. This does the same run through the engine's own internals, with the arguments encoded
// straight from nodis's byte strings into one buffer, and falls back to the typed API if a later
// engine version changes those internals.

import type { LuaEngine, ReplyValue } from 'lua-redis-wasm';

/** The parts of LuaEngine (lua-redis-wasm 1.5) that evalWithArgs itself uses. */
interface EngineInternals {
  exports: {
    HEAPU8: Uint8Array;
    _alloc(size: number): number;
    _free_mem(ptr: number): void;
  };
  callEvalWithArgs(scriptPtr: number, scriptLen: number, argsPtr: number, argsLen: number, keys: number): unknown;
  decodeResult(result: unknown, sha: string): ReplyValue;
}

function hasInternals(engine: object): boolean {
  const e = engine as Partial<EngineInternals>;
  return typeof e.callEvalWithArgs === 'function' && typeof e.decodeResult === 'function' && e.exports !== undefined;
}

const usable = new WeakMap<LuaEngine, boolean>();

/** The engine's argument block: a count, then each item as a 32-bit length and its bytes (LE). */
function encodeArgs(keys: readonly string[], args: readonly string[]): Buffer {
  let size = 4;
  for (let i = 0; i < keys.length; i++) size += 4 + keys[i].length;
  for (let i = 0; i < args.length; i++) size += 4 + args[i].length;
  const buf = Buffer.allocUnsafe(size);
  buf.writeUInt32LE(keys.length + args.length, 0);
  let pos = 4;
  for (const list of [keys, args]) {
    for (let i = 0; i < list.length; i++) {
      const s = list[i];
      buf.writeUInt32LE(s.length, pos);
      pos += 4;
      pos += buf.write(s, pos, s.length, 'latin1');
    }
  }
  return buf;
}

/** engine.evalWithArgs(code, keys, args) for byte-string keys and arguments. */
export function evalWithArgs(engine: LuaEngine, code: Buffer, keys: readonly string[], args: readonly string[]): ReplyValue {
  let fast = usable.get(engine);
  if (fast === undefined) {
    fast = hasInternals(engine);
    usable.set(engine, fast);
  }
  if (!fast) {
    return engine.evalWithArgs(code, keys.map((k) => Buffer.from(k, 'latin1')), args.map((a) => Buffer.from(a, 'latin1')));
  }
  const e = engine as unknown as EngineInternals;
  const argBuf = encodeArgs(keys, args);
  const ex = e.exports;
  const codePtr = ex._alloc(code.length);
  const argsPtr = ex._alloc(argBuf.length);
  ex.HEAPU8.set(code, codePtr);
  ex.HEAPU8.set(argBuf, argsPtr);
  let result: unknown;
  try {
    result = e.callEvalWithArgs(codePtr, code.length, argsPtr, argBuf.length, keys.length);
  } finally {
    ex._free_mem(codePtr);
    ex._free_mem(argsPtr);
  }
  return e.decodeResult(result, '');
}
