import path from 'node:path';
import { VettedError } from '../domain/errors.js';
import type { MediaStore } from '../storage/store.js';
import type { Source } from './types.js';

const ORIGINAL_GONE = new VettedError(
  'upload_missing',
  'The uploaded file is no longer on the server (it may have been purged). Upload it again.',
);

/**
 * A file a teacher uploaded (the way out when a site refuses downloads): its original is already in
 * the store, so "fetching" is a copy into the work folder (a hard link on one disk), and the media stage treats it like any
 * downloaded video — probed, checked, remuxed or transcoded, metadata stripped.
 */
export function uploadSource(store: MediaStore): Source {
  return {
    name: 'upload',
    async fetch(ctx) {
      if (!(await store.copyOriginal(ctx.item.id, path.join(ctx.workDir, 'source.bin')))) throw ORIGINAL_GONE;
      ctx.onProgress(100);
      return { type: 'video', file: 'source.bin' };
    },
  };
}
