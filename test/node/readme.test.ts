import { readFileSync } from 'node:fs';
import { transformWithOxc } from 'vite';
import { afterAll, describe, expect, it, vi } from 'vitest';
import * as dexorm from '../../src/index.js';

/** The README's TypeScript examples, in order, as one script. */
function readmeScript(): string {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]);
  return blocks.join('\n');
}

type Scope = { db: dexorm.Database; total: number };

describe('README', () => {
  let scope: Scope | undefined;
  afterAll(async () => {
    await scope?.db.delete();
  });

  it('runs its examples as written, in order', async () => {
    const { code } = await transformWithOxc(readmeScript(), 'readme.ts', { lang: 'ts' });
    // The examples import from 'dexorm' and use top-level await: hand them the package's exports
    // and run them as the body of an async function.
    const body = code
      .replace(/^import[\s\S]*?from\s+['"][^'"]+['"];?$/gm, '')
      .replace(/^export /gm, '');
    const names = Object.keys(dexorm).filter((name) => /^[A-Z]/.test(name));
    const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (
      ...args: string[]
    ) => (...values: unknown[]) => Promise<Scope>;
    const run = new AsyncFunction(...names, `${body}\nreturn { db, total };`);
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    scope = await run(...names.map((name) => (dexorm as Record<string, unknown>)[name]));
    log.mockRestore();

    const users = await scope.db.dexie.table('users').toArray();
    const profiles = await scope.db.dexie.table('profiles').toArray();
    expect(users.map((user) => user.name).sort()).toEqual(
      ['A', 'Ada L.', 'Alan', 'B', 'Barbara', 'Edsger', 'Katherine'].sort(),
    );
    expect(profiles.map((profile) => profile.bio).sort()).toEqual(
      ['Abstraction', 'Computable numbers', 'Orbital mechanics', 'Structured programming'].sort(),
    );
    expect(scope.total).toBe(users.length);
    expect(scope.db.schema).toEqual({ users: '++id, &email, name', profiles: '++id, &user_id' });
  });
});
