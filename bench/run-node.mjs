// Runs the workloads in this Node process (started with --expose-gc by scripts/bench.mjs) on
// fake-indexeddb. Node 20 cannot import .ts, so Vite's module runner loads bench/node.ts.
// Usage: node --expose-gc bench/run-node.mjs <report.json> <scale> [<workloads, e.g. 2,5>]
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runnerImport } from 'vite';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const [output, scaleArgument = '1', onlyArgument = ''] = process.argv.slice(2);
if (!output) throw new Error('usage: node --expose-gc bench/run-node.mjs <report.json> <scale>');

const packageVersion = (name) =>
  JSON.parse(readFileSync(resolve(root, 'node_modules', name, 'package.json'), 'utf8')).version;

const { module } = await runnerImport(resolve(root, 'bench/node.ts'), {
  root,
  configFile: false,
  logLevel: 'error',
});
const report = await module.runInNode({
  scale: Number(scaleArgument),
  only: onlyArgument.split(',').filter(Boolean),
  environment: `Node ${process.versions.node} + fake-indexeddb ${packageVersion('fake-indexeddb')}`,
  log: (message) => process.stderr.write(`  [node] ${message}\n`),
});
writeFileSync(output, JSON.stringify(report));
// fake-indexeddb and Dexie may hold timers; the report is written, so leave now.
process.exit(0);
