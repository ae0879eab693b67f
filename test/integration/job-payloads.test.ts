import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scheduleGovernanceJobs, scheduleYtdlpUpdate, SCHEDULER_IDS, YTDLP_SCHEDULER_ID } from '../../src/worker/schedules.js';
import { createTestEnv, type TestEnv } from '../helpers/harness.js';

// Each job name carries its own payload (src/queue/jobs.ts): the housekeeping jobs name no item, not even a fake one.
let t: TestEnv;
beforeAll(async () => {
  t = await createTestEnv();
});
afterAll(async () => t?.cleanup());

describe('housekeeping job payloads (real Redis)', () => {
  it('schedules expire and purge with an empty payload, and the daily yt-dlp update as the schedule', async () => {
    await scheduleGovernanceJobs(t.ctx);
    await scheduleYtdlpUpdate(t.ctx);
    const expire = await t.ctx.producer.queueFor('expire').getJobScheduler(SCHEDULER_IDS.expire);
    const purge = await t.ctx.producer.queueFor('purge').getJobScheduler(SCHEDULER_IDS.purge);
    const update = await t.ctx.producer.queueFor('ytdlpUpdate').getJobScheduler(YTDLP_SCHEDULER_ID);
    // BullMQ stores no empty payload in a template: absent or {} is what an empty payload looks like there.
    expect(expire?.template?.data ?? {}).toEqual({});
    expect(purge?.template?.data ?? {}).toEqual({});
    expect(update?.template?.data).toEqual({ trigger: 'schedule' });
    // The first run each scheduler has queued carries the same payload.
    for (const stage of ['expire', 'purge'] as const) {
      const queued = await t.ctx.producer.queueFor(stage).getJobs(['delayed', 'waiting', 'prioritized']);
      expect(queued.length).toBeGreaterThan(0);
      for (const job of queued) expect(job.data ?? {}).toEqual({});
    }
  });

  it("queues the admin's update-now as the admin's", async () => {
    await t.ctx.producer.enqueueYtdlpUpdateNow();
    const jobs = await t.ctx.producer.queueFor('ytdlpUpdate').getJobs(['waiting', 'delayed', 'prioritized']);
    expect(jobs.map((j) => j.data)).toContainEqual({ trigger: 'admin' });
    expect(jobs.every((j) => !('itemId' in (j.data as object)))).toBe(true);
  });
});
