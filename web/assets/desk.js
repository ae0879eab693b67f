import { api, el } from './api.js';

// A minimal teacher desk: sign in, acknowledge the reminder, add classes and playlists, paste links,
// watch progress live, review and approve. The full desk comes later; this one is enough to vet.
const $ = (id) => document.getElementById(id);
const show = (id) => {
  for (const s of ['signin', 'reminder', 'desk', 'review']) $(s).hidden = s !== id;
};
const STATUS_WORDS = {
  queued: 'Waiting', fetching: 'Downloading', processing: 'Preparing', awaiting_review: 'Ready for you to watch',
  approved: 'On the board', rejected: 'Rejected', failed: 'Failed', expired: 'Expired', quarantined: 'Reported', removed: 'Removed',
};
let reminderVersion = null;
const streams = new Map();

async function start() {
  try {
    const me = await api('GET', '/api/me');
    $('who').textContent = me.user.email;
    $('logout').hidden = false;
    if (!me.reminderAcknowledged) return askReminder(me.reminder, me.reminderVersion);
    return openDesk();
  } catch {
    show('signin');
  }
}

function askReminder(text, version) {
  reminderVersion = version;
  $('reminder-text').textContent = text;
  show('reminder');
  $('reminder-ok').focus();
}

$('signin-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const f = new FormData(e.target);
  try {
    const r = await api('POST', '/api/login', { email: f.get('email'), password: f.get('password') });
    $('who').textContent = r.user.email;
    $('logout').hidden = false;
    askReminder(r.reminder, r.reminderVersion);
  } catch (err) {
    $('signin-error').textContent = err.message;
  }
});
$('reminder-ok').addEventListener('click', async () => {
  await api('POST', '/api/reminder/acknowledge', { version: reminderVersion });
  openDesk();
});
$('logout').addEventListener('click', async () => {
  await api('POST', '/api/logout').catch(() => {});
  location.reload();
});
$('class-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const name = new FormData(e.target).get('name');
  await guard(() => api('POST', '/api/classes', { name }));
  e.target.reset();
  openDesk();
});

async function guard(fn) {
  $('desk-error').textContent = '';
  try {
    return await fn();
  } catch (err) {
    $('desk-error').textContent = err.message;
    throw err;
  }
}

async function openDesk() {
  show('desk');
  const { classes } = await api('GET', '/api/classes');
  const root = $('classes');
  root.replaceChildren();
  for (const c of classes) {
    const lists = el('div');
    for (const p of c.playlists) lists.append(await renderPlaylist(p));
    root.append(
      el('section', { class: 'class' },
        el('h2', {}, c.name),
        el('p', {}, 'Board link: ', el('a', { href: c.board.url, target: '_blank', rel: 'noopener' }, c.board.url)),
        lists,
        el('form', { class: 'inline', onsubmit: async (e) => {
          e.preventDefault();
          const f = new FormData(e.target);
          await guard(() => api('POST', '/api/playlists', { classId: c.id, name: f.get('name'), kind: f.get('kind') }));
          openDesk();
        } },
          el('label', {}, 'New playlist ', el('input', { name: 'name', required: true, maxlength: 200 })),
          el('label', {}, 'Kind ', el('select', { name: 'kind' }, el('option', { value: 'videos' }, 'Videos'), el('option', { value: 'sites' }, 'Sites'))),
          el('button', { type: 'submit' }, 'Add playlist'))));
  }
}

async function renderPlaylist(p) {
  const full = await api('GET', `/api/playlists/${p.id}`);
  const list = el('div');
  for (const item of full.items) list.append(renderItem(item));
  return el('div', { class: 'playlist' },
    el('h3', {}, `${p.name} (${p.kind})`),
    list,
    el('form', { class: 'inline', onsubmit: async (e) => {
      e.preventDefault();
      const url = new FormData(e.target).get('url');
      const item = await guard(() => api('POST', '/api/items', { url, playlistId: p.id }));
      e.target.reset();
      list.append(renderItem(item));
    } },
      el('label', {}, 'Paste a link ', el('input', { name: 'url', type: 'url', required: true, size: 40 })),
      el('button', { type: 'submit' }, 'Add')));
}

function renderItem(item) {
  const row = el('div', { class: 'item', 'data-item': item.id });
  paint(row, item);
  if (['queued', 'fetching', 'processing'].includes(item.status)) follow(row, item.id);
  return row;
}

function paint(row, item) {
  const words = STATUS_WORDS[item.status] ?? item.status;
  const busy = ['queued', 'fetching', 'processing'].includes(item.status);
  row.replaceChildren(
    el('div', {},
      el('strong', {}, item.title || item.url), ' ',
      el('span', { class: 'status' }, words),
      busy ? el('progress', { max: 100, value: item.progress, 'aria-label': `${words} ${item.progress}%` }) : null,
      item.error ? el('p', { class: 'error' }, item.error.message) : null),
    el('div', {},
      item.status === 'awaiting_review' || item.status === 'approved'
        ? el('button', { onclick: () => openReview(item.id) }, item.status === 'approved' ? 'Watch' : 'Watch and review')
        : null));
}

function follow(row, id) {
  if (streams.has(id)) streams.get(id).close();
  const es = new EventSource(`/api/items/${id}/events`);
  streams.set(id, es);
  es.addEventListener('item', (e) => {
    const item = JSON.parse(e.data);
    paint(row, item);
    if (!['queued', 'fetching', 'processing'].includes(item.status)) {
      es.close();
      streams.delete(id);
    }
  });
}

async function openReview(id) {
  const item = await api('GET', `/api/items/${id}`);
  show('review');
  $('review-title').textContent = item.title;
  $('review-video').src = item.media?.video ?? '';
  $('review-video').poster = item.media?.poster ?? '';
  $('review-facts').textContent = `Length: ${Math.round(item.durationSeconds ?? 0)} s · Source: ${item.url}`;
  $('review-approve').hidden = item.status !== 'awaiting_review';
  $('review-approve').onclick = async () => { await api('POST', `/api/items/${id}/approve`); openDesk(); };
  $('review-reject').onclick = async () => { await api('POST', `/api/items/${id}/reject`, {}); openDesk(); };
}
$('review-back').addEventListener('click', () => { $('review-video').pause(); openDesk(); });

start();
