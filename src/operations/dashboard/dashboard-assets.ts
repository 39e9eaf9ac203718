import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Asset {
  body: Buffer;
  contentType: string;
}

/** The dashboard's files by the name they are served under; nothing else is served. */
const PAGE_FILES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'dashboard.css': 'text/css; charset=utf-8',
  'dashboard.js': 'text/javascript; charset=utf-8',
  'api.js': 'text/javascript; charset=utf-8',
  'chart.js': 'text/javascript; charset=utf-8',
};

/** The project's folder, above wherever this file runs from (src, dist/src or a test build). */
function projectRoot(): string {
  let folder = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(folder, 'public', 'dashboard', 'index.html'))) return folder;
    const parent = dirname(folder);
    if (parent === folder) throw new Error('public/dashboard not found above ' + fileURLToPath(import.meta.url));
    folder = parent;
  }
}

/**
 * The dashboard's files, read once: the page from public/dashboard, and the graphql-ws browser
 * client from its npm package (its UMD build, which defines `window.graphqlWs`), so that the page
 * loads nothing from anywhere but this server.
 */
export function loadDashboardAssets(): Map<string, Asset> {
  const folder = join(projectRoot(), 'public', 'dashboard');
  const assets = new Map<string, Asset>();
  for (const [name, contentType] of Object.entries(PAGE_FILES)) assets.set(name, { body: readFileSync(join(folder, name)), contentType });
  const graphqlWsEntry = createRequire(import.meta.url).resolve('graphql-ws');
  const umd = join(dirname(graphqlWsEntry), '..', 'umd', 'graphql-ws.min.js');
  assets.set('graphql-ws.js', { body: readFileSync(umd), contentType: 'text/javascript; charset=utf-8' });
  return assets;
}

/** Only this server: scripts, styles and connections (HTTP and WebSocket) to its own origin. */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self' ws: wss:",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');
