import { VettedError } from '../domain/errors.js';
import { guardedRequest, type FetchPolicy } from '../net/fetcher.js';
import { sniffKind } from '../domain/link.js';

const SNIFF_BYTES = 4096;

/**
 * For a link whose URL does not say what it is (no telling extension, not YouTube): ask the site
 * and look at the first bytes, then stop reading. Costs one short request before the real fetch.
 */
export async function sniffLink(url: string, policy: FetchPolicy, signal: AbortSignal): Promise<'media' | 'page'> {
  const res = await guardedRequest(url, { policy, signal });
  try {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      chunks.push(chunk as Buffer);
      size += (chunk as Buffer).length;
      if (size >= SNIFF_BYTES) break;
    }
    const type = (res.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() || undefined;
    if (res.status >= 400) return type === 'text/html' ? 'page' : 'media'; // the real fetch reports the status
    const kind = sniffKind(type, Buffer.concat(chunks).subarray(0, SNIFF_BYTES));
    if (kind === 'other') {
      throw new VettedError(
        'link_unsupported',
        'This link is neither a video file nor a web page Vetted can copy (it may be a streaming playlist, a document or a download).',
      );
    }
    return kind;
  } finally {
    res.body.destroy();
  }
}
