import path from 'node:path';
import { VettedError } from '../domain/errors.js';
import { titleFromUrl } from '../domain/link.js';
import { downloadToFile } from '../net/fetcher.js';
import type { Source } from './types.js';

const HTML_TYPES = /^(text\/html|application\/xhtml\+xml)/i;
const NOT_MEDIA_TYPES = /^(text\/|application\/(json|xml|javascript|pdf))/i;

/** A link straight to a video file: download it whole, streaming to disk. */
export const directMediaSource: Source = {
  name: 'direct',
  async fetch(ctx) {
    const file = 'source.bin';
    let total: number | undefined;
    const result = await downloadToFile(ctx.item.url, path.join(ctx.workDir, file), {
      policy: ctx.policy,
      signal: ctx.signal,
      accept: ({ contentType }) => {
        if (contentType && HTML_TYPES.test(contentType)) {
          throw new VettedError(
            'not_a_video',
            'This link opens a web page, not a video file. Add it to a site list instead, or copy the link of the video itself.',
          );
        }
        if (contentType && NOT_MEDIA_TYPES.test(contentType)) {
          throw new VettedError('not_a_video', `This link gives a ${contentType.split(';')[0]} document, not a video file.`);
        }
      },
      onProgress: (received, length) => {
        total = length;
        if (total) ctx.onProgress((received / total) * 100);
      },
    });
    return { type: 'video', file, title: titleFromUrl(result.url), details: { sourceBytes: result.bytes } };
  },
};
