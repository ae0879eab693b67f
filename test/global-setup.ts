import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { stopRadosgw } from './helpers/radosgw.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's folder for shared test servers (the S3 gateway starts there on first use). */
    sharedDir: string;
  }
}

/** Runs once per `vitest run`: a folder for servers the test files share, and their teardown. */
export default async function setup(project: TestProject) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vetted-run-'));
  project.provide('sharedDir', dir);
  return async () => {
    await stopRadosgw(dir);
  };
}
