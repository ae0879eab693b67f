import type { Item, ItemStatus } from './types.js';

/** Statuses in plain words, as a teacher would say them. */
const STATUS_WORDS: Record<ItemStatus, string> = {
  queued: 'Waiting',
  fetching: 'Downloading',
  processing: 'Preparing',
  awaiting_review: 'Ready for you to watch',
  approved: 'On the board',
  rejected: 'Rejected',
  failed: 'Could not be prepared',
  expired: 'Expired',
  quarantined: 'Reported — off every board',
  removed: 'Removed by the e-safety lead',
};

export const WORKING: readonly ItemStatus[] = ['queued', 'fetching', 'processing'];
export const isWorking = (s: ItemStatus) => WORKING.includes(s);

/** "Preparing 42%", "Downloading 10%", or the plain word. */
export function statusText(item: Pick<Item, 'status' | 'progress' | 'kind'>): string {
  const word = STATUS_WORDS[item.status] ?? item.status;
  if (item.status === 'awaiting_review' && item.kind === 'webpage') return 'Ready for you to read';
  if ((item.status === 'processing' || item.status === 'fetching') && item.progress > 0 && item.progress < 100) {
    return `${word} ${item.progress}%`;
  }
  return word;
}

/** A colour family for the status pill (each meets AA contrast in style.css). */
export function statusTone(s: ItemStatus): 'work' | 'ready' | 'good' | 'bad' | 'muted' {
  if (isWorking(s)) return 'work';
  if (s === 'awaiting_review') return 'ready';
  if (s === 'approved') return 'good';
  if (s === 'failed' || s === 'quarantined') return 'bad';
  return 'muted';
}

/** 75.4 → "1:15"; 3725 → "1:02:05". */
export function clock(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds)) return '–';
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** A duration in words for screen readers and the checks list: "2 minutes 5 seconds". */
export function durationWords(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds)) return 'Not known';
  const s = Math.round(seconds);
  const m = Math.floor(s / 60);
  const r = s % 60;
  const part = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
  if (!m) return part(r, 'second');
  return r ? `${part(m, 'minute')} ${part(r, 'second')}` : part(m, 'minute');
}

/** "1:15", "75", "1m15s" → seconds; undefined if it is not a time. */
export function parseClock(text: string): number | undefined {
  const t = text.trim();
  if (!t) return undefined;
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t);
  const parts = t.split(':');
  if (parts.length >= 2 && parts.length <= 3 && parts.every((p) => /^\d+(\.\d+)?$/.test(p))) {
    return parts.reduce((acc, p) => acc * 60 + Number(p), 0);
  }
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?$/.exec(t);
  if (m && (m[1] || m[2] || m[3])) return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
  return undefined;
}

export function dateText(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return d.toLocaleDateString('en-GB', { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' });
}

export function dateTimeText(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return d.toLocaleString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });
}

/** A size in megabytes, the unit people know from phones and e-mail attachments (GB for the large ones). */
export function bytesText(bytes: number | string | null | undefined): string {
  const n = Number(bytes ?? 0);
  if (!Number.isFinite(n) || n <= 0) return 'nothing';
  const mb = n / (1024 * 1024);
  if (mb < 0.05) return 'less than 0.1 MB';
  if (mb < 1024) return `${mb.toFixed(mb < 10 ? 1 : 0)} MB`;
  return `${(mb / 1024).toFixed(1)} GB`;
}

/**
 * A purge schedule in words: the everyday cron forms ("30 2 * * *" → "every night at 02:30"); anything
 * more unusual is described without its cron text.
 */
export function scheduleWords(cron: string | null | undefined): string {
  const parts = (cron ?? '').trim().split(/\s+/);
  if (parts.length !== 5) return 'on a set schedule';
  const [m, h, dom, mon, dow] = parts as [string, string, string, string, string];
  const every = (n: string, unit: string) => (n === '1' ? `every ${unit}` : `every ${n} ${unit}s`);
  if (mon === '*' && dom === '*' && dow === '*') {
    // "*/15 * * * *", "0 */6 * * *", "5 * * * *": the frequent forms.
    if (/^\*\/\d+$/.test(m) && h === '*') return every(m.slice(2), 'minute');
    if (m === '*' && h === '*') return 'every minute';
    if (/^\d+$/.test(m) && h === '*') return `every hour at ${m.padStart(2, '0')} minutes past`;
    if (/^\d+$/.test(m) && /^\*\/\d+$/.test(h)) return `${every(h.slice(2), 'hour')}, at ${m.padStart(2, '0')} minutes past`;
  }
  if (!/^\d+$/.test(m) || !/^\d+$/.test(h) || mon !== '*' || dom !== '*') return 'on a set schedule';
  const at = `${h.padStart(2, '0')}:${m.padStart(2, '0')}`;
  const nightly = Number(h) < 6 || Number(h) >= 20;
  if (dow === '*') return `${nightly ? 'every night' : 'every day'} at ${at}`;
  const days = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
  if (/^[0-7]$/.test(dow)) return `every ${days[Number(dow) % 7]} at ${at}`;
  return 'on a set schedule';
}

/** A yes/no/unknown fact for the checks list. */
export function yesNo(v: boolean | null | undefined, yes = 'Yes', no = 'No'): string {
  return v === true ? yes : v === false ? no : 'Not stated';
}
