import { promises as fs } from 'node:fs';
import path from 'node:path';
import { VettedError } from '../domain/errors.js';
import type { MediaStore } from '../storage/store.js';
import type { Source } from './types.js';

const ORIGINAL_GONE = new VettedError(
  'upload_missing',
  'The uploaded file is no longer on the server (it may have been purged). Upload it again.',
);

/**
 * A file a teacher uploaded (the way out when a site refuses downloads): its original is already on
 * disk, so "fetching" is a hard link into the work folder, and the media stage treats it like any
 * downloaded video — probed, checked, remuxed or transcoded, metadata stripped.
 */
export function uploadSource(store: MediaStore): Source {
  return {
    name: 'upload',
    async fetch(ctx) {
      const original = store.originalPath(ctx.item.id);
      const target = path.join(ctx.workDir, 'source.bin');
      await fs.link(original, target).catch(async (e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT') throw ORIGINAL_GONE;
        await fs.copyFile(original, target);
      });
      ctx.onProgress(100);
      return { type: 'video', file: 'source.bin' };
    },
  };
}
