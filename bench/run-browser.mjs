// Runs the workloads in real Chromium (IndexedDB on disk, in a throwaway profile): Vite serves
// bench/browser/index.html, playwright-core drives the page, CDP measures the heap.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { createServer } from 'vite';
import { chromiumArgs } from '../scripts/chromium.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The shared launch flags, plus: keep timers from being throttled, whatever Chromium decides. */
const benchArgs = [
  ...chromiumArgs,
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
];
/**
 * Serves the bench page, runs it in Chromium at `executablePath`, and returns its report.
 * @param {{ executablePath: string, scale: number, only: string[], log: (message: string) => void }} options
 */
export async function runInChromium({ executablePath, scale, only, sizes, log }) {
  const server = await createServer({
    root,
    configFile: false,
    logLevel: 'error',
    clearScreen: false,
    server: {
      host: '127.0.0.1',
      port: 0,
      hmr: false,
      watch: null,
      // Cross-origin isolation gives performance.now() 5 µs steps instead of 100 µs ones.
      headers: {
        'Cross-Origin-Opener-Policy': 'same-origin',
        'Cross-Origin-Embedder-Policy': 'require-corp',
      },
    },
    // Pre-bundle up front so that the page is never reloaded mid-run for a new dependency.
    optimizeDeps: {
      entries: ['bench/browser/index.html'],
      include: ['dexie', 'rxjs'],
    },
  });
  const profile = mkdtempSync(join(tmpdir(), 'dexorm-bench-'));
  let context;
  try {
    await server.listen();
    const base = server.resolvedUrls?.local[0];
    if (!base) throw new Error('the Vite server did not report its address');
    context = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      args: benchArgs,
    });
    const version = context.browser()?.version() ?? 'unknown';
    const page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(0);
    page.on('pageerror', (error) => log(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') log(`console: ${message.text()}`);
    });
    const cdp = await context.newCDPSession(page);
    await page.exposeFunction('benchLog', (message) => log(message));
    await page.exposeFunction('benchHeapUsed', async () => {
      await cdp.send('HeapProfiler.collectGarbage');
      await cdp.send('HeapProfiler.collectGarbage');
      const { usedSize } = await cdp.send('Runtime.getHeapUsage');
      return usedSize;
    });
    await page.goto(new URL('bench/browser/index.html', base).href);
    await page.waitForFunction(() => typeof window.dexormBench === 'function', undefined, {
      timeout: 60_000,
    });
    const environment = `Chromium ${version} (headless, IndexedDB on disk)`;
    if (sizes)
      await page.evaluate((asked) => localStorage.setItem('DEXORM_BENCH_SIZES', asked), sizes);
    return await page.evaluate(
      ([name, factor, ids]) => window.dexormBench(name, factor, ids),
      [environment, scale, only],
    );
  } finally {
    await context?.close().catch(() => undefined);
    await server.close();
    rmSync(profile, { recursive: true, force: true });
  }
}
