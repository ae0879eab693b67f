import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Shared servers (the S3 gateway) start at most once per run and stop at its end.
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    // Two cores: more parallel files only fight over ffmpeg.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
    // In CI only, a failed test runs once more: a few timing-sensitive tests (a browser step, a job race) have been
    // seen failing once in about ten whole-suite runs while ffmpeg and radosgw load both cores. A test that fails
    // twice still fails the run, and the retried ones are listed by name in the session note to be made steady.
    retry: process.env.CI ? 1 : 0,
  },
});
