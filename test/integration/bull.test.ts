// bull (BullMQ's predecessor, still widely used), unchanged, against nodis and, when it is
// installed, redis-server: jobs added and processed, retries with backoff, delayed jobs and the
// job counts. Its Lua scripts move jobs between lists and sorted sets; its blocking client waits
// in BRPOPLPUSH.

import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import Bull from 'bull';
import { serverTarget, targetNames } from '../helpers/targets.js';

for (const serverName of targetNames()) {
  describe(`bull on ${serverName}`, () => {
    const target = serverTarget(serverName);
    const queues: Bull.Queue[] = [];
    let queueNumber = 0;
    const queue = (): Bull.Queue => {
      const q = new Bull(`bull${++queueNumber}`, { redis: { ...target.connection } });
      // Failures surface through the assertions; an unhandled 'error' event would throw.
      q.on('error', () => {});
      queues.push(q);
      return q;
    };
    after(async () => {
      for (const q of queues) await q.close();
    });

    it('adds jobs and processes them, with their results', async () => {
      const q = queue();
      const jobs = await Promise.all([1, 2, 3].map((n) => q.add({ n })));
      assert.deepEqual(await q.getJobCounts(), { waiting: 3, active: 0, completed: 0, failed: 0, delayed: 0, paused: 0 });
      void q.process(async (job: Bull.Job) => job.data.n * 10);
      assert.deepEqual(await Promise.all(jobs.map((j) => j.finished())), [10, 20, 30]);
      assert.equal((await q.getJob(jobs[0].id))?.returnvalue, 10);
      assert.equal(await q.getCompletedCount(), 3);
      assert.deepEqual((await q.getCompleted()).map((j) => j.data.n).sort(), [1, 2, 3]);
    });

    it('retries a failing job with backoff until an attempt succeeds, and fails one that never does', async () => {
      const q = queue();
      const flaky = await q.add('flaky', {}, { attempts: 3, backoff: { type: 'fixed', delay: 20 } });
      const broken = await q.add('broken', {}, { attempts: 2, backoff: 10 });
      const failed = new Promise<[Bull.Job, Error]>((resolve) => q.on('failed', (job, err) => job.name === 'broken' && job.attemptsMade === 2 && resolve([job, err])));
      void q.process('*', async (job: Bull.Job) => {
        if (job.name === 'broken' || job.attemptsMade < 2) throw new Error(`attempt ${job.attemptsMade + 1}`);
        return 'ok';
      });
      assert.equal(await flaky.finished(), 'ok');
      const [job, err] = await failed;
      assert.equal(job.id, broken.id);
      assert.equal(err.message, 'attempt 2');
      assert.equal((await q.getJob(flaky.id))?.attemptsMade, 2);
      const counts = await q.getJobCounts();
      assert.equal(counts.completed, 1);
      assert.equal(counts.failed, 1);
      assert.ok(await (await q.getJob(broken.id))?.isFailed());
    });

    it('keeps a delayed job until its time', async () => {
      const q = queue();
      const job = await q.add({ v: 'later' }, { delay: 150 });
      assert.equal((await q.getJobCounts()).delayed, 1);
      assert.equal(await job.getState(), 'delayed');
      void q.process(async (j: Bull.Job) => j.data.v);
      assert.equal(await job.finished(), 'later');
      assert.equal((await q.getJobCounts()).delayed, 0);
    });

    it('pauses, resumes, and removes jobs', async () => {
      const q = queue();
      await q.pause();
      assert.equal(await q.isPaused(), true);
      const kept = await q.add({ v: 1 });
      const removed = await q.add({ v: 2 });
      await removed.remove();
      assert.equal(await q.getJob(removed.id), null);
      assert.equal(await q.getPausedCount(), 1);
      await q.resume();
      void q.process(async (j: Bull.Job) => j.data.v);
      assert.equal(await kept.finished(), 1);
      await q.empty();
      await q.clean(0, 'completed');
      assert.equal(await q.getCompletedCount(), 0);
    });
  });
}
