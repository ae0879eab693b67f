/** Content types of the files Vetted publishes (it only ever publishes these kinds). */
const TYPES: Record<string, string> = {
  mp4: 'video/mp4',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  svg: 'image/svg+xml',
  vtt: 'text/vtt; charset=utf-8',
  html: 'text/html; charset=utf-8',
  json: 'application/json',
};

export function contentTypeOf(name: string): string {
  const ext = name.slice(name.lastIndexOf('.') + 1).toLowerCase();
  return TYPES[ext] ?? 'application/octet-stream';
}
