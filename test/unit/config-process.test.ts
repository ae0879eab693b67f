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

  it('listens on a Unix socket only for a proxy that says who is asking, at a known public address', () => {
    expect(loadConfig({}).listenSocket).toBeUndefined();
    const env = { LISTEN_SOCKET: '/run/vetted/vetted.sock', PUBLIC_URL: 'https://vetted.school.example', TRUST_PROXY: '1' };
    expect(loadConfig(env).listenSocket).toBe('/run/vetted/vetted.sock');
    expect(() => loadConfig({ ...env, LISTEN_SOCKET: 'vetted.sock' })).toThrow(/LISTEN_SOCKET must be an absolute path/);
    expect(() => loadConfig({ ...env, PUBLIC_URL: '' })).toThrow(/PUBLIC_URL must be set with LISTEN_SOCKET/);
    expect(() => loadConfig({ ...env, TRUST_PROXY: '' })).toThrow(/set TRUST_PROXY=1/);
    // Proxies named by address cannot be recognised on a socket, which has none.
    expect(() => loadConfig({ ...env, TRUST_PROXY: '10.0.0.5' })).toThrow(/set TRUST_PROXY=1/);
  });
});
