/**
 * Captions for a clip: WebVTT cues moved so that the clip's start is 0, cues wholly outside the
 * clip dropped and cues crossing its edges cut to fit. Pure text in, text out.
 */
const TIMING = /^((?:\d+:)?\d{2}:\d{2}\.\d{3})\s+-->\s+((?:\d+:)?\d{2}:\d{2}\.\d{3})(.*)$/;

function parseTime(t: string): number {
  const parts = t.split(':').map(Number);
  const [h, m, s] = parts.length === 3 ? parts : [0, ...parts];
  return (h ?? 0) * 3600 + (m ?? 0) * 60 + (s ?? 0);
}

function formatTime(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${s.toFixed(3).padStart(6, '0')}`;
}

export function clipCaptions(vtt: string, start: number, duration: number): string {
  const end = start + duration;
  const blocks = vtt.replace(/\r\n?/g, '\n').split(/\n{2,}/);
  const out: string[] = [];
  for (const block of blocks) {
    const lines = block.split('\n');
    const at = lines.findIndex((l) => TIMING.test(l.trim()));
    if (at < 0) {
      // The header and NOTE/STYLE blocks carry no timing; keep the header, drop the rest.
      if (block.startsWith('WEBVTT')) out.push(block);
      continue;
    }
    const m = TIMING.exec(lines[at]!.trim())!;
    const from = parseTime(m[1]!);
    const to = parseTime(m[2]!);
    if (to <= start || from >= end) continue;
    lines[at] = `${formatTime(Math.max(from, start) - start)} --> ${formatTime(Math.min(to, end) - start)}${m[3] ?? ''}`;
    out.push(lines.join('\n'));
  }
  return `${out.join('\n\n')}\n`;
}
