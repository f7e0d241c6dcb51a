import { playwright } from '@vitest/browser-playwright';
import { defineConfig } from 'vitest/config';
import { chromiumArgs, chromiumPath, hasChromium } from './scripts/chromium.mjs';

const nodeProject = {
  test: {
    name: 'node',
    include: ['test/**/*.test.ts'],
    environment: 'node',
    setupFiles: ['fake-indexeddb/auto', 'test/support/node-globals.ts'],
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
  },
};

const browserProject = {
  test: {
    name: 'browser',
    include: ['test/**/*.test.ts'],
    // test/node/ reads files from disk, test/sync/ starts a server process: Node only (the demo's
    // end-to-end tests replicate between two Chromium profiles).
    exclude: ['test/node/**', 'test/sync/**'],
    setupFiles: ['test/support/quiet-dexie.ts'],
    browser: {
      enabled: true,
      headless: true,
      screenshotFailures: false,
      provider: playwright({
        launchOptions: { executablePath: chromiumPath, args: [...chromiumArgs] },
      }),
      instances: [{ browser: 'chromium' as const }],
    },
  },
};

export default defineConfig({
  test: {
    projects: hasChromium ? [nodeProject, browserProject] : [nodeProject],
  },
});
