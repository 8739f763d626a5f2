// BullMQ, unchanged, against nodis (and the same tests against redis-server when it is installed,
// which proves the tests themselves): its Lua scripts move jobs between lists, sorted sets and
// hashes, QueueEvents reads the events stream with XREAD BLOCK, workers block on BZPOPMIN for
// the marker. Each test uses its own queue; everything is closed so node:test can exit.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Queue, Worker, QueueEvents, FlowProducer, type Job, type ConnectionOptions } from 'bullmq';
import { serverTarget, targetNames } from '../helpers/targets.js';

/** Resolves once count events named event have come from emitter. */
function events<T extends unknown[]>(
  emitter: { on(event: string, listener: (...args: T) => void): unknown },
  event: string,
  count: number,
): Promise<T[]> {
  return new Promise((resolve) => {
    const got: T[] = [];
    emitter.on(event, (...args: T) => {
      got.push(args);
      if (got.length === count) resolve(got);
    });
  });
}

for (const serverName of targetNames()) {
  describe(`BullMQ on ${serverName}`, () => {
    const target = serverTarget(serverName);
    const closers: (() => Promise<unknown>)[] = [];
    let queueNumber = 0;

    const connection = (): ConnectionOptions => ({ ...target.connection, maxRetriesPerRequest: null });
    const queue = (name = `q${++queueNumber}`): Queue => {
      const q = new Queue(name, { connection: connection() });
      closers.push(() => q.close());
      return q;
    };
    const worker = (name: string, processor: ((job: Job) => Promise<unknown>) | null, options = {}): Worker => {
      const w = new Worker(name, processor, { connection: connection(), ...options });
      // Errors surface through the assertions on jobs; an unhandled 'error' event would throw.
      w.on('error', () => {});
      closers.unshift(() => w.close());
      return w;
    };
    const queueEvents = async (name: string): Promise<QueueEvents> => {
      // From the stream's start: an event sent before the first XREAD BLOCK is not missed.
      const e = new QueueEvents(name, { connection: connection(), lastEventId: '0-0' });
      closers.unshift(() => e.close());
      await e.waitUntilReady();
      return e;
    };
    const closeAll = async (): Promise<void> => {
      for (const close of closers.splice(0)) await close();
    };

    it('adds jobs one by one and in bulk; a worker returns their results', async () => {
      const q = queue();
      const e = await queueEvents(q.name);
      const completed = events<[{ jobId: string; returnvalue: string }]>(e, 'completed', 4);
      const single = await q.add('double', { n: 1 });
      const bulk = await q.addBulk([2, 3, 4].map((n) => ({ name: 'double', data: { n } })));
      assert.equal(bulk.length, 3);
      assert.deepEqual(await q.getJobCounts('waiting'), { waiting: 4 });
      assert.deepEqual((await q.getJobs(['waiting'])).map((j) => j.data.n).sort(), [1, 2, 3, 4]);
      worker(q.name, async (job) => job.data.n * 2);
      const done = await completed;
      assert.deepEqual(done.map(([d]) => Number(d.returnvalue)).sort(), [2, 4, 6, 8]);
      const job = await q.getJob(single.id!);
      assert.equal(job?.returnvalue, 2);
      assert.ok(await job?.isCompleted());
      assert.deepEqual(await q.getJobCounts('completed', 'waiting', 'active'), { completed: 4, waiting: 0, active: 0 });
      await closeAll();
    });

    it('retries a failing job with backoff, and reports a job that fails every attempt', async () => {
      const q = queue();
      const e = await queueEvents(q.name);
      const failed = events<[{ jobId: string; failedReason: string }]>(e, 'failed', 1);
      const flaky = await q.add('flaky', {}, { attempts: 3, backoff: { type: 'fixed', delay: 20 } });
      const broken = await q.add('broken', {}, { attempts: 2, backoff: { type: 'exponential', delay: 10 } });
      const w = worker(q.name, async (job) => {
        if (job.name === 'broken' || job.attemptsMade < 2) throw new Error(`attempt ${job.attemptsMade + 1} failed`);
        return 'finally';
      });
      assert.equal(await flaky.waitUntilFinished(e), 'finally');
      const [[failure]] = await failed;
      assert.equal(failure.jobId, broken.id);
      assert.equal(failure.failedReason, 'attempt 2 failed');
      const flakyDone = (await q.getJob(flaky.id!))!;
      assert.equal(flakyDone.attemptsMade, 3);
      const brokenDone = (await q.getJob(broken.id!))!;
      assert.equal(brokenDone.attemptsMade, 2);
      assert.equal(brokenDone.stacktrace?.length, 2);
      assert.ok(await brokenDone.isFailed());
      assert.deepEqual(await q.getJobCounts('completed', 'failed'), { completed: 1, failed: 1 });
      // A failed job can be retried by hand.
      await w.close();
      await brokenDone.retry();
      assert.deepEqual(await q.getJobCounts('waiting', 'failed'), { waiting: 1, failed: 0 });
      await closeAll();
    });

    it('holds a delayed job until its time, then runs it', async () => {
      const q = queue();
      const e = await queueEvents(q.name);
      const job = await q.add('later', { v: 'x' }, { delay: 150 });
      assert.deepEqual(await q.getJobCounts('delayed', 'waiting'), { delayed: 1, waiting: 0 });
      assert.ok(await job.isDelayed());
      worker(q.name, async (j) => j.data.v);
      assert.equal(await job.waitUntilFinished(e), 'x');
      await closeAll();
    });

    it('takes jobs by priority', async () => {
      const q = queue();
      const e = await queueEvents(q.name);
      const order: string[] = [];
      const jobs = await q.addBulk([
        { name: 'low', data: {}, opts: { priority: 10 } },
        { name: 'plain', data: {} },
        { name: 'high', data: {}, opts: { priority: 1 } },
        { name: 'mid', data: {}, opts: { priority: 5 } },
      ]);
      assert.deepEqual(await q.getJobCounts('prioritized', 'waiting'), { prioritized: 3, waiting: 1 });
      worker(q.name, async (job) => void order.push(job.name), { concurrency: 1 });
      await Promise.all(jobs.map((j) => j.waitUntilFinished(e)));
      assert.deepEqual(order, ['plain', 'high', 'mid', 'low']);
      await closeAll();
    });

    it('removes finished jobs on request, and removes a job by hand', async () => {
      const q = queue();
      const e = await queueEvents(q.name);
      const kept = await q.add('kept', {});
      const gone = await q.add('gone', {}, { removeOnComplete: true });
      const gonefail = await q.add('gonefail', {}, { removeOnFail: true });
      const removed = await q.add('removed', {}, { delay: 60_000 });
      assert.equal(await q.remove(removed.id!), 1);
      assert.equal(await q.getJob(removed.id!), undefined);
      // The events, not waitUntilFinished: a removed job may be gone before that looks at it.
      const finished = Promise.all([
        events<[{ jobId: string }]>(e, 'completed', 2),
        events<[{ jobId: string; failedReason: string }]>(e, 'failed', 1),
      ]);
      worker(q.name, async (job) => {
        if (job.name === 'gonefail') throw new Error('no');
        return job.name;
      });
      const [completed, [[failure]]] = await finished;
      assert.deepEqual(completed.map(([c]) => c.jobId).sort(), [kept.id, gone.id].sort());
      assert.deepEqual([failure.jobId, failure.failedReason], [gonefail.id, 'no']);
      assert.equal(await q.getJob(gone.id!), undefined);
      assert.equal(await q.getJob(gonefail.id!), undefined);
      assert.ok(await (await q.getJob(kept.id!))!.isCompleted());
      assert.deepEqual(await q.getJobCounts('completed', 'failed', 'delayed'), { completed: 1, failed: 0, delayed: 0 });
      // Cleaning and draining.
      assert.deepEqual(await q.clean(0, 10, 'completed'), [kept.id]);
      await q.add('waiting', {}, { delay: 60_000 });
      await q.drain(true);
      assert.deepEqual(await q.getJobCounts(), {
        active: 0, completed: 0, delayed: 0, failed: 0, prioritized: 0, waiting: 0, 'waiting-children': 0,
      });
      await closeAll();
    });

    it('pauses and resumes a queue', async () => {
      const q = queue();
      const e = await queueEvents(q.name);
      const paused = events(e, 'paused', 1);
      await q.pause();
      await paused;
      assert.equal(await q.isPaused(), true);
      const job = await q.add('wait for resume', {});
      let ran = false;
      worker(q.name, async () => {
        ran = true;
        return 'resumed';
      });
      // Paused, the job waits (BullMQ 6 keeps it in the wait list under the paused flag).
      assert.deepEqual(await q.getJobCounts('waiting'), { waiting: 1 });
      assert.equal(ran, false);
      await q.resume();
      assert.equal(await q.isPaused(), false);
      assert.equal(await job.waitUntilFinished(e), 'resumed');
      await closeAll();
    });

    it('runs a flow: the parent waits for its children and reads their values', async () => {
      const parentQueue = queue();
      const childQueue = queue();
      const e = await queueEvents(parentQueue.name);
      const flows = new FlowProducer({ connection: connection() });
      closers.push(() => flows.close());
      const tree = await flows.add({
        name: 'sum',
        queueName: parentQueue.name,
        data: {},
        children: [1, 2, 3].map((n) => ({ name: 'square', queueName: childQueue.name, data: { n } })),
      });
      assert.equal(tree.children?.length, 3);
      assert.ok(await tree.job.isWaitingChildren());
      worker(childQueue.name, async (job) => job.data.n * job.data.n);
      worker(parentQueue.name, async (job) => {
        const values = Object.values(await job.getChildrenValues<number>());
        return values.reduce((a, b) => a + b, 0);
      });
      assert.equal(await tree.job.waitUntilFinished(e), 14);
      const dependencies = await (await parentQueue.getJob(tree.job.id!))!.getDependenciesCount();
      assert.deepEqual(dependencies, { failed: 0, ignored: 0, processed: 3, unprocessed: 0 });
      await closeAll();
    });

    it('a rate-limited worker still processes every job', async () => {
      const q = queue();
      const e = await queueEvents(q.name);
      const jobs = await q.addBulk(Array.from({ length: 6 }, (_, i) => ({ name: 'limited', data: { i } })));
      worker(q.name, async (job) => job.data.i, { limiter: { max: 2, duration: 50 } });
      const results = await Promise.all(jobs.map((j) => j.waitUntilFinished(e)));
      assert.deepEqual(results, [0, 1, 2, 3, 4, 5]);
      // A worker can also tell the queue it is rate limited for a while.
      assert.ok((await q.getRateLimitTtl()) <= 50);
      await closeAll();
    });

    it('repeats jobs from a job scheduler until it is removed', async () => {
      const q = queue();
      const runs = events<[Job]>(worker(q.name, async (job) => job.data.tick), 'completed', 2);
      const first = await q.upsertJobScheduler('ticker', { every: 40 }, { name: 'tick', data: { tick: 'tock' } });
      assert.equal(first.name, 'tick');
      const schedulers = await q.getJobSchedulers();
      assert.deepEqual(schedulers.map((s) => [s.key, s.every]), [['ticker', 40]]);
      const done = await runs;
      assert.deepEqual(done.map(([job]) => job.returnvalue), ['tock', 'tock']);
      assert.equal(await q.removeJobScheduler('ticker'), true);
      assert.deepEqual(await q.getJobSchedulers(), []);
      await closeAll();
    });

    it('recovers a stalled job whose worker stopped renewing its lock', async () => {
      const q = queue();
      const job = await q.add('stalls', { v: 7 });
      // A manual worker takes the job and then disappears without finishing it.
      const manual = worker(q.name, null, { lockDuration: 100 });
      const taken = await manual.getNextJob('token-1');
      assert.equal(taken?.id, job.id);
      assert.deepEqual(await q.getJobCounts('active'), { active: 1 });
      await manual.close();
      const e = await queueEvents(q.name);
      const stalled = events<[{ jobId: string }]>(e, 'stalled', 1);
      worker(q.name, async (j) => j.data.v * 6, { stalledInterval: 100 });
      assert.equal((await stalled)[0][0].jobId, job.id);
      assert.equal(await job.waitUntilFinished(e), 42);
      await closeAll();
    });
  });
}
