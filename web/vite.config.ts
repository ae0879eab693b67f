import preact from '@preact/preset-vite';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = path.dirname(fileURLToPath(import.meta.url));

// Four pages, one build: the teacher desk, the admin console, the classroom board and its pairing page.
// The board is its own light entry: it carries none of the desk's or the console's code.
export default defineConfig({
  root,
  base: '/',
  plugins: [preact({ devToolsEnabled: false, prefreshEnabled: false })],
  build: {
    outDir: path.join(root, 'dist'),
    emptyOutDir: true,
    target: ['chrome111', 'edge111', 'safari16.4'],
    // Inlined assets would become data: URLs; keep every file a file (the CSP allows 'self').
    assetsInlineLimit: 0,
    reportCompressedSize: true,
    rollupOptions: {
      input: {
        index: path.join(root, 'index.html'),
        admin: path.join(root, 'admin.html'),
        board: path.join(root, 'board.html'),
        pair: path.join(root, 'pair.html'),
      },
    },
  },
  server: { proxy: { '/api': 'http://127.0.0.1:3000', '/media': 'http://127.0.0.1:3000' } },
});
