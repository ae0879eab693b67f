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
  /** An English WebVTT file name inside workDir, when the source had captions. */
  captions?: string;
  title?: string;
  details?: Record<string, unknown>;
}

/**
 * A vetted copy of a web page in workDir: a self-contained reader view plus its pictures. All
 * names are plain file names inside workDir; `page` refers to the images by relative name, so they
 * must be published side by side in one folder.
 */
export interface FetchedPage {
  type: 'page';
  title?: string;
  details?: Record<string, unknown>;
  files: {
    page: string;
    /** `thumbnail.jpg`, or `thumbnail.svg` when the page had no usable picture. */
    thumbnail: string;
    /** `poster.jpg`, or `poster.svg`. */
    poster: string;
    /** Re-encoded content images (`img-N.jpg`) that `page` refers to. */
    images: string[];
  };
}

export interface Source {
  readonly name: string;
  fetch(ctx: SourceContext): Promise<FetchedVideo | FetchedPage>;
}
