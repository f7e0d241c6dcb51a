import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const source = (path: string) => fileURLToPath(new URL(`../../src/${path}`, import.meta.url));

// The React example: `dexorm` and `dexorm/react` resolve to the library's source entries, as the
// package's exports would resolve them to dist/.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  resolve: {
    alias: [
      { find: /^dexorm$/, replacement: source('index.ts') },
      { find: /^dexorm\/react$/, replacement: source('react/index.ts') },
    ],
  },
  oxc: { jsx: { runtime: 'automatic' } },
  optimizeDeps: { include: ['dexie', 'rxjs', 'react', 'react-dom/client', 'react/jsx-runtime'] },
});
