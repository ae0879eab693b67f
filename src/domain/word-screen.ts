/**
 * The word screen: swear words and slurs in what the class will hear or read (captions, with their times), the
 * title, the description and a page's reader copy. `obscenity` finds the common English ones, including
 * obfuscated spellings ("fuuuck", "b1tch"); the school adds its own words and phrases to flag and words to ignore
 * (a place name like Scunthorpe, a word a science lesson needs). A hit asks the teacher to look; it decides nothing.
 */
import {
  englishDataset,
  englishRecommendedTransformers,
  RegExpMatcher,
} from 'obscenity';
import type { WordList } from './word-list.js';

export type WordSource = 'captions' | 'title' | 'description' | 'page';

export interface WordHit {
  word: string;
  source: WordSource;
  startSeconds: number | null;
  context: string;
}

const MAX_HITS = 200;
const CONTEXT_CHARS = 40;
/** A page beyond this is screened up to here: the reader copy of a 2 MB page is far longer than any lesson text. */
export const MAX_SCREENED_CHARS = 1_000_000;

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export interface WordScreen {
  screen(text: string, source: WordSource, startSeconds: number | null): WordHit[];
}

export function createWordScreen(list: WordList): WordScreen {
  const ignore = new Set(list.ignore);
  const matcher = new RegExpMatcher({
    ...englishDataset.build(),
    ...englishRecommendedTransformers,
    whitelistedTerms: list.ignore,
  });
  // The school's own words: whole words or phrases, case-insensitive, any run of spaces between a phrase's words.
  const own = list.flag.length
    ? new RegExp(
        `(?<![\\p{L}\\p{N}])(?:${list.flag.map((w) => w.split(' ').map(escape).join('\\s+')).join('|')})(?![\\p{L}\\p{N}])`,
        'giu',
      )
    : null;

  function context(text: string, start: number, end: number): string {
    const from = Math.max(0, start - CONTEXT_CHARS);
    const to = Math.min(text.length, end + CONTEXT_CHARS);
    return `${from > 0 ? '…' : ''}${text.slice(from, to).replace(/\s+/g, ' ').trim()}${to < text.length ? '…' : ''}`;
  }

  return {
    screen(text, source, startSeconds) {
      const hits: Array<WordHit & { at: number }> = [];
      const body = text.length > MAX_SCREENED_CHARS ? text.slice(0, MAX_SCREENED_CHARS) : text;
      for (const m of matcher.getAllMatches(body, true)) {
        const word = englishDataset.getPayloadWithPhraseMetadata(m).phraseMetadata?.originalWord ?? body.slice(m.startIndex, m.endIndex + 1);
        const found = body.slice(m.startIndex, m.endIndex + 1).toLowerCase();
        if (ignore.has(word.toLowerCase()) || ignore.has(found)) continue;
        hits.push({ word, source, startSeconds, context: context(body, m.startIndex, m.endIndex + 1), at: m.startIndex });
        if (hits.length >= MAX_HITS) break;
      }
      if (own) {
        for (const m of body.matchAll(own)) {
          const word = m[0].replace(/\s+/g, ' ').toLowerCase();
          if (ignore.has(word)) continue;
          hits.push({ word, source, startSeconds, context: context(body, m.index, m.index + m[0].length), at: m.index });
          if (hits.length >= MAX_HITS * 2) break;
        }
      }
      // The library may match one word by two of its patterns: one hit per word and place.
      const seen = new Set<string>();
      return hits
        .sort((a, b) => a.at - b.at)
        .filter((h) => {
          const key = `${h.at}:${h.word}`;
          if (seen.has(key)) return false;
          seen.add(key);
          return true;
        })
        .map(({ at: _at, ...hit }) => hit);
    },
  };
}

/** Caption cues as text with their start times; cues with broken timing keep their text with no time. */
export function captionCues(vtt: string): Array<{ startSeconds: number | null; text: string }> {
  const cues: Array<{ startSeconds: number | null; text: string }> = [];
  for (const block of vtt.replace(/\r\n?/g, '\n').split(/\n{2,}/)) {
    const lines = block.split('\n');
    const at = lines.findIndex((l) => l.includes('-->'));
    if (at < 0) continue;
    const m = /^\s*(?:(\d+):)?(\d{1,2}):(\d{2})[.,](\d{1,3})/.exec(lines[at]!);
    const start = m ? Number(m[1] ?? 0) * 3600 + Number(m[2]) * 60 + Number(m[3]) + Number(m[4]!.padEnd(3, '0')) / 1000 : null;
    const text = lines
      .slice(at + 1)
      .join(' ')
      // Markup (<i>, <c.colour>, <00:01.000>) and ASS overrides ({\an8}) are not words.
      .replace(/<[^>]*>/g, ' ')
      .replace(/\{[^}]*\}/g, ' ')
      .replace(/&amp;/g, '&')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/\s+/g, ' ')
      .trim();
    if (text) cues.push({ startSeconds: start !== null && Number.isFinite(start) ? Math.round(start * 100) / 100 : null, text });
  }
  return cues;
}

/**
 * Screens everything the item has to read. `null` when there is no text at all (a video without captions, title
 * or description is not "clean", it is unscreened); else the hits, possibly none.
 */
export function screenItemText(
  texts: { captions?: string | null; title?: string | null; description?: string | null; page?: string | null },
  list: WordList,
): WordHit[] | null {
  const present = [texts.captions, texts.title, texts.description, texts.page].some((t) => t && t.trim());
  if (!present) return null;
  const screen = createWordScreen(list);
  const hits: WordHit[] = [];
  if (texts.title) hits.push(...screen.screen(texts.title, 'title', null));
  if (texts.description) hits.push(...screen.screen(texts.description, 'description', null));
  if (texts.captions) for (const cue of captionCues(texts.captions)) hits.push(...screen.screen(cue.text, 'captions', cue.startSeconds));
  if (texts.page) hits.push(...screen.screen(texts.page, 'page', null));
  return hits.slice(0, MAX_HITS);
}

/** The readable text of a reader-copy page (our own cleaned HTML): tags dropped, entities of the common kind read. */
export function pageText(html: string): string {
  return html
    .slice(0, MAX_SCREENED_CHARS * 2)
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/\s+/g, ' ')
    .trim();
}
