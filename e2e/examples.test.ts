import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshContext, launchChromium, screenshots, storedRows } from './support/browser';

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

/** Starts an example's Vite dev server on a free port. */
async function serve(example: string): Promise<{ server: ViteDevServer; url: string }> {
  const server = await createServer({
    configFile: fileURLToPath(new URL(`../examples/${example}/vite.config.ts`, import.meta.url)),
    server: { port: 0, strictPort: true, hmr: false, watch: null },
    logLevel: 'warn',
    clearScreen: false,
  });
  await server.listen();
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error(`the ${example} example started without a local address`);
  return { server, url };
}

const listed = (page: Page, testid: string) =>
  page.getByTestId(testid).locator('li').allInnerTexts();
/** The posts listed, by their text (each row also holds a Trash button). */
const postTexts = (page: Page) => page.getByTestId('post-text').allInnerTexts();

for (const example of ['react', 'vue']) {
  describe(`the ${example} example app`, () => {
    let server: ViteDevServer | undefined;
    let page: Page;
    const errors: string[] = [];
    const shoot = screenshots(`example-${example}`);

    beforeAll(async () => {
      const started = await serve(example);
      server = started.server;
      const context = await freshContext(browser);
      page = await context.newPage();
      page.on('pageerror', (error) => errors.push(`${error.name}: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      await page.goto(started.url);
      await page.getByTestId('users').waitFor({ state: 'attached' });
    });
    afterAll(async () => {
      await page?.context().close();
      await server?.close();
    });

    it('adds users, posts and tags through the UI, every list live', async () => {
      await page.getByTestId('user-name').fill('Ada');
      await page.getByTestId('add-user').click();
      await expect.poll(() => listed(page, 'users')).toEqual(['Ada (0 posts)']);
      await expect.poll(() => page.getByTestId('selected').innerText()).toBe('Posts of Ada');

      await page.getByTestId('post-title').fill('Notes');
      await page.getByTestId('post-tags').fill('math, engines');
      await page.getByTestId('add-post').click();
      await expect.poll(() => postTexts(page)).toEqual(['Notes [math, engines]']);
      await expect.poll(() => listed(page, 'users')).toEqual(['Ada (1 posts)']);
      await page.getByTestId('post-title').fill('Sketch');
      await page.getByTestId('post-tags').fill('engines');
      await page.getByTestId('add-post').click();
      await expect
        .poll(() => postTexts(page))
        .toEqual(['Notes [math, engines]', 'Sketch [engines]']);
      await expect.poll(() => listed(page, 'users')).toEqual(['Ada (2 posts)']);

      await page.getByTestId('user-name').fill('Grace');
      await page.getByTestId('add-user').click();
      await expect.poll(() => listed(page, 'users')).toEqual(['Ada (2 posts)', 'Grace (0 posts)']);
      await expect.poll(() => postTexts(page)).toEqual([]);
      await shoot(page, 'two-users');
      expect(errors).toEqual([]);
    });

    it('moves a post to the trash (a soft delete) and restores it', async () => {
      await page.getByRole('button', { name: 'Ada (2 posts)' }).click();
      await expect.poll(() => postTexts(page)).toHaveLength(2);
      await page.getByTestId('trash-post').first().click();
      await expect.poll(() => postTexts(page)).toEqual(['Sketch [engines]']);
      await expect.poll(() => page.getByTestId('trashed-text').allInnerTexts()).toEqual(['Notes']);
      await expect.poll(() => listed(page, 'users')).toEqual(['Ada (1 posts)', 'Grace (0 posts)']);
      await shoot(page, 'post-in-trash');
      await page.getByTestId('restore-post').click();
      await expect
        .poll(() => postTexts(page))
        .toEqual(['Notes [math, engines]', 'Sketch [engines]']);
      await expect.poll(() => page.getByTestId('trashed-text').allInnerTexts()).toEqual([]);
      expect(errors).toEqual([]);
    });

    it('deletes a user with their posts (a cascade), the lists following', async () => {
      await page.getByRole('button', { name: 'Ada (2 posts)' }).click();
      await expect.poll(() => postTexts(page)).toHaveLength(2);
      await shoot(page, 'ada-selected');
      await page.getByTestId('delete-user').click();
      await expect.poll(() => listed(page, 'users')).toEqual(['Grace (0 posts)']);
      const name = (await page.title()).includes('React') ? 'react' : 'vue';
      const stored = (await storedRows(page, `dexorm-example-${name}`, 'posts')).length;
      expect(stored).toBe(0);
      await shoot(page, 'after-cascade');
      expect(errors).toEqual([]);
    });
  });
}
