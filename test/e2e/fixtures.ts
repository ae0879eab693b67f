import { readFileSync, statSync } from 'node:fs';
import type { FixtureHandler } from '../helpers/fixture-server.js';

/**
 * Serves a file in ten pieces over about `totalMs`, with its length announced, so the download's
 * progress is visible in the desk ("Downloading 40%") instead of over before a browser can see it.
 */
export function serveSlowly(file: string, totalMs: number, contentType = 'video/mp4'): FixtureHandler {
  return (_req, res) => {
    const body = readFileSync(file);
    res.writeHead(200, { 'content-type': contentType, 'content-length': statSync(file).size });
    const pieces = 10;
    const size = Math.ceil(body.length / pieces);
    let i = 0;
    const next = () => {
      if (res.destroyed) return;
      if (i >= pieces) return void res.end();
      res.write(body.subarray(i * size, (i + 1) * size));
      i++;
      setTimeout(next, totalMs / pieces);
    };
    next();
  };
}

export function html(body: string): FixtureHandler {
  return (_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(body);
}

export const articlePage = (title: string, site: string, text: string) => `<!doctype html><html lang="en"><head>
<title>${title} | ${site}</title><meta property="og:site_name" content="${site}"><meta name="author" content="Class Teacher">
</head><body><nav><a href="/">Home</a></nav><div class="cookie-banner">We use cookies</div>
<article><h1>${title}</h1>
<p>${text} ${text}</p><p>${text}</p><p>${text} ${text} ${text}</p>
<script>document.write('tracked')</script></article>
<aside class="related">You may also like: sharks!</aside></body></html>`;
