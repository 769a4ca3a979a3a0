// One-origin front for ntfy's built web app + a Herald server, standing in for what ntfy's Go
// server does itself: static files from the build, the SPA's index.html for browser navigations,
// everything else (API, /config.js, topic streams, WebSockets, publishing) forwarded to Herald.
// Usage: node proxy.mjs <build-dir> <listen-port> <herald-origin>
import http from 'node:http';
import net from 'node:net';
import fs from 'node:fs';
import path from 'node:path';

const [buildDir, port, heraldOrigin] = process.argv.slice(2);
const herald = new URL(heraldOrigin);
const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css', '.html': 'text/html', '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon', '.json': 'application/json', '.mp3': 'audio/mpeg', '.woff2': 'font/woff2', '.woff': 'font/woff', '.ttf': 'font/ttf', '.map': 'application/json' };

// The web app's root comes from Herald's own /config.js (app_root), as a user's browser sees it.
const configJs = await (await fetch(new URL('/config.js', herald))).text();
const appRoot = /"app_root":\s*"([^"]*)"/.exec(configJs)?.[1] ?? '/';
const SPA = new Set([appRoot, '/login', '/signup', '/account', '/settings']);
const RESERVED = new Set(['v1', 'static', 'file', 'docs', 'config.js', 'sw.js', 'manifest.webmanifest', 'favicon.ico']);

function isNavigation(req, pathname) {
  if (req.method !== 'GET' || !(req.headers.accept ?? '').includes('text/html')) return false;
  if (SPA.has(pathname)) return true;
  const parts = pathname.split('/').filter(Boolean);
  // ntfy serves the app for /<topic> and /<host>/<topic> when a browser asks for HTML.
  if (parts.length === 1 && !RESERVED.has(parts[0]) && /^[-_A-Za-z0-9]{1,64}$/.test(parts[0])) return true;
  return parts.length === 2 && parts[0].includes('.');
}

function serveFile(res, file) {
  fs.readFile(file, (err, data) => {
    if (err) { res.writeHead(404); res.end(); return; }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
    res.end(data);
  });
}

const server = http.createServer((req, res) => {
  const { pathname } = new URL(req.url, 'http://x');
  if (pathname.startsWith('/static/') || pathname === '/sw.js' || pathname === '/sw.js.map') {
    return serveFile(res, path.join(buildDir, path.normalize(pathname)));
  }
  if (pathname === '/manifest.webmanifest') {
    res.writeHead(200, { 'content-type': 'application/manifest+json' });
    return res.end(JSON.stringify({ name: 'ntfy', short_name: 'ntfy', start_url: appRoot, display: 'standalone', icons: [] }));
  }
  if (isNavigation(req, pathname)) return serveFile(res, path.join(buildDir, 'index.html'));
  const upstream = http.request({ host: herald.hostname, port: herald.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
    res.writeHead(up.statusCode, up.headers);
    up.pipe(res);
  });
  upstream.on('error', (e) => { if (!res.headersSent) res.writeHead(502); res.end(String(e)); });
  // A browser leaving a stream (SSE, JSON) must end the upstream request too.
  res.on('close', () => upstream.destroy());
  req.pipe(upstream);
});

// WebSockets (/<topic>/ws): replay the upgrade request to Herald and splice the sockets.
server.on('upgrade', (req, socket, head) => {
  const up = net.connect(Number(herald.port), herald.hostname, () => {
    const lines = [`${req.method} ${req.url} HTTP/1.1`];
    for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
    up.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (head.length) up.write(head);
    up.pipe(socket);
    socket.pipe(up);
  });
  up.on('error', () => socket.destroy());
  up.on('close', () => socket.destroy());
  socket.on('error', () => up.destroy());
  socket.on('close', () => up.destroy());
});

server.listen(Number(port), '127.0.0.1', () => console.log(`proxy on :${port} → ${heraldOrigin}, app_root ${appRoot}`));
