import { describe, expect, it } from 'vitest';
import { captionCues, createWordScreen, pageText, screenItemText } from '../../src/domain/word-screen.js';
import { cleanWordList } from '../../src/domain/word-list.js';

const VTT = `WEBVTT

1
00:00:01.000 --> 00:00:03.000
Hello <i>children</i>

2
00:07:02.500 --> 00:07:04.000
{\\an8}What the fuuuck is that?

3
00:00:xx --> broken
a shit line with broken timing
`;

describe('word screen', () => {
  it('finds swear words in captions with their times, including obfuscated spellings', () => {
    const hits = screenItemText({ captions: VTT }, { flag: [], ignore: [] })!;
    const fuck = hits.find((h) => h.word === 'fuck');
    expect(fuck).toMatchObject({ source: 'captions', startSeconds: 422.5 });
    expect(fuck!.context).toContain('What the fuuuck');
    expect(hits.find((h) => h.word === 'shit')).toMatchObject({ startSeconds: null });
  });

  it("flags the school's own words and phrases and honours its ignore list", () => {
    const list = cleanWordList({ flag: ['  Scary Clown ', 'gun'], ignore: ['Shit'] });
    expect(list).toEqual({ flag: ['scary clown', 'gun'], ignore: ['shit'] });
    const hits = createWordScreen(list).screen('A scary  clown with a gun, shit. Begun.', 'description', null);
    expect(hits.map((h) => h.word)).toEqual(['scary clown', 'gun']);
  });

  it('screens title, description and page; null when there is no text', () => {
    expect(screenItemText({}, { flag: [], ignore: [] })).toBeNull();
    expect(screenItemText({ title: 'Frogs', description: '' }, { flag: [], ignore: [] })).toEqual([]);
    const hits = screenItemText({ title: 'bitch', page: pageText('<p>hello &amp; <b>asshole</b></p>') }, { flag: [], ignore: [] })!;
    expect(hits.map((h) => [h.source, h.word])).toEqual([
      ['title', 'bitch'],
      ['page', 'ass'],
    ]);
  });

  it('screens a 2 MB page quickly', () => {
    const page = 'Frogs live near ponds and lay frogspawn. '.repeat(52_000) + 'damn';
    const t0 = performance.now();
    const hits = screenItemText({ page }, { flag: ['frogspawn'], ignore: [] })!;
    expect(performance.now() - t0).toBeLessThan(10_000);
    expect(hits.length).toBeGreaterThan(0);
  });

  it('reads cues, dropping markup', () => {
    expect(captionCues(VTT)[0]).toEqual({ startSeconds: 1, text: 'Hello children' });
  });
});
