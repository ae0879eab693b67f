import type { ItemRow } from '../db/schema.js';
import type { FetchPolicy } from '../net/fetcher.js';

/**
 * What every source (direct media file, YouTube, web page) offers the fetch stage: given an item
 * and a private work folder, bring the bytes home through the guarded fetcher.
 */
export interface SourceContext {
  item: ItemRow;
  workDir: string;
  policy: FetchPolicy;
  signal: AbortSignal;
  onProgress: (percent: number) => void;
}

/** A video file on local disk, ready for the media stage. */
export interface FetchedVideo {
  type: 'video';
  /** File name inside workDir. */
  file: string;
  title?: string;
  details?: Record<string, unknown>;
}

export interface Source {
  readonly name: string;
  fetch(ctx: SourceContext): Promise<FetchedVideo>;
}
