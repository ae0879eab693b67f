import { api, el } from './api.js';

// The classroom board: only what the server lists for this board (approved, unexpired items).
// One video at a time, nothing plays after the end, no links out.
const token = decodeURIComponent(location.pathname.split('/').pop());
const $ = (id) => document.getElementById(id);
let lastShown = '';

async function refresh() {
  let data;
  try {
    data = await api('GET', `/api/board/${encodeURIComponent(token)}`);
  } catch (err) {
    $('class-name').textContent = err.message;
    return;
  }
  $('class-name').textContent = data.class.name;
  const items = data.playlists.flatMap((p) => p.items.map((i) => ({ ...i, playlistKind: p.kind })));
  const key = JSON.stringify(items.map((i) => [i.id, i.media?.video]));
  if (key === lastShown) return;
  lastShown = key;
  const visibleIds = new Set(items.map((i) => i.id));
  // An item that left the board (rejected, expired) stops at once if it is playing.
  if (!$('player').hidden && !visibleIds.has($('board-video').dataset.item)) closePlayer();
  $('empty').hidden = items.length > 0;
  $('tiles').replaceChildren(...items.map((i) =>
    el('button', { class: 'tile', 'data-item': i.id, onclick: () => play(i) },
      i.media?.thumbnail ? el('img', { src: i.media.thumbnail, alt: '' }) : null,
      el('span', {}, i.title))));
}

function play(item) {
  if (!item.media?.video) return;
  const v = $('board-video');
  v.dataset.item = item.id;
  v.src = item.media.video;
  v.poster = item.media.poster ?? '';
  $('player').hidden = false;
  $('tiles').hidden = true;
  v.play().catch(() => {});
}
function closePlayer() {
  const v = $('board-video');
  v.pause();
  v.removeAttribute('src');
  v.load();
  $('player').hidden = true;
  $('tiles').hidden = false;
}
$('close-player').addEventListener('click', closePlayer);
$('board-video').addEventListener('ended', () => { /* nothing plays next: the teacher chooses */ });

refresh();
setInterval(refresh, 5000);
