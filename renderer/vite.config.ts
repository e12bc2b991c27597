/**
 * The renderer's build: `npx vite build --config renderer/vite.config.ts` → renderer/dist, a
 * self-contained bundle (no CDN) that the desk backend serves in browser mode and Electron loads
 * from disk. `npx vite --config renderer/vite.config.ts` is the dev server (see renderer/README.md).
 */
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';
import { contentSecurityPolicy } from '../electron/desk-api/content-security-policy';
import { faceAssets } from './vite-face-assets';

const fromHere = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

/**
 * The desk screens' policy is one module shared with Electron and the browser-mode host, which send
 * it as a header; the built page carries it too, so it holds wherever the page is opened from.
 * frame-ancestors is left out: browsers ignore it in a meta tag (the headers carry it).
 */
const metaContentSecurityPolicy = contentSecurityPolicy
  .split(';')
  .map((directive) => directive.trim())
  .filter((directive) => directive !== '' && !directive.startsWith('frame-ancestors'))
  .join('; ');

/** In the built page only: the dev server injects an inline React-refresh preamble the policy would block. */
function contentSecurityPolicyMeta(): Plugin {
  return {
    name: 'coverdesk-content-security-policy',
    apply: 'build',
    transformIndexHtml: () => [
      { tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: metaContentSecurityPolicy }, injectTo: 'head-prepend' },
    ],
  };
}

const deskBackend = process.env.COVERDESK_DESK_BACKEND ?? 'ws://127.0.0.1:4800';

export default defineConfig(({ command }) => {
  // A build is what users run: always a production build, whatever NODE_ENV it inherits (vitest
  // sets NODE_ENV=test, which made import.meta.env.DEV true in the e2e tests' build and in the
  // build `npm start` then reused). Vite reads NODE_ENV after loading this file.
  if (command === 'build') process.env.NODE_ENV = 'production';
  return {
    root: fromHere('.'),
    // Relative asset paths: the same build is served by the desk backend and loaded by Electron from disk.
    base: './',
    plugins: [react(), contentSecurityPolicyMeta(), faceAssets()],
    resolve: {
      alias: {
        '@domain': fromHere('../sync-server/domain'),
        '@desk-api': fromHere('../electron/desk-api'),
      },
    },
    build: {
      outDir: fromHere('dist'),
      emptyOutDir: true,
      target: 'es2022',
      // Chromium has native modulepreload; the polyfill would only add code.
      modulePreload: { polyfill: false },
      sourcemap: true,
      rollupOptions: {
        // Two pages share one build: the desk (index.html) and the payer console (console.html,
        // served by the sync server at /console/; sync-server/src/console/static.ts).
        input: { desk: fromHere('index.html'), console: fromHere('console.html') },
        output: {
          // Libraries change less often than the screens: separate chunks, each under Vite's 500 kB warning
          // except face-engine (human with its tfjs, ~2 MB, not splittable), which loads only with the camera.
          manualChunks: (id) => {
            if (/node_modules\/(rxdb|rxjs)\//.test(id)) return 'read-model';
            if (/node_modules\/(react|react-dom|scheduler)\//.test(id)) return 'react';
            // Face recognition with its tfjs (~2 MB) is its own chunk, loaded only when the camera is used.
            if (/node_modules\/@vladmandic\/human\//.test(id)) return 'face-engine';
            // The console dashboard's charts (Recharts and its d3 parts), loaded with import() only when it draws.
            if (/node_modules\/(recharts|victory-vendor|d3-[a-z-]+|internmap)\//.test(id)) return 'charts';
            return undefined;
          },
        },
      },
    },
    server: {
      // The desk backend in browser mode (`npm run desk:web`, DESK_PORT 4800); the page reaches it as
      // same-origin /desk-api through this proxy. The host accepts sockets only from its own origin, so
      // the dev proxy presents that origin (development only: the built page is served by the host itself).
      proxy: {
        '/desk-api': {
          target: deskBackend,
          ws: true,
          configure: (proxy) => {
            proxy.on('proxyReqWs', (request) => request.setHeader('origin', deskBackend.replace(/^ws/, 'http')));
          },
        },
      },
    },
  };
});
