/**
 * Node's flags for a worker process, however it is started: `npm run start:worker` (package.json), the worker that
 * `npm start` runs (src/main.ts), docker-compose.yml and the benchmark. test/unit/worker-node-flags.test.ts keeps the
 * written-out copies in step with this one.
 *
 * V8's young generation at 2 MB semi-spaces instead of its default of up to 16 MB: the worker's JavaScript only
 * conducts (ffmpeg does the work), and what it allocates quickly dies young — the 64 KiB chunks of a download, ffmpeg's
 * output. At 16 MB the semi-spaces grow while the modules load at start and are never given back (about 13 MB more
 * held at rest), and a 950 MB download's dead chunks pile up between two collections. A collection of a small young
 * generation costs little: it copies what survives, and little does.
 */
export const WORKER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2'];
