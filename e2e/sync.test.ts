import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { freshContext, launchChromium, openDemo, screenshots, storedRows } from './support/browser';

const shoot = screenshots('sync');
const pageErrors: string[] = [];
let browser: Browser;
/** Two browser profiles: each context has its own IndexedDB, like two devices. */
let deviceA: BrowserContext;
let deviceB: BrowserContext;
let a: Page;
let b: Page;
const database = `e2e-sync-${Date.now().toString(36)}`;
const serverUrl = () => new URL(`couch/${database}`, inject('demoUrl')).href;

beforeAll(async () => {
  const created = await fetch(serverUrl(), { method: 'PUT' });
  expect(created.status).toBe(201);
  browser = await launchChromium();
  deviceA = await freshContext(browser);
  deviceB = await freshContext(browser);
  a = await openDemo(deviceA, pageErrors, `?sync=/couch/${database}`);
  b = await openDemo(deviceB, pageErrors, `?sync=/couch/${database}`);
  await Promise.all([idle(a), idle(b)]);
});
afterAll(async () => {
  await deviceA?.close();
  await deviceB?.close();
  await browser?.close();
});
afterEach(() => {
  // A page that is offline reports each failed request on its console: those are expected here.
  const unexpected = pageErrors
    .splice(0)
    .filter((error) => !/ERR_INTERNET_DISCONNECTED|ERR_FAILED|Failed to fetch/.test(error));
  expect(unexpected).toEqual([]);
});

function idle(page: Page, timeout = 20_000): Promise<void> {
  return page
    .locator('[data-testid="sync-state"][data-state="idle"]')
    .waitFor({ timeout })
    .then(() => undefined);
}

async function addTask(page: Page, title: string): Promise<void> {
  await page.getByTestId('task-title').fill(title);
  await page.getByTestId('task-add').click();
  await taskRow(page, title).waitFor();
}

function taskRow(page: Page, title: string) {
  return page.getByTestId('task-row').filter({ hasText: title });
}

/** Requests to the sync server (not the page, whose address names the server in its query). */
const toServer = (url: URL) => url.pathname.startsWith('/couch/');

const pendingOf = async (page: Page) =>
  Number(await page.getByTestId('sync-pending').textContent());

/** The titles stored in the page's IndexedDB, read without dexorm. */
async function storedTitles(page: Page, replica = 'a'): Promise<string[]> {
  const tasks = await storedRows<{ title: string }>(page, `dexorm-demo-sync-${replica}`, 'tasks');
  return tasks.map(({ title }) => title).sort();
}

/** Each stored task's file, read in the page without dexorm: is it a Blob, and what it holds. */
function storedFiles(
  page: Page,
): Promise<Array<{ title: string; blob: boolean; text: string; type: string }>> {
  return page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('dexorm-demo-sync-a');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const request = open.result.transaction('tasks').objectStore('tasks').getAll();
          request.onerror = () => reject(request.error);
          request.onsuccess = async () => {
            const rows = request.result as Array<{ title: string; file?: unknown }>;
            const withFiles = rows.filter((row) => row.file != null);
            resolve(
              await Promise.all(
                withFiles.map(async ({ title, file }) => ({
                  title,
                  blob: file instanceof Blob,
                  text: file instanceof Blob ? await file.text() : '',
                  type: file instanceof Blob ? file.type : '',
                })),
              ),
            );
            open.result.close();
          };
        };
      }),
  );
}

describe('the sync panel', () => {
  it('brings a task made on one device to the other', async () => {
    await addTask(a, 'Buy milk');
    await taskRow(b, 'Buy milk').waitFor({ timeout: 10_000 });
    await shoot(b, 'task-arrived');
  });

  it('keeps a task made offline, and pushes it once back online', async () => {
    await deviceA.setOffline(true);
    await addTask(a, 'Written offline');
    await a.locator('[data-testid="sync-state"][data-state="offline"]').waitFor();
    expect(await pendingOf(a)).toBe(1);
    await shoot(a, 'offline-pending');
    expect(await taskRow(b, 'Written offline').count()).toBe(0);
    await deviceA.setOffline(false);
    await taskRow(b, 'Written offline').waitFor({ timeout: 15_000 });
    await idle(a);
    expect(await pendingOf(a)).toBe(0);
  });

  it('pushes a task made while the server was unreachable, after a reload', async () => {
    await deviceA.route(toServer, (route) => route.abort());
    await addTask(a, 'Before the reload');
    await a.reload();
    await taskRow(a, 'Before the reload').waitFor();
    await a.locator('[data-testid="sync-state"][data-state="offline"]').waitFor();
    expect(await pendingOf(a)).toBe(1);
    await deviceA.unroute(toServer);
    await taskRow(b, 'Before the reload').waitFor({ timeout: 20_000 });
    await idle(a);
  });

  it('stops with the offline switch and catches up when switched back', async () => {
    await a.getByTestId('sync-offline').check();
    await a.locator('[data-testid="sync-state"][data-state="stopped"]').waitFor();
    await addTask(a, 'While stopped');
    expect(await taskRow(b, 'While stopped').count()).toBe(0);
    await a.getByTestId('sync-offline').uncheck();
    await taskRow(b, 'While stopped').waitFor({ timeout: 10_000 });
  });

  it('propagates a delete and a change, and both devices store the same tasks', async () => {
    await taskRow(b, 'Buy milk').getByTestId('task-delete').click();
    await taskRow(a, 'Written offline').getByTestId('task-done').check();
    await expect.poll(() => taskRow(a, 'Buy milk').count(), { timeout: 10_000 }).toBe(0);
    await expect
      .poll(() => taskRow(b, 'Written offline').getByTestId('task-done').isChecked(), {
        timeout: 10_000,
      })
      .toBe(true);
    await Promise.all([idle(a), idle(b)]);
    const titles = ['Before the reload', 'While stopped', 'Written offline'];
    expect(await storedTitles(a)).toEqual(titles);
    expect(await storedTitles(b)).toEqual(titles);
    const documents = await (await fetch(`${serverUrl()}/_all_docs`)).json();
    // One document per task, the deleted one kept as a tombstone.
    expect(documents.total_rows).toBe(4);
    await shoot(a, 'converged');
  });

  it('carries an attached file to the other device, where it is a Blob again', async () => {
    await a.getByTestId('task-title').fill('Read the sketch');
    await a.getByTestId('task-file').setInputFiles({
      name: 'sketch.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('a sketch of the engine'),
    });
    await a.getByTestId('task-add').click();
    const link = taskRow(b, 'Read the sketch').getByTestId('task-file');
    await link.waitFor({ timeout: 10_000 });
    expect(await link.textContent()).toBe('File: sketch.txt · 22 bytes · text/plain');
    expect(await storedFiles(b)).toEqual([
      { title: 'Read the sketch', blob: true, text: 'a sketch of the engine', type: 'text/plain' },
    ]);
    const id = (
      await storedRows<{ id: string; title: string }>(b, 'dexorm-demo-sync-a', 'tasks')
    ).find((task) => task.title === 'Read the sketch')!.id;
    const document = await (
      await fetch(`${serverUrl()}/tasks:${encodeURIComponent(JSON.stringify(id))}`)
    ).json();
    expect(document._attachments.file.content_type).toBe('text/plain');
    await shoot(b, 'file-arrived');
  });

  it('keeps a filtered replica (open tasks only) to its subset, and pushes what it writes', async () => {
    const deviceC = await freshContext(browser);
    try {
      const c = await openDemo(deviceC, pageErrors, `?sync=/couch/${database}&replica=c&only=open`);
      await idle(c);
      const open = ['Before the reload', 'Read the sketch', 'While stopped'];
      await expect.poll(() => storedTitles(c, 'c'), { timeout: 10_000 }).toEqual(open);
      // 'Written offline' is done: on the server, not on this replica.
      expect(await storedTitles(a)).toContain('Written offline');
      await addTask(c, 'From the filtered replica');
      await taskRow(a, 'From the filtered replica').waitFor({ timeout: 10_000 });
      await shoot(c, 'filtered-replica');
    } finally {
      await deviceC.close();
    }
  });
});
