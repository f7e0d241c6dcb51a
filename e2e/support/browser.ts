import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type Browser,
  type BrowserContext,
  chromium,
  type Locator,
  type Page,
} from 'playwright-core';
import { inject } from 'vitest';
import { chromiumArgs, chromiumPath } from '../../scripts/chromium.mjs';
import { artifactsDir } from './artifacts';

/** Chromium from CHROMIUM_PATH, or Debian's, started with the flags it needs here. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath, args: [...chromiumArgs] });
}

/** A fresh context (its own, empty IndexedDB); its pages act as tabs of one browser. */
export function freshContext(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({ viewport: { width: 1280, height: 900 } });
}

/**
 * Opens the demo in a new tab of `context` and waits until it has read the database.
 * Uncaught page errors are collected in `errors`, for the test to assert there are none. `search`
 * (e.g. `?replica=b`) is added to the address.
 */
export async function openDemo(
  context: BrowserContext,
  errors: string[],
  search = '',
): Promise<Page> {
  const page = await context.newPage();
  page.on('pageerror', (error) => errors.push(`${error.name}: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`${message.text()} (${message.location().url})`);
  });
  await page.goto(new URL(search, inject('demoUrl')).href);
  // The users list has delivered its first value once its counter is past zero.
  await page.getByTestId('users-emissions').filter({ hasNotText: /^0$/ }).waitFor();
  return page;
}

/** The number shown by an emission counter. */
export async function emissions(page: Page, testid: string): Promise<number> {
  return Number(await page.getByTestId(testid).textContent());
}

/** The text of an element as rendered (what a person reads), with whitespace collapsed. */
export async function text(page: Page | Locator, testid: string): Promise<string> {
  // Playwright's innerText, not the DOM's: the page's line breaks between blocks are wanted here.
  const content = await page.getByTestId(testid).innerText();
  return content.replace(/\s+/g, ' ').trim();
}

/** The row of the users list that shows `email`. */
export function userRow(page: Page, email: string): Locator {
  return page.getByTestId('user-row').filter({ hasText: email });
}

/** Saves numbered screenshots of each step under `artifacts/e2e/<suite>/`. */
export function screenshots(suite: string): (page: Page, step: string) => Promise<void> {
  let taken = 0;
  const dir = join(artifactsDir, suite);
  return async (page, step) => {
    taken += 1;
    await mkdir(dir, { recursive: true });
    const name = `${String(taken).padStart(2, '0')}-${step}.png`;
    await page.screenshot({ path: join(dir, name), fullPage: true });
  };
}

/** Every record of `table` in the page's IndexedDB database `database`, read without dexorm. */
export function storedRows<T = Record<string, unknown>>(
  page: Page,
  database: string,
  table: string,
): Promise<T[]> {
  return page.evaluate(
    ([name, store]) =>
      new Promise<T[]>((resolve, reject) => {
        const open = indexedDB.open(name);
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const request = open.result.transaction(store).objectStore(store).getAll();
          request.onsuccess = () => {
            open.result.close();
            resolve(request.result as T[]);
          };
          request.onerror = () => reject(request.error);
        };
      }),
    [database, table] as const,
  );
}
