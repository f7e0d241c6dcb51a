import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  emissions,
  freshContext,
  launchChromium,
  openDemo,
  screenshots,
  storedRows,
  userRow,
} from './support/browser';

const shoot = screenshots('blog');
const pageErrors: string[] = [];
let browser: Browser;
let context: BrowserContext;
let first: Page;
let second: Page;

beforeAll(async () => {
  browser = await launchChromium();
  context = await freshContext(browser);
  first = await openDemo(context, pageErrors);
  second = await openDemo(context, pageErrors);
});
afterAll(async () => {
  await context?.close();
  await browser?.close();
});
afterEach(() => {
  expect(pageErrors.splice(0)).toEqual([]);
});

const texts = (page: Page, testid: string) => page.getByTestId(testid).allInnerTexts();

async function addUser(page: Page, name: string, email: string) {
  await page.getByTestId('user-name').fill(name);
  await page.getByTestId('user-email').fill(email);
  await page.getByTestId('user-add').click();
  await userRow(page, email).waitFor();
}

async function addPost(page: Page, title: string, tags: string) {
  await page.getByTestId('post-title').fill(title);
  await page.getByTestId('post-tags').fill(tags);
  await page.getByTestId('post-add').click();
}

/** Counts the stored records of `table` in the page's IndexedDB, read without dexorm. */
async function stored(page: Page, table: string): Promise<number> {
  return (await storedRows(page, 'dexorm-demo', table)).length;
}

describe('the demo: posts, tags, comments, counts and a cascade, in two tabs', () => {
  it('lists a user’s posts (HasMany) with their tags and pivot attribute (MorphToMany)', async () => {
    await addUser(first, 'Ada', 'ada@example.com');
    await expect.poll(() => texts(first, 'post-list')).toEqual(['']);
    await addPost(first, 'Notes', 'math, engines');
    await expect
      .poll(() => texts(first, 'post-row-tags'))
      .toEqual(['math (by Ada), engines (by Ada)']);
    expect(await texts(first, 'post-row-comments')).toEqual(['0 comments']);
    const pivot = await storedRows(first, 'dexorm-demo', 'taggables');
    expect(pivot.map((row) => [row.taggable_type, row.added_by])).toEqual([
      ['posts', 'Ada'],
      ['posts', 'Ada'],
    ]);
  });

  it('tags a video through the same taggables pivot, each tag counting posts and videos', async () => {
    await expect
      .poll(() => texts(second, 'tag-count-row'))
      .toEqual(['engines: 1 post, 0 videos', 'math: 1 post, 0 videos']);
    const before = await emissions(second, 'tags-emissions');
    await first.getByTestId('video-title').fill('Engine at work');
    await first.getByTestId('video-tags').fill('engines, film');
    await first.getByTestId('video-add').click();
    await expect
      .poll(() => texts(second, 'tag-count-row'))
      .toEqual(['engines: 1 post, 1 video', 'film: 0 posts, 1 video', 'math: 1 post, 0 videos']);
    expect(await emissions(second, 'tags-emissions')).toBe(before + 1);
    expect(await stored(first, 'tags')).toBe(3);
    const pivot = await storedRows(first, 'dexorm-demo', 'taggables');
    expect(pivot.filter((row) => row.taggable_type === 'videos')).toHaveLength(2);
    await shoot(second, 'tags-on-posts-and-videos');
  });

  it('counts comments (a polymorphic MorphMany) live, with withCount', async () => {
    const before = await emissions(first, 'posts-emissions');
    await first.getByTestId('post-comment').click();
    await expect.poll(() => texts(first, 'post-row-comments')).toEqual(['1 comment']);
    expect(await emissions(first, 'posts-emissions')).toBe(before + 1);
    expect(await stored(first, 'comments')).toBe(1);
  });

  it('shows who posts (has + withCount) in the other tab too', async () => {
    await expect.poll(() => texts(first, 'post-count-row')).toEqual(['Ada: 1 post']);
    await expect.poll(() => texts(second, 'post-count-row')).toEqual(['Ada: 1 post']);
    await addUser(second, 'Grace', 'grace@example.com');
    await addPost(second, 'Compilers', 'code');
    await expect
      .poll(() => texts(first, 'post-count-row'))
      .toEqual(['Ada: 1 post', 'Grace: 1 post']);
    await shoot(first, 'posts-and-counts');
  });

  it('moves a deleted post to the trash (soft delete) and restores it from the other tab', async () => {
    await first.getByTestId('post-delete').click();
    await expect.poll(() => texts(second, 'trash-row-title')).toEqual(['Notes']);
    await expect.poll(() => texts(first, 'post-list')).toEqual(['']);
    await expect.poll(() => texts(second, 'post-count-row')).toEqual(['Grace: 1 post']);
    expect(await stored(first, 'posts')).toBe(2);
    await shoot(second, 'post-in-trash');
    await second.getByTestId('trash-restore').click();
    await expect.poll(() => texts(first, 'post-row-title')).toEqual(['Notes']);
    await expect.poll(() => texts(first, 'trash-row')).toEqual([]);
    await expect
      .poll(() => texts(second, 'post-count-row'))
      .toEqual(['Ada: 1 post', 'Grace: 1 post']);
    expect(await texts(first, 'post-row-comments')).toEqual(['1 comment']);
  });

  it('deletes a user with their posts and comments in one transaction (cascade)', async () => {
    const counts = await emissions(second, 'post-counts-emissions');
    await userRow(first, 'ada@example.com').getByTestId('user-delete').click();
    await expect.poll(() => texts(second, 'post-count-row')).toEqual(['Grace: 1 post']);
    expect(await emissions(second, 'post-counts-emissions')).toBe(counts + 1);
    expect(await stored(first, 'posts')).toBe(1);
    expect(await stored(first, 'videos')).toBe(0);
    expect(await stored(first, 'comments')).toBe(0);
    expect(await stored(first, 'taggables')).toBe(1);
    await expect
      .poll(() => texts(second, 'tag-count-row'))
      .toEqual([
        'code: 1 post, 0 videos',
        'engines: 0 posts, 0 videos',
        'film: 0 posts, 0 videos',
        'math: 0 posts, 0 videos',
      ]);
    await shoot(second, 'after-cascade');
  });

  it('deletes a trashed post for good, with its tag pairs', async () => {
    await second.getByTestId('post-delete').click();
    await expect.poll(() => texts(first, 'trash-row-title')).toEqual(['Compilers']);
    expect(await stored(first, 'posts')).toBe(1);
    await first.getByTestId('trash-force-delete').click();
    await expect.poll(() => stored(first, 'posts')).toBe(0);
    expect(await stored(first, 'taggables')).toBe(0);
    await expect.poll(() => texts(second, 'trash-row')).toEqual([]);
  });

  it('exports every record to a file and imports it back after clearing', async () => {
    const users = await storedRows(first, 'dexorm-demo', 'users');
    expect(users.length).toBeGreaterThan(0);
    const [download] = await Promise.all([
      first.waitForEvent('download'),
      first.getByTestId('export').click(),
    ]);
    const file = await download.path();
    await first.getByTestId('reset').click();
    await expect.poll(() => storedRows(first, 'dexorm-demo', 'users')).toEqual([]);
    await first.getByTestId('import-file').setInputFiles(file);
    await expect.poll(() => storedRows(first, 'dexorm-demo', 'users')).toEqual(users);
    await expect.poll(() => second.getByTestId('user-row').count()).toBe(users.length);
  });
});
