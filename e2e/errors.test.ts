import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  emissions,
  freshContext,
  launchChromium,
  openDemo,
  screenshots,
  text,
  userRow,
} from './support/browser';

const shoot = screenshots('errors');
const pageErrors: string[] = [];

let browser: Browser;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  browser = await launchChromium();
  context = await freshContext(browser);
  page = await openDemo(context, pageErrors);
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
});

afterEach(() => {
  expect(pageErrors.splice(0)).toEqual([]);
});

async function addUser(name: string, email: string): Promise<void> {
  await page.getByTestId('user-name').fill(name);
  await page.getByTestId('user-email').fill(email);
  await page.getByTestId('user-add').click();
}

/** The error banner's text once it is shown. */
async function shownError(): Promise<string> {
  await page.getByTestId('error').waitFor({ state: 'visible' });
  return text(page, 'error');
}

describe('the demo shows errors in the page', () => {
  it('shows UniqueConstraintError for a duplicate email, and stores nothing', async () => {
    await addUser('Ada Lovelace', 'ada@example.com');
    await expect.poll(() => userRow(page, 'ada@example.com').count()).toBe(1);
    expect(await page.getByTestId('error').isHidden()).toBe(true);
    const before = await emissions(page, 'users-emissions');

    await addUser('Ada Again', 'ada@example.com');
    expect(await shownError()).toMatch(
      /^UniqueConstraintError User \(table "users"\): email = "ada@example.com" is already used by the record with id = 1/,
    );
    await shoot(page, 'duplicate-email');
    expect(await page.getByTestId('user-row').count()).toBe(1);
    expect(await text(userRow(page, 'ada@example.com'), 'user-row-name')).toBe('Ada Lovelace');
    expect(await emissions(page, 'users-emissions')).toBe(before);
    // The form keeps what was typed, so it can be corrected.
    expect(await page.getByTestId('user-name').inputValue()).toBe('Ada Again');
  });

  it('shows ValidationError for an email that is not one, and stores nothing', async () => {
    await addUser('Grace Hopper', 'grace');
    expect(await shownError()).toBe(
      'ValidationError User (table "users"): "email" must look like name@example.com, not "grace" Dismiss',
    );
    await shoot(page, 'invalid-email');
    expect(await page.getByTestId('user-row').count()).toBe(1);

    await page.getByTestId('user-email').fill('grace@example.com');
    await page.getByTestId('user-add').click();
    await expect.poll(() => userRow(page, 'grace@example.com').count()).toBe(1);
    expect(await page.getByTestId('error').isHidden()).toBe(true);
  });

  it('shows UniqueConstraintError when a user with a profile is given a second one', async () => {
    await userRow(page, 'ada@example.com').getByTestId('user-select').click();
    // The editor fills its form from the selected user's first profile$ emission: type after it.
    await expect.poll(() => text(page, 'profile-status')).toBe('Ada Lovelace has no profile yet.');
    await page.getByTestId('profile-bio').fill('First profile.');
    await page.getByTestId('profile-create').click();
    await expect.poll(() => text(page, 'profile-status')).toBe('Profile #1 is stored.');
    await page.getByTestId('profile-dissociate').click();
    await expect.poll(() => page.getByTestId('unattached-row').count()).toBe(1);
    await expect.poll(() => text(page, 'profile-status')).toBe('Ada Lovelace has no profile yet.');
    await page.getByTestId('profile-bio').fill('Second profile.');
    await page.getByTestId('profile-create').click();
    await expect.poll(() => text(page, 'profile-status')).toBe('Profile #2 is stored.');

    await page.getByTestId('unattached-attach').click();
    expect(await shownError()).toContain('UniqueConstraintError');
    expect(await text(page, 'error-message')).toContain('HasOne User → Profile');
    await shoot(page, 'second-profile');
    expect(await text(page, 'live-profile')).toContain('Second profile.');
    expect(await page.getByTestId('unattached-row').count()).toBe(1);
    expect(await text(page, 'unattached-list')).toContain('First profile.');

    await page.getByTestId('error-dismiss').click();
    expect(await page.getByTestId('error').isHidden()).toBe(true);
  });

  it('renders stored text as text, never as markup', async () => {
    const name = '<img src=x onerror="document.title=\'owned\'"><b>Eve</b>';
    await addUser(name, 'eve@example.com');
    await expect.poll(() => userRow(page, 'eve@example.com').count()).toBe(1);
    expect(await text(userRow(page, 'eve@example.com'), 'user-row-name')).toBe(name);
    expect(
      await page.locator('[data-testid="user-list"] img, [data-testid="user-list"] b').count(),
    ).toBe(0);
    expect(await page.title()).toBe('dexorm demo');
    await shoot(page, 'markup-as-text');
  });
});
