import { describe, expect, it } from 'vitest';
import { clipCaptions } from '../../src/domain/captions.js';

const VTT = `WEBVTT
Kind: captions

NOTE made by hand

1
00:00:00.500 --> 00:00:02.000
Before the clip

2
00:00:09.000 --> 00:00:11.000 align:start
Crosses the start

00:00:12.000 --> 00:00:14.500
Inside

01:00:00.000 --> 01:00:01.000
After the clip
`;

describe('captions for a clip', () => {
  it('shifts cues to the clip, cuts those crossing its edges and drops the rest', () => {
    const out = clipCaptions(VTT, 10, 4);
    expect(out.startsWith('WEBVTT')).toBe(true);
    expect(out).not.toContain('Before the clip');
    expect(out).not.toContain('After the clip');
    expect(out).not.toContain('NOTE');
    expect(out).toContain('2\n00:00:00.000 --> 00:00:01.000 align:start\nCrosses the start');
    expect(out).toContain('00:00:02.000 --> 00:00:04.000\nInside');
  });

  it('reads hour-less timings and CRLF line ends', () => {
    const out = clipCaptions('WEBVTT\r\n\r\n00:05.000 --> 00:07.250\r\nHello\r\n', 4, 10);
    expect(out).toContain('00:00:01.000 --> 00:00:03.250\nHello');
  });
});
