import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { createSyncApp } from './scripts/sync-server.mjs';

/** Serves a CouchDB-compatible database at /couch/dexorm-demo (in memory) for the sync panel. */
function syncServer(): Plugin {
  type Handler = ReturnType<typeof createSyncApp>;
  const mount = (middlewares: { use(path: string, handler: Handler): void }) => {
    const app = createSyncApp({ databases: ['dexorm-demo'] });
    // Wrapped: Connect would take an Express app for a sub-app and overwrite its route().
    middlewares.use('/couch', (request, response, next) => app(request, response, next));
  };
  return {
    name: 'dexorm-sync-server',
    configureServer: (server) => mount(server.middlewares),
    configurePreviewServer: (server) => mount(server.middlewares),
  };
}

// The demo (`npm run demo`, `npm run demo:build`): `dexorm` resolves to the library's source,
// so the demo always runs the code in src/ through its public entry only.
export default defineConfig({
  root: fileURLToPath(new URL('./demo', import.meta.url)),
  plugins: [syncServer()],
  resolve: {
    alias: [
      { find: /^dexorm$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
      {
        find: /^dexorm\/sync$/,
        replacement: fileURLToPath(new URL('./src/sync/index.ts', import.meta.url)),
      },
    ],
  },
  // Bundled before the first page load, so the first visit is not interrupted by a reload.
  optimizeDeps: { include: ['dexie', 'rxjs', 'dexie-export-import'] },
  // Relative asset paths: the build can be served from any folder of a static host.
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // dexorm's error messages name the model class; keep those names through minification.
    rolldownOptions: { output: { keepNames: true } },
  },
});
