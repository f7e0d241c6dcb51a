#!/usr/bin/env node
// `npm run bench`: what dexorm costs over hand-written Dexie. Runs the workloads of
// bench/workloads.ts in Node (fake-indexeddb) and in real Chromium (real IndexedDB), prints one
// table per environment (medians of both sides measured in the same run, and their ratio), and
// appends the run to bench/RESULTS.md.
//
// Options: --quick (about a third of the samples), --node-only, --chromium-only,
//          --only=2,5 (only these workloads), --no-record (do not append to bench/RESULTS.md),
//          --sizes=10000,100000,1000000 (the table sizes of section 11; default 10k and 100k),
//          --sync-sizes=2000,20000 (the record counts of section 10; default 2k, 20k and 100k).
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromiumPath, hasChromium } from './chromium.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const scale = args.has('--quick') ? 0.35 : 1;
const only = (process.argv.find((arg) => arg.startsWith('--only=')) ?? '--only=')
  .slice('--only='.length)
  .split(',')
  .filter(Boolean);
const sizesArgument = process.argv.find((arg) => arg.startsWith('--sizes='));
if (sizesArgument) process.env.DEXORM_BENCH_SIZES = sizesArgument.slice('--sizes='.length);
const syncSizesArgument = process.argv.find((arg) => arg.startsWith('--sync-sizes='));
if (syncSizesArgument) {
  process.env.DEXORM_BENCH_SYNC_SIZES = syncSizesArgument.slice('--sync-sizes='.length);
}
const wantNode = !args.has('--chromium-only');
const wantChromium = !args.has('--node-only');

function runNode() {
  const directory = mkdtempSync(join(tmpdir(), 'dexorm-bench-'));
  const output = join(directory, 'node-report.json');
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      process.execPath,
      ['--expose-gc', resolve(root, 'bench/run-node.mjs'), output, String(scale), only.join(',')],
      { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] },
    );
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      try {
        if (code !== 0) throw new Error(`the Node bench exited with ${code ?? signal}`);
        resolvePromise(JSON.parse(readFileSync(output, 'utf8')));
      } catch (error) {
        reject(error);
      } finally {
        rmSync(directory, { recursive: true, force: true });
      }
    });
  });
}

async function runChromium() {
  const { runInChromium } = await import('../bench/run-browser.mjs');
  return runInChromium({
    executablePath: chromiumPath,
    scale,
    only,
    sizes: process.env.DEXORM_BENCH_SIZES,
    log: (message) => process.stderr.write(`  [chromium] ${message}\n`),
  });
}

function formatValue(value, unit) {
  if (!Number.isFinite(value)) return '—';
  if (unit === 'count') return String(value);
  if (unit === 'B') return `${value.toFixed(0)} B`;
  const digits = value >= 100 ? 1 : value >= 10 ? 2 : 3;
  return `${value.toFixed(digits)} ms`;
}

/** A Markdown table: readable in the terminal and pasted as is into RESULTS.md. */
function table(report) {
  const header = ['workload', 'dexorm', 'hand-written', 'ratio', 'target', 'met', 'samples'];
  const lines = report.rows.map((row) => [
    row.workload,
    formatValue(row.dexorm, row.unit),
    formatValue(row.baseline, row.unit) +
      (row.baselineName === 'Dexie' ? '' : ` (${row.baselineName})`),
    Number.isFinite(row.ratio) ? row.ratio.toFixed(2) : '—',
    row.target,
    row.pass ? 'yes' : '**NO**',
    row.samples,
  ]);
  const widths = header.map((title, i) =>
    Math.max(title.length, ...lines.map((line) => line[i].length)),
  );
  const format = (cells) => `| ${cells.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
  return [
    format(header),
    `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`,
    ...lines.map(format),
  ].join('\n');
}

function section(report) {
  const missed = report.rows.filter((row) => !row.pass).map((row) => row.workload);
  return [
    `### ${report.environment}`,
    '',
    `Started ${report.startedAt}, ${report.seconds.toFixed(0)} s. Medians; ratio = dexorm / hand-written.`,
    '',
    table(report),
    '',
    ...report.notes.map((note) => `- ${note}`),
    missed.length === 0
      ? '- every target met'
      : `- targets missed: ${missed.join('; ')} (see "Missed targets" above)`,
    '',
  ].join('\n');
}

const started = new Date();
const reports = [];
const skipped = [];
console.log(
  `dexorm bench${scale < 1 ? ' (quick)' : ''}: medians of dexorm and of hand-written Dexie, same run`,
);
if (wantNode) {
  console.log('\n▶ Node on fake-indexeddb');
  reports.push(await runNode());
}
if (wantChromium) {
  if (hasChromium) {
    console.log(`\n▶ Chromium at ${chromiumPath} (real IndexedDB)`);
    reports.push(await runChromium());
  } else {
    skipped.push(`Chromium: no browser at ${chromiumPath} (install chromium or set CHROMIUM_PATH)`);
  }
}

for (const report of reports) console.log(`\n${section(report)}`);
for (const reason of skipped) console.log(`\n⚠ SKIPPED ${reason}`);

if (!args.has('--no-record') && only.length === 0 && reports.length > 0) {
  const heading = `## Run of ${started.toISOString()}${scale < 1 ? ' (quick)' : ''}`;
  const body = reports.map(section).join('\n');
  const skippedLines = skipped.map((reason) => `- skipped: ${reason}\n`).join('');
  appendFileSync(resolve(root, 'bench/RESULTS.md'), `\n${heading}\n\n${body}${skippedLines}`);
  console.log('\nappended to bench/RESULTS.md');
}
