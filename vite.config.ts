import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The demo (`npm run demo`, `npm run demo:build`): `dexorm` resolves to the library's source,
// so the demo always runs the code in src/ through its public entry only.
export default defineConfig({
  root: fileURLToPath(new URL('./demo', import.meta.url)),
  resolve: {
    alias: [
      { find: /^dexorm$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
    ],
  },
  // Bundled before the first page load, so the first visit is not interrupted by a reload.
  optimizeDeps: { include: ['dexie', 'rxjs'] },
  // Relative asset paths: the build can be served from any folder of a static host.
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // dexorm's error messages name the model class; keep those names through minification.
    rolldownOptions: { output: { keepNames: true } },
  },
});
