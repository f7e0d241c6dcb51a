#!/usr/bin/env node
// The min+gzip size of each package entry as a bundler would ship it to a browser, with the
// peer dependencies (dexie, rxjs, react, vue) left external: `npm run size`.
import { gzipSync } from 'node:zlib';
import { build } from 'vite';

const entries = {
  dexorm: 'src/index.ts',
  'dexorm/react': 'src/react/index.ts',
  'dexorm/vue': 'src/vue/index.ts',
  'dexorm/sync': 'src/sync/index.ts',
};
const external = (id) => /^(dexie|rxjs|react|react-dom|vue)(\/|$)/.test(id) || id === 'dexorm';

const kb = (bytes) => `${(bytes / 1024).toFixed(1)} kB`;
console.log('entry          min        min+gzip');
for (const [name, entry] of Object.entries(entries)) {
  const output = await build({
    configFile: false,
    logLevel: 'silent',
    build: {
      write: false,
      minify: true,
      lib: { entry, formats: ['es'], fileName: 'entry' },
      rollupOptions: { external },
    },
  });
  const chunks = (Array.isArray(output) ? output : [output]).flatMap((result) => result.output);
  const code = chunks
    .filter((chunk) => chunk.type === 'chunk')
    .map((chunk) => chunk.code)
    .join('');
  const min = Buffer.byteLength(code);
  const gzip = gzipSync(code, { level: 9 }).length;
  console.log(`${name.padEnd(14)} ${kb(min).padEnd(10)} ${kb(gzip)}`);
}
