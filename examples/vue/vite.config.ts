import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const source = (path: string) => fileURLToPath(new URL(`../../src/${path}`, import.meta.url));

// The Vue example: `dexorm` and `dexorm/vue` resolve to the library's source entries, as the
// package's exports would resolve them to dist/.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  resolve: {
    alias: [
      { find: /^dexorm$/, replacement: source('index.ts') },
      { find: /^dexorm\/vue$/, replacement: source('vue/index.ts') },
    ],
  },
  define: {
    __VUE_OPTIONS_API__: 'false',
    __VUE_PROD_DEVTOOLS__: 'false',
    __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
  },
  optimizeDeps: { include: ['dexie', 'rxjs', 'vue'] },
});
