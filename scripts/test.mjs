#!/usr/bin/env node
// The whole check, as CI runs it: lint, type-check, build, then the tests in Node
// (fake-indexeddb) and, when a Chromium is found, in real Chromium (library + end-to-end).
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { chromiumPath, hasChromium } from './chromium.mjs';

function step(title, command, args) {
  console.log(`\n▶ ${title}: ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { stdio: 'inherit', shell: false });
  if (result.status !== 0) {
    console.error(`\n✖ ${title} failed (exit ${result.status ?? result.signal})`);
    process.exit(result.status ?? 1);
  }
}

const bin = (name) => `node_modules/.bin/${name}`;
step('lint and format', bin('biome'), ['check', '.']);
step('type-check (src, test, bench, demo, e2e)', bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']);
// A clean dist/, so that the package tests see only what this build makes.
rmSync('dist', { recursive: true, force: true });
step('build', bin('tsc'), ['-p', 'tsconfig.build.json']);
step('API reference (TypeDoc: fails on an export without TSDoc)', 'npm', [
  'run',
  '--silent',
  'docs',
]);
step(hasChromium ? 'tests in Node and in Chromium' : 'tests in Node', bin('vitest'), ['run']);
if (hasChromium && existsSync('e2e/vitest.config.ts')) {
  step('end-to-end tests of the demo in Chromium', bin('vitest'), [
    'run',
    '--config',
    'e2e/vitest.config.ts',
  ]);
}
if (!hasChromium) {
  console.log(
    `\n⚠ SKIPPED: the browser and end-to-end tests — no Chromium at ${chromiumPath}.` +
      '\n  Install it (apt-get install chromium) or set CHROMIUM_PATH, then run npm test again.',
  );
}
console.log('\n✔ all checks passed');
