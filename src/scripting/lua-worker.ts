// The worker thread that runs a long script (see Scripting.runInWorker in scripting/lua.ts): its
// own Lua engine, loaded as the server's is. Its redis.call / redis.pcall, redis.log and
// redis.setresp go to the main thread over a MessagePort; a call waits for its reply with
// Atomics.wait on a shared counter, so that the script runs on as one synchronous Lua run.

import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { load, type ReplyValue } from 'lua-redis-wasm';
import { engineLoadOptions } from './engine-options.js';
import { readReply } from './resp-value.js';
import { REPLIES, REQUESTS, type WorkerJob, type WorkerMessage } from './worker-protocol.js';

/** The most a script may run here: the engine's largest budget (README: busy scripts). */
const WORKER_FUEL = 0xffffffff;

if (parentPort !== null) {
  const { port, control } = workerData as { port: MessagePort; control: SharedArrayBuffer };
  const counters = new Int32Array(control);
  const post = (m: WorkerMessage): void => {
    port.postMessage(m);
    Atomics.add(counters, REQUESTS, 1);
    Atomics.notify(counters, REQUESTS);
  };
  const call = (args: Buffer[]): ReplyValue => {
    const argv = new Array<string>(args.length);
    for (let i = 0; i < args.length; i++) argv[i] = args[i].toString('latin1');
    const seen = Atomics.load(counters, REPLIES);
    post({ type: 'call', args: argv });
    for (;;) {
      Atomics.wait(counters, REPLIES, seen);
      const r = receiveMessageOnPort(port);
      if (r !== undefined) return readReply(r.message as string);
    }
  };
  const mod = await load(engineLoadOptions(WORKER_FUEL));
  const engine = mod.create({
    // The main thread checks the command and answers errors as values: call and pcall alike.
    redisCall: call,
    redisPcall: call,
    log: (level, message) => post({ type: 'log', level, message }),
    onSetResp: (version) => post({ type: 'resp', version }),
  });
  parentPort.on('message', (job: WorkerJob) => {
    const toBuffers = (list: Uint8Array[]): Buffer[] => list.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength));
    try {
      const result = engine.evalWithArgs(Buffer.from(job.code), toBuffers(job.keys), toBuffers(job.args));
      post({ type: 'done', result });
    } catch (e) {
      // A Lua panic: reported as the server's engine reports one (see Scripting.execute).
      post({ type: 'panic', message: e instanceof Error ? e.message : String((e as { message?: unknown })?.message ?? e) });
    }
  });
}
