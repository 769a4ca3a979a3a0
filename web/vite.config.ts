import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));

/**
 * The web app (index.html, served at `web-root`) and the admin console (admin.html, at `/admin`)
 * are one build with two entries, so they share chunks (React, the API client) while the topics
 * app loads none of the console's code. Hashed names under /static/web/ let Herald cache them
 * for a year; the HTML pages are served without caching.
 */
export default defineConfig({
  root: here,
  base: '/static/web/',
  plugins: [react()],
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    target: 'es2022',
    rollupOptions: {
      input: { index: `${here}index.html`, admin: `${here}admin.html` },
    },
  },
  server: {
    // `npx vite web` during development: Herald on :2586 answers the API.
    proxy: { '^/(v1|config\\.js|[-_A-Za-z0-9]+/(json|sse|ws|raw|auth))': { target: 'http://127.0.0.1:2586', ws: true } },
  },
});
