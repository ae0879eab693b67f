import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

describe('process settings read by config.ts', () => {
  it('skips the migration only when VETTED_SKIP_MIGRATE is 1', () => {
    expect(loadConfig({}).skipMigrate).toBe(false);
    expect(loadConfig({ VETTED_SKIP_MIGRATE: '1' }).skipMigrate).toBe(true);
    expect(loadConfig({ VETTED_SKIP_MIGRATE: '0' }).skipMigrate).toBe(false);
  });

  it('gives a stopping worker 10 s by default, or SHUTDOWN_GRACE_MS', () => {
    expect(loadConfig({}).shutdownGraceMs).toBe(10_000);
    expect(loadConfig({ SHUTDOWN_GRACE_MS: '2000' }).shutdownGraceMs).toBe(2000);
    expect(() => loadConfig({ SHUTDOWN_GRACE_MS: 'soon' })).toThrow(/SHUTDOWN_GRACE_MS/);
  });

  it('reads the ffmpeg paths', () => {
    const c = loadConfig({ FFMPEG_PATH: '/opt/ffmpeg', FFPROBE_PATH: '/opt/ffprobe' });
    expect([c.ffmpegPath, c.ffprobePath]).toEqual(['/opt/ffmpeg', '/opt/ffprobe']);
  });
});
