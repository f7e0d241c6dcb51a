// Runs the workloads in this Node process (started with --expose-gc by scripts/bench.mjs) on
// fake-indexeddb. Node 20 cannot import .ts, so bench/node.ts and the sources it imports are
// first bundled into one ES module (dependencies stay imports), then imported natively: the
// code runs as an app ships it. Vite's module runner would run them too, but it turns every
// import between dexorm's modules into a getter call, which the hand-written side does not
// pay: User.find measured 1.11–1.12 through it where the package build measured 1.05.
// Usage: node --expose-gc bench/run-node.mjs <report.json> <scale> [<workloads, e.g. 2,5>]
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'vite';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const [output, scaleArgument = '1', onlyArgument = ''] = process.argv.slice(2);
if (!output) throw new Error('usage: node --expose-gc bench/run-node.mjs <report.json> <scale>');

const packageVersion = (name) =>
  JSON.parse(readFileSync(resolve(root, 'node_modules', name, 'package.json'), 'utf8')).version;

// Under node_modules, so that the bundle's imports of dependencies resolve as the sources' do.
const outDir = resolve(root, 'node_modules/.cache/dexorm-bench');
await build({
  root,
  configFile: false,
  logLevel: 'error',
  build: {
    ssr: resolve(root, 'bench/node.ts'),
    outDir,
    emptyOutDir: true,
    minify: false,
    sourcemap: false,
    target: 'node20',
    // Model class names show in error messages and morph types: the bundle keeps them.
    rolldownOptions: { output: { keepNames: true, entryFileNames: 'node.mjs' } },
  },
});
const module = await import(pathToFileURL(resolve(outDir, 'node.mjs')).href);
const report = await module.runInNode({
  scale: Number(scaleArgument),
  only: onlyArgument.split(',').filter(Boolean),
  environment: `Node ${process.versions.node} + fake-indexeddb ${packageVersion('fake-indexeddb')}`,
  log: (message) => process.stderr.write(`  [node] ${message}\n`),
});
writeFileSync(output, JSON.stringify(report));
// fake-indexeddb and Dexie may hold timers; the report is written, so leave now.
process.exit(0);
