import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  emissions,
  freshContext,
  launchChromium,
  openDemo,
  screenshots,
  storedRows,
  text,
  userRow,
} from './support/browser';

const shoot = screenshots('profile-live');
const pageErrors: string[] = [];

let browser: Browser;
let context: BrowserContext;
let first: Page;
let second: Page;

beforeAll(async () => {
  browser = await launchChromium();
  context = await freshContext(browser);
  first = await openDemo(context, pageErrors);
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
});

afterEach(() => {
  expect(pageErrors.splice(0)).toEqual([]);
});

/** Waits until the counter shows more than `before`, and returns the new count. */
async function grew(page: Page, testid: string, before: number): Promise<number> {
  await expect.poll(() => emissions(page, testid)).toBeGreaterThan(before);
  return emissions(page, testid);
}

async function fillProfile(page: Page, values: { bio?: string; location?: string }) {
  if (values.bio !== undefined) await page.getByTestId('profile-bio').fill(values.bio);
  if (values.location !== undefined) {
    await page.getByTestId('profile-location').fill(values.location);
  }
}

describe('the demo, in one tab', () => {
  it('starts empty, with nothing selected', async () => {
    expect(await first.getByTestId('users-empty').isVisible()).toBe(true);
    expect(await text(first, 'users-empty')).toBe('No users yet.');
    expect(await first.getByTestId('user-row').count()).toBe(0);
    expect(await text(first, 'live-profile')).toBe('Select a user to observe user.profile$.');
    expect(await emissions(first, 'users-emissions')).toBe(1);
    await shoot(first, 'empty');
  });

  it('adds a user by clicking, lists it live and selects it', async () => {
    await first.getByTestId('user-name').fill('Ada Lovelace');
    await first.getByTestId('user-email').fill('ada@example.com');
    await first.getByTestId('user-add').click();

    await expect.poll(() => userRow(first, 'ada@example.com').count()).toBe(1);
    const row = userRow(first, 'ada@example.com');
    expect(await text(row, 'user-row-name')).toBe('Ada Lovelace');
    expect(await text(row, 'user-profile')).toBe('no profile');
    expect(await emissions(first, 'users-emissions')).toBe(2);
    await expect.poll(() => text(first, 'live-profile')).toBe('Ada Lovelace has no profile.');
    expect(await emissions(first, 'live-profile-emissions')).toBe(1);
    expect(await text(first, 'profile-status')).toBe('Ada Lovelace has no profile yet.');
    expect(await first.getByTestId('user-name').inputValue()).toBe('');
    await shoot(first, 'user-added');
  });

  it('creates a profile for the selected user', async () => {
    const users = await emissions(first, 'users-emissions');
    const live = await emissions(first, 'live-profile-emissions');
    await fillProfile(first, { bio: 'Wrote the first program.', location: 'London' });
    await first.getByTestId('profile-create').click();

    await expect.poll(() => text(first, 'live-profile')).toContain('Wrote the first program.');
    expect(await text(first, 'live-profile')).toBe(
      'Profile #1 Bio Wrote the first program. Website — Location London',
    );
    expect(await grew(first, 'live-profile-emissions', live)).toBe(live + 1);
    expect(await grew(first, 'users-emissions', users)).toBe(users + 1);
    await expect
      .poll(() => text(first, 'live-owner'))
      .toBe('Profile #1 belongs to Ada Lovelace <ada@example.com>.');
    expect(await emissions(first, 'live-owner-emissions')).toBe(1);
    expect(await text(userRow(first, 'ada@example.com'), 'user-profile')).toBe(
      'Wrote the first program.',
    );
    expect(await text(first, 'profile-status')).toBe('Profile #1 is stored.');
    await shoot(first, 'profile-created');
  });

  it('edits the profile and saves it; only the views that read it emit', async () => {
    const users = await emissions(first, 'users-emissions');
    const live = await emissions(first, 'live-profile-emissions');
    const owner = await emissions(first, 'live-owner-emissions');
    await fillProfile(first, { bio: 'Analyst of the Analytical Engine.' });
    expect(await text(first, 'profile-status')).toBe('Profile #1 is stored · unsaved changes.');
    await first.getByTestId('profile-save').click();

    await expect
      .poll(() => text(first, 'live-profile'))
      .toContain('Analyst of the Analytical Engine.');
    expect(await grew(first, 'live-profile-emissions', live)).toBe(live + 1);
    expect(await grew(first, 'users-emissions', users)).toBe(users + 1);
    expect(await text(userRow(first, 'ada@example.com'), 'user-profile')).toBe(
      'Analyst of the Analytical Engine.',
    );
    expect(await text(first, 'profile-status')).toBe('Profile #1 is stored.');
    // The profile's owner did not change, so profile.user$ has nothing new to say.
    await first.waitForTimeout(300);
    expect(await emissions(first, 'live-owner-emissions')).toBe(owner);
    await shoot(first, 'profile-edited');
  });

  it('dissociates the profile: the user has none, the profile belongs to no one', async () => {
    const live = await emissions(first, 'live-profile-emissions');
    const owner = await emissions(first, 'live-owner-emissions');
    const unattached = await emissions(first, 'unattached-emissions');
    await first.getByTestId('profile-dissociate').click();

    await expect.poll(() => text(first, 'live-profile')).toBe('Ada Lovelace has no profile.');
    expect(await grew(first, 'live-profile-emissions', live)).toBe(live + 1);
    await expect.poll(() => text(first, 'live-owner')).toBe('Profile #1 belongs to no one.');
    expect(await grew(first, 'live-owner-emissions', owner)).toBe(owner + 1);
    await grew(first, 'unattached-emissions', unattached);
    expect(await text(first, 'unattached-list')).toContain('Profile #1');
    expect(await text(userRow(first, 'ada@example.com'), 'user-profile')).toBe('no profile');
    expect(await text(first, 'profile-status')).toBe('Ada Lovelace has no profile yet.');
    await shoot(first, 'profile-dissociated');
  });
});

describe('the demo, in two tabs of one browser', () => {
  it('opens a second tab on the same data', async () => {
    second = await openDemo(context, pageErrors);
    await expect.poll(() => userRow(second, 'ada@example.com').count()).toBe(1);
    await userRow(second, 'ada@example.com').getByTestId('user-select').click();
    await expect.poll(() => text(second, 'live-profile')).toBe('Ada Lovelace has no profile.');
    expect(await text(second, 'unattached-list')).toContain('Profile #1');
    await shoot(second, 'second-tab-opened');
  });

  it("the second tab's live panel follows writes made in the first", async () => {
    const live = await emissions(second, 'live-profile-emissions');
    await first.getByTestId('unattached-attach').click();
    await expect
      .poll(() => text(second, 'live-profile'))
      .toContain('Analyst of the Analytical Engine.');
    expect(await grew(second, 'live-profile-emissions', live)).toBe(live + 1);
    await expect
      .poll(() => text(second, 'live-owner'))
      .toBe('Profile #1 belongs to Ada Lovelace <ada@example.com>.');
    await shoot(second, 'second-follows-attach');

    const afterAttach = await emissions(second, 'live-profile-emissions');
    await fillProfile(first, { bio: 'Poet of science.' });
    await first.getByTestId('profile-save').click();
    await expect.poll(() => text(second, 'live-profile')).toContain('Poet of science.');
    expect(await grew(second, 'live-profile-emissions', afterAttach)).toBe(afterAttach + 1);
    expect(await text(userRow(second, 'ada@example.com'), 'user-profile')).toBe('Poet of science.');
    expect(await second.getByTestId('profile-bio').inputValue()).toBe('Poet of science.');
    await shoot(second, 'second-follows-edit');
  });

  it("the first tab's live panel follows writes made in the second", async () => {
    const live = await emissions(first, 'live-profile-emissions');
    await fillProfile(second, { location: 'Marylebone' });
    await second.getByTestId('profile-save').click();
    await expect.poll(() => text(first, 'live-profile')).toContain('Marylebone');
    expect(await grew(first, 'live-profile-emissions', live)).toBe(live + 1);
    expect(await first.getByTestId('profile-location').inputValue()).toBe('Marylebone');
    await shoot(first, 'first-follows-edit');

    const owner = await emissions(first, 'live-owner-emissions');
    await second.getByTestId('profile-dissociate').click();
    await expect.poll(() => text(first, 'live-profile')).toBe('Ada Lovelace has no profile.');
    await expect.poll(() => text(first, 'live-owner')).toBe('Profile #1 belongs to no one.');
    expect(await grew(first, 'live-owner-emissions', owner)).toBe(owner + 1);
    await shoot(first, 'first-follows-dissociate');

    await second.getByTestId('user-name').fill('Grace Hopper');
    await second.getByTestId('user-email').fill('grace@example.com');
    await second.getByTestId('user-add').click();
    await expect.poll(() => userRow(first, 'grace@example.com').count()).toBe(1);
    expect(await text(userRow(first, 'grace@example.com'), 'user-row-name')).toBe('Grace Hopper');
    await shoot(first, 'first-follows-new-user');
  });

  it('both tabs hold the same stored state', async () => {
    const stored = async (page: Page) => ({
      users: await storedRows(page, 'dexorm-demo', 'users'),
      profiles: await storedRows(page, 'dexorm-demo', 'profiles'),
    });
    const expected = {
      users: [
        { id: 1, name: 'Ada Lovelace', email: 'ada@example.com' },
        { id: 2, name: 'Grace Hopper', email: 'grace@example.com' },
      ],
      profiles: [{ id: 1, user_id: null, bio: 'Poet of science.', location: 'Marylebone' }],
    };
    expect(await stored(first)).toEqual(expected);
    expect(await stored(second)).toEqual(expected);
  });

  it('clearing all data in one tab empties the other, and drops its selection', async () => {
    await second.getByTestId('reset').click();
    await expect.poll(() => first.getByTestId('user-row').count()).toBe(0);
    expect(await first.getByTestId('users-empty').isVisible()).toBe(true);
    await expect
      .poll(() => text(first, 'live-profile'))
      .toBe('Select a user to observe user.profile$.');
    expect(await first.getByTestId('editor-empty').isVisible()).toBe(true);
    expect(await first.getByTestId('unattached-row').count()).toBe(0);
    expect(new URL(first.url()).hash).toBe('');
    await shoot(first, 'first-follows-clear');
  });
});
