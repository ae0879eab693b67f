// The anchor for the board API benchmark: a bare node:http + pg server doing the same read as
// GET /api/board/:token in one query (class by token, its playlists, their approved unexpired items),
// answering JSON. No framework, no cache, no validation: what the hardware gives for one query a request.
import http from 'node:http';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const SQL = `
  SELECT c.id AS class_id, c.name AS class_name, p.id AS p_id, p.name AS p_name, p.kind AS p_kind,
         i.id, i.url, i.kind, i.status, i.title, i.duration_seconds, i.expires_at, i.media, i.media_generation
  FROM classes c
  LEFT JOIN playlists p ON p.class_id = c.id
  LEFT JOIN items i ON i.playlist_id = p.id AND i.status = 'approved' AND (i.expires_at IS NULL OR i.expires_at > now())
  WHERE c.board_token = $1
  ORDER BY p.created_at, p.id, i.position, i.created_at`;

const server = http.createServer(async (req, res) => {
  const m = /^\/api\/board\/([A-Za-z0-9_-]+)$/.exec(req.url ?? '');
  if (!m) return res.writeHead(404).end();
  try {
    const { rows } = await pool.query(SQL, [m[1]]);
    if (rows.length === 0) return res.writeHead(404).end();
    const playlists = [];
    for (const r of rows) {
      if (!r.p_id) continue;
      let p = playlists.at(-1);
      if (p?.id !== r.p_id) playlists.push((p = { id: r.p_id, name: r.p_name, kind: r.p_kind, items: [] }));
      if (r.id) {
        const tail = `${r.id}/${r.media_generation}`;
        p.items.push({ id: r.id, url: r.url, kind: r.kind, status: r.status, title: r.title, durationSeconds: r.duration_seconds,
          expiresAt: r.expires_at, media: r.media && { video: `/media/board/${m[1]}/${tail}/${r.media.video}` } });
      }
    }
    const body = JSON.stringify({ class: { id: rows[0].class_id, name: rows[0].class_name }, playlists });
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) }).end(body);
  } catch {
    res.writeHead(500).end();
  }
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('ready'));
process.on('SIGTERM', () => server.close(() => pool.end().then(() => process.exit(0))));
