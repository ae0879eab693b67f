import { JSDOM } from 'jsdom';
import { describe, expect, it } from 'vitest';
import { decodeHtml } from '../../src/sources/page/charset.js';
import { cleanPage } from '../../src/sources/page/clean.js';
import { MAX_IMAGES, replaceImages } from '../../src/sources/page/pictures.js';
import { renderPageDocument } from '../../src/sources/page/reader.js';

const BASE = new URL('https://stories.example.org/animals/hedgehogs.html');

const ARTICLE_TEXT =
  'Hedgehogs are small mammals with spines on their backs. They sleep through the cold winter months ' +
  'in nests made of leaves, and wake up hungry in the spring. At night they snuffle through gardens ' +
  'looking for beetles, worms and slugs to eat. ';

/** A page built to contain every kind of clutter and attack the cleaner must survive. */
const NASTY_PAGE = `<!doctype html>
<html lang="en-GB">
<head>
  <meta charset="utf-8">
  <title>Hedgehogs in winter | Nature Stories</title>
  <meta property="og:title" content="All about hedgehogs">
  <meta property="og:site_name" content="Nature Stories">
  <meta property="og:image" content="/img/hedgehog-card.jpg">
  <meta name="author" content="Jo Bloggs">
  <meta property="article:published_time" content="2024-03-05T10:00:00Z">
  <meta name="description" content="How hedgehogs spend the winter.">
  <link rel="canonical" href="https://stories.example.org/hedgehogs">
  <link rel="license" href="https://creativecommons.org/licenses/by-sa/4.0/">
  <meta http-equiv="refresh" content="0;url=http://127.0.0.1/">
  <script>window.evil = 1</script>
  <script type="application/ld+json">{"@type":"Article","headline":"LD headline"}</script>
</head>
<body onload="alert(1)">
  <nav><a href="/">Home</a> <a href="/animals">Animals NAVLINK</a></nav>
  <div id="cookie-banner" class="cookie-consent">COOKIEWALL We use cookies. <button>Accept</button></div>
  <div class="ad-slot">BUY CHEAP STUFF ADTEXT</div>
  <div class="gdpr">GDPRTEXT consent please</div>
  <main>
    <article>
      <h1>All about hedgehogs</h1>
      <p>${ARTICLE_TEXT}</p>
      <p onclick="alert(1)">${ARTICLE_TEXT} Clicking here does nothing now.</p>
      <p><a href="javascript:alert(1)">Bad link JSLINK</a> and <a href="/animals/badgers.html" target="_blank" class="x" style="color:red">a good link to badgers</a>
         and <a href="mailto:teacher@example.org">mail us</a>.</p>
      <figure><img src="/img/hedgehog.jpg" alt="A hedgehog" width="640" height="480" class="big" style="border:1px" srcset="/img/hedgehog-2x.jpg 2x"><figcaption>A hedgehog in leaves.</figcaption></figure>
      <p><img src="../img/hedgehog.jpg#again" alt="Same hedgehog again"></p>
      <p><img src="https://cdn.example.net/photos/nest.png" alt="A nest"></p>
      <p><img src="data:image/png;base64,iVBORw0KGgo=" alt="Inline data"></p>
      <img src="https://www.google-analytics.com/collect?v=1" alt="">
      <img src="/pixel.gif" width="1" height="1" alt="">
      <svg onload=alert(1)><circle r="5"></circle></svg>
      <img src=x onerror=alert(1)>
      <img srcset="javascript:alert(1) 1x">
      <noscript><p title="</noscript><img src=x onerror=alert(1)>"></p></noscript>
      <math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>
      <iframe src="https://www.youtube.com/embed/abcdefghijk"></iframe>
      <form action="/subscribe"><input name="email"><button>Go</button></form>
      <object data="movie.swf"></object><embed src="movie.swf">
      <p>${ARTICLE_TEXT} In the spring the babies, called hoglets, leave the nest.</p>
      <table><thead><tr><th>Food</th></tr></thead><tbody><tr><td colspan="2" onmouseover="x()">Beetles</td></tr></tbody></table>
      <p><a rel="license" href="https://creativecommons.org/licenses/by-sa/4.0/">CC BY-SA</a></p>
      <template><p>TEMPLATETEXT</p></template>
    </article>
    <section class="related-posts"><h2>Related articles</h2><ul><li><a href="/foxes">RELATEDTEXT Foxes</a></li></ul></section>
    <div class="recommended"><p>RECOMMENDEDTEXT more reading</p></div>
    <section><h3>You may also like</h3><p>ALSOLIKETEXT squirrels</p></section>
    <div id="comments"><h2>3 comments</h2><p>COMMENTTEXT Great article!</p></div>
    <div id="disqus_thread">DISQUSTEXT</div>
    <div class="share-buttons"><a href="https://facebook.com/share">SHARETEXT</a></div>
    <div class="newsletter-signup">NEWSLETTERTEXT sign up</div>
    <div class="modal popup">POPUPTEXT</div>
  </main>
  <aside>ASIDETEXT sidebar</aside>
  <footer>FOOTERTEXT copyright</footer>
  <script>document.write('SCRIPTTEXT')</script>
</body>
</html>`;

function elementsWithEventHandlers(html: string): string[] {
  const doc = new JSDOM(`<body>${html}</body>`).window.document;
  const bad: string[] = [];
  for (const el of doc.body.querySelectorAll('*')) {
    for (const attr of Array.from(el.attributes)) {
      if (/^on/i.test(attr.name) || /^(style|class|id|srcset)$/i.test(attr.name)) bad.push(`${el.nodeName}[${attr.name}]`);
    }
  }
  return bad;
}

describe('cleanPage', () => {
  const page = cleanPage(NASTY_PAGE, BASE);

  it('keeps the article text', () => {
    expect(page.html).toContain('Hedgehogs are small mammals');
    expect(page.html).toContain('hoglets');
    expect(page.html).toContain('Beetles');
  });

  it('removes every kind of danger', () => {
    const html = page.html;
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/\son\w+\s*=/i);
    expect(html).not.toMatch(/javascript:/i);
    expect(html).not.toMatch(/data:/i);
    expect(html).not.toMatch(/<(iframe|form|svg|math|object|embed|style|noscript|template|input|button|mglyph)\b/i);
    expect(html).not.toMatch(/\s(style|class|id|srcset|target)=/i);
    expect(html).not.toMatch(/127\.0\.0\.1/);
    expect(elementsWithEventHandlers(html)).toEqual([]);
  });

  it('removes clutter text', () => {
    for (const marker of [
      'COOKIEWALL', 'ADTEXT', 'GDPRTEXT', 'NAVLINK', 'RELATEDTEXT', 'RECOMMENDEDTEXT', 'ALSOLIKETEXT',
      'COMMENTTEXT', 'DISQUSTEXT', 'SHARETEXT', 'NEWSLETTERTEXT', 'POPUPTEXT', 'ASIDETEXT', 'FOOTERTEXT',
      'SCRIPTTEXT', 'TEMPLATETEXT', 'Accept',
    ]) {
      expect(page.html, marker).not.toContain(marker);
    }
  });

  it('extracts metadata', () => {
    expect(page.title).toBe('All about hedgehogs');
    expect(page.siteName).toBe('Nature Stories');
    expect(page.canonicalUrl).toBe('https://stories.example.org/hedgehogs');
    expect(page.lang).toBe('en-GB');
    expect(page.author).toBe('Jo Bloggs');
    expect(page.publishedAt).toBe('2024-03-05T10:00:00.000Z');
    expect(page.licence).toBe('https://creativecommons.org/licenses/by-sa/4.0/');
    expect(page.excerpt).toBe('How hedgehogs spend the winter.');
    expect(page.ogImage).toBe('https://stories.example.org/img/hedgehog-card.jpg');
  });

  it('reports a meta refresh as an absolute URL', () => {
    expect(page.metaRefresh).toBe('http://127.0.0.1/');
  });

  it('collects images as absolute URLs, deduped, with placeholders in the html', () => {
    expect(page.images).toEqual([
      { src: 'https://stories.example.org/img/hedgehog.jpg', placeholder: 'vetted-image:0' },
      { src: 'https://cdn.example.net/photos/nest.png', placeholder: 'vetted-image:1' },
      // <img src=x> is just a broken relative image once its handler is gone.
      { src: 'https://stories.example.org/animals/x', placeholder: 'vetted-image:2' },
    ]);
    expect(page.html).toContain('src="vetted-image:0"');
    expect(page.html).toContain('src="vetted-image:1"');
    expect(page.html).toContain('alt="A hedgehog"');
    expect(page.html).toContain('width="640"');
    expect(page.html).not.toMatch(/google-analytics|pixel\.gif|hedgehog-2x/);
    // Only placeholders, never remote URLs, in image sources.
    for (const m of page.html.matchAll(/<img[^>]*\ssrc="([^"]*)"/g)) expect(m[1]).toMatch(/^vetted-image:\d+$/);
  });

  it('makes links absolute and safe', () => {
    expect(page.html).toContain('href="https://stories.example.org/animals/badgers.html"');
    expect(page.html).toContain('href="mailto:teacher@example.org"');
    expect(page.html).toContain('Bad link JSLINK');
    const doc = new JSDOM(`<body>${page.html}</body>`).window.document;
    for (const a of doc.querySelectorAll('a[href]')) {
      expect(a.getAttribute('href')).toMatch(/^(https?|mailto):/);
      expect(a.getAttribute('rel')).toBe('noopener noreferrer nofollow');
    }
  });

  it('refuses obfuscated script URLs and other smuggling', () => {
    const p = cleanPage(
      `<html><head><base href="javascript:alert(1)//"></head><body><article><p>${ARTICLE_TEXT}</p>
       <p><a href="java\tscript:alert(1)">one</a> <a href=" JaVaScRiPt:alert(1)">two</a> <a href="vbscript:msgbox(1)">three</a>
       <a href="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;">four</a> <a href="//other.example/page">five</a></p>
       <div style="background:url(javascript:alert(1))">styled</div>
       <img src=" data:image/svg+xml,&lt;svg onload=alert(1)&gt;" alt="svg">
       <a href="https://ok.example/" onmouseover="alert(1)" target="_top" ping="https://track.example/">six</a>
       <p>${ARTICLE_TEXT}</p></article></body></html>`,
      BASE,
    );
    expect(p.html).not.toMatch(/javascript:|vbscript:|data:|\son\w+\s*=|style=|target=|ping=/i);
    expect(p.html).toContain('href="https://other.example/page"');
    expect(p.html).toContain('href="https://ok.example/"');
    expect(p.images).toEqual([]);
    for (const word of ['one', 'two', 'three', 'four', 'styled']) expect(p.html).toContain(word);
  });

  it('caps the number of images', () => {
    const imgs = Array.from({ length: MAX_IMAGES + 5 }, (_, i) => `<p>Picture ${i}: <img src="/p/${i}.jpg" alt="p${i}"></p>`).join('');
    const p = cleanPage(`<html><body><article><p>${ARTICLE_TEXT}</p>${imgs}<p>${ARTICLE_TEXT}</p></article></body></html>`, BASE);
    expect(p.images).toHaveLength(MAX_IMAGES);
    expect((p.html.match(/<img/g) ?? []).length).toBe(MAX_IMAGES);
  });

  it('falls back to sensible titles and survives a near-empty page', () => {
    const p = cleanPage('<html><head><title> Tiny  page </title></head><body><p>Hello there.</p></body></html>', BASE);
    expect(p.title).toBe('Tiny page');
    expect(p.html).toContain('Hello there.');
    expect(p.images).toEqual([]);
    const empty = cleanPage('', BASE);
    expect(empty.title).toBe('stories.example.org');
    expect(empty.metaRefresh).toBeUndefined();
  });

  it('ignores meta refresh to non-http targets and honours <base href>', () => {
    const p = cleanPage(
      `<html><head><base href="https://cdn.example.com/site/"><meta http-equiv="Refresh" content="5; URL='javascript:alert(1)'"></head>
       <body><article><p>${ARTICLE_TEXT}</p><img src="pic.png" alt="pic"><p>${ARTICLE_TEXT}</p></article></body></html>`,
      BASE,
    );
    expect(p.metaRefresh).toBeUndefined();
    expect(p.images[0]?.src).toBe('https://cdn.example.com/site/pic.png');
  });

  it('keeps the article when the page wrapper has an ad-ish class', () => {
    const long = ARTICLE_TEXT.repeat(4);
    const p = cleanPage(
      `<html><body class="has-ads"><div id="page" class="site ads-enabled"><p>${long}</p><p>${long}</p></div>
       <div class="ad">ADTEXT</div></body></html>`,
      BASE,
    );
    expect(p.html).toContain('Hedgehogs are small mammals');
    expect(p.html).not.toContain('ADTEXT');
  });
});

describe('replaceImages', () => {
  const html = cleanPage(NASTY_PAGE, BASE).html;

  it('puts local URLs in and removes failed images', () => {
    const out = replaceImages(
      html,
      new Map<string, string | null>([
        ['vetted-image:0', '/pages/42/img/0.webp'],
        ['vetted-image:1', null],
        ['vetted-image:2', 'javascript:alert(1)'],
      ]),
    );
    expect(out).toContain('src="/pages/42/img/0.webp"');
    expect(out).not.toContain('vetted-image:');
    expect(out).not.toContain('A nest');
    expect(out).not.toMatch(/javascript:/i);
    expect((out.match(/<img/g) ?? []).length).toBe(2); // hedgehog.jpg twice (same placeholder)
    expect(out).toContain('Hedgehogs are small mammals');
  });

  it('never trusts markup it is given', () => {
    const out = replaceImages(
      '<p onclick="x()">Hi</p><img src="vetted-image:0" onerror="x()"><img src="https://evil.example/x.png"><script>x()</script>',
      new Map([['vetted-image:0', '/local/0.png']]),
    );
    expect(out).toBe('<p>Hi</p><img src="/local/0.png">');
  });
});

describe('renderPageDocument', () => {
  it('produces a locked-down, escaped, self-contained document', () => {
    const page = cleanPage(NASTY_PAGE, BASE);
    const body = replaceImages(page.html, new Map([['vetted-image:0', '/p/0.jpg'], ['vetted-image:1', '/p/1.png'], ['vetted-image:2', null]]));
    const doc = renderPageDocument(
      { ...page, title: 'Hedgehogs <script>alert(1)</script>', author: 'Jo "Quote" Bloggs', sourceUrl: 'https://stories.example.org/a?b=1&c=<x>' },
      body + '<img src="vetted-image:5"><iframe src="https://x"></iframe>',
    );
    expect(doc.startsWith('<!doctype html>')).toBe(true);
    expect(doc).toContain('<meta charset="utf-8">');
    expect(doc).toContain(
      `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'">`,
    );
    expect(doc).toContain('<html lang="en-GB">');
    expect(doc).toContain('Hedgehogs &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(doc).toContain('By Jo &quot;Quote&quot; Bloggs');
    expect(doc).toContain('Source: https://stories.example.org/a?b=1&amp;c=&lt;x&gt;');
    expect(doc).toContain('Licence: CC BY-SA 4.0');
    expect(doc).toContain('5 March 2024');
    expect(doc).toContain('Nature Stories');
    expect(doc).toContain('max-width:40rem');
    expect(doc).toContain('src="/p/0.jpg"');
    expect(doc).not.toMatch(/<script|<iframe|vetted-image:/i);

    const parsed = new JSDOM(doc).window.document;
    expect(parsed.querySelectorAll('script, iframe')).toHaveLength(0);
    expect(parsed.querySelector('h1')?.textContent).toBe('Hedgehogs <script>alert(1)</script>');
  });
});

describe('decodeHtml', () => {
  const cafe1252 = Buffer.from([0x3c, 0x70, 0x3e, 0x43, 0x61, 0x66, 0xe9, 0x20, 0x80, 0x35, 0x3c, 0x2f, 0x70, 0x3e]); // <p>Café €5</p>

  it('honours the Content-Type charset (windows-1252)', () => {
    expect(decodeHtml(cafe1252, 'text/html; charset=windows-1252')).toBe('<p>Café €5</p>');
    // iso-8859-1 is an alias of windows-1252 in browsers, which is why 0x80 is still €.
    expect(decodeHtml(cafe1252, 'text/html; charset="ISO-8859-1"')).toBe('<p>Café €5</p>');
  });

  it('lets a UTF-8 BOM win and strips it', () => {
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('<p>Café</p>', 'utf8')]);
    expect(decodeHtml(body, undefined)).toBe('<p>Café</p>');
    expect(decodeHtml(body, 'text/html; charset=iso-8859-1')).toBe('<p>Café</p>');
  });

  it('reads <meta charset> and <meta http-equiv> declarations', () => {
    const head = Buffer.from('<html><head><meta charset="windows-1252"></head><body>', 'latin1');
    expect(decodeHtml(Buffer.concat([head, cafe1252]), 'text/html')).toContain('Café €5');
    const equiv = Buffer.from('<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-15">', 'latin1');
    expect(decodeHtml(Buffer.concat([equiv, Buffer.from([0xa4])]), undefined)).toContain('€'); // 0xA4 is € in latin-9
  });

  it('decodes Shift_JIS via ICU', () => {
    const sjis = Buffer.from([0x82, 0xb1, 0x82, 0xf1, 0x82, 0xc9, 0x82, 0xbf, 0x82, 0xcd]); // こんにちは
    expect(decodeHtml(sjis, 'text/html; charset=Shift_JIS')).toBe('こんにちは');
  });

  it('falls back to UTF-8 for unknown or missing charsets', () => {
    const utf8 = Buffer.from('<p>Café</p>', 'utf8');
    expect(decodeHtml(utf8, 'text/html; charset=no-such-charset')).toBe('<p>Café</p>');
    expect(decodeHtml(utf8, undefined)).toBe('<p>Café</p>');
    expect(decodeHtml(Buffer.from('<meta charset="utf-16"><p>Café</p>', 'utf8'), undefined)).toContain('Café');
  });
});
