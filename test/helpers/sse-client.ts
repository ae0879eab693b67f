import http from 'node:http';

/** Reads a server-sent event stream and hands over each event as it arrives. */
export function openStream(url: string) {
  const events: Array<{ event: string; data: string }> = [];
  let buffer = '';
  let status = 0;
  const req = http.get(url, (res) => {
    status = res.statusCode ?? 0;
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buffer += chunk;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data !== undefined) events.push({ event, data });
      }
    });
  });
  req.on('error', () => undefined);
  return {
    events,
    status: () => status,
    close: () => req.destroy(),
    async next(predicate: (e: { event: string; data: string }) => boolean, timeoutMs = 5000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const hit = events.find(predicate);
        if (hit) return hit;
        if (Date.now() > until) throw new Error(`no matching event; got ${events.map((e) => e.event).join(', ')}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}
