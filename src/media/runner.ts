/**
 * Runs one ffmpeg process: the only place in the service that spawns ffmpeg. Arguments are passed as an array
 * (never through a shell), the process runs at a lower priority so encodes yield the CPU to the web server, and
 * it is killed with SIGKILL on timeout or abort. `-timelimit` (CPU seconds) is ffmpeg's own backstop: it still
 * holds if this worker is killed and our timer dies with it, leaving ffmpeg orphaned.
 *
 * stdout can be consumed as a stream (the small frames the checks analyse), stdin can be fed (the storyboard's
 * frames). stderr is read line by line for progress and kept only as a bounded tail, so a three-hour run's log
 * never grows the worker's memory.
 */
import { spawn } from 'node:child_process';
import { setPriority } from 'node:os';
import { rm } from 'node:fs/promises';
import { abortError, MediaToolError, tailOf } from './basics.js';

export interface RunSpec {
  args: string[];
  timeoutMs: number;
  signal?: AbortSignal;
  /** Seconds of output expected, for progress from the `time=` of ffmpeg's stats lines. */
  progressTotalSeconds?: number;
  onProgress?: (percent: number) => void;
  /** Called with each chunk ffmpeg writes to stdout (the run's `pipe:1` output). */
  onStdout?: (chunk: Buffer) => void;
  /** Written to ffmpeg's stdin (the run's `pipe:0` input), then closed. */
  stdin?: Buffer;
  /** Deleted, once ffmpeg is dead, if the run does not succeed. */
  partialFiles: string[];
}

export type RunFailure = { kind: 'timeout' } | { kind: 'abort'; error: Error } | { kind: 'failed'; stderrTail: string };

export class RunError extends Error {
  constructor(readonly failure: RunFailure) {
    super(failure.kind);
  }
}

/** Flags that apply to every ffmpeg run: no keyboard, progress on stderr. The log level is each run's choice. */
const GLOBAL_FLAGS = ['-nostdin', '-hide_banner', '-stats'];
/** The end of stderr kept: enough for the error that stopped a run and for the filters' end-of-run reports. */
const LOG_TAIL_BYTES = 64 * 1024;

function parseTimemark(line: string): number | undefined {
  const m = /time=\s*(-?\d+):(\d+):(\d+(?:\.\d+)?)/.exec(line);
  if (!m) return undefined;
  const [, h, min, s] = m;
  return Number(h) * 3600 + Number(min) * 60 + Number(s);
}

export interface Runner {
  /** Resolves with the end of ffmpeg's log (for filters that report there); rejects with a RunError. */
  run(spec: RunSpec): Promise<string>;
}

export function createRunner(ffmpegPath: string, niceness: number): Runner {
  function run(spec: RunSpec): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      const signal = spec.signal;
      if (signal?.aborted) {
        reject(new RunError({ kind: 'abort', error: abortError(signal) }));
        return;
      }
      const cpuLimit = String(Math.max(1, Math.ceil(spec.timeoutMs / 1000)));
      const child = spawn(ffmpegPath, [...GLOBAL_FLAGS, '-timelimit', cpuLimit, ...spec.args], {
        stdio: [spec.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
        windowsHide: true,
      });
      try {
        if (child.pid && niceness) setPriority(child.pid, niceness);
      } catch {
        /* a priority we may not set only makes the encode compete harder for the CPU */
      }

      let stopReason: 'timeout' | 'abort' | null = null;
      const stop = (why: 'timeout' | 'abort') => {
        if (stopReason) return;
        stopReason = why;
        child.kill('SIGKILL');
      };
      const timer = setTimeout(() => stop('timeout'), spec.timeoutMs);
      const onAbort = () => stop('abort');
      signal?.addEventListener('abort', onAbort, { once: true });

      let log = '';
      let pending = '';
      let lastPercent = -1;
      const total = spec.progressTotalSeconds;
      child.stderr!.setEncoding('utf8');
      child.stderr!.on('data', (text: string) => {
        log = (log + text).slice(-LOG_TAIL_BYTES);
        if (!spec.onProgress || !total || total <= 0) return;
        const lines = (pending + text).split(/\r|\n/);
        pending = lines.pop() ?? '';
        for (const line of lines) {
          const t = parseTimemark(line);
          if (t === undefined) continue;
          const percent = Math.max(0, Math.min(100, Math.floor((t / total) * 100)));
          if (percent > lastPercent) {
            lastPercent = percent;
            spec.onProgress(percent);
          }
        }
      });
      let consumerFailed = false;
      child.stdout!.on('data', (chunk: Buffer) => {
        if (!spec.onStdout || consumerFailed) return;
        try {
          spec.onStdout(chunk);
        } catch {
          // A consumer that fails stops consuming (and knows it); the run itself goes on, draining the pipe.
          consumerFailed = true;
        }
      });
      if (spec.stdin && child.stdin) {
        child.stdin.on('error', () => {
          /* ffmpeg closing its input early is reported by its exit code */
        });
        child.stdin.end(spec.stdin);
      }

      let settled = false;
      const finish = (code: number | null, spawnError?: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (code === 0 && !spawnError && !stopReason) {
          // A failed stream consumer leaves the output files fine; the caller's consumer knows what it lost.
          resolve(log);
          return;
        }
        const failure: RunFailure =
          stopReason === 'timeout'
            ? { kind: 'timeout' }
            : stopReason === 'abort' && signal
              ? { kind: 'abort', error: abortError(signal) }
              : { kind: 'failed', stderrTail: tailOf(log) || spawnError?.message || `ffmpeg exited with ${code}` };
        // The process has exited, so nothing writes these files any more.
        void Promise.all(spec.partialFiles.map((f) => rm(f, { force: true }))).finally(() => reject(new RunError(failure)));
      };
      child.on('error', (e) => finish(null, e));
      child.on('close', (code) => finish(code));
    });
  }
  return { run };
}

/** Turns a run failure into the error callers see; `failedAs` names what a plain ffmpeg error means here. */
export function toCallerError(e: unknown, failedAs: (tail: string) => MediaToolError): unknown {
  if (!(e instanceof RunError)) return e;
  const f = e.failure;
  if (f.kind === 'abort') return f.error;
  if (f.kind === 'timeout') {
    return new MediaToolError(
      'media_timeout',
      'Processing took too long, so Vetted stopped it. Try a shorter video, or set a clip.',
      '',
    );
  }
  return failedAs(f.stderrTail);
}
