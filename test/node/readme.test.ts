import { readFileSync } from 'node:fs';
import { transformWithOxc } from 'vite';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { startSyncServer } from '../../scripts/sync-server.mjs';
import * as dexorm from '../../src/index.js';
import { replicate } from '../../src/sync/index.js';

/** The README's TypeScript examples of one set (```ts, or ```ts blog), in order, as one script. */
function readmeScript(set = ''): string {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const fence = new RegExp(`\`\`\`ts${set ? ` ${set}` : ''}\\n([\\s\\S]*?)\`\`\``, 'g');
  const blocks = [...readme.matchAll(fence)].map((match) => match[1]);
  return blocks.join('\n');
}

/** Runs a script of README examples with the package's exports in scope; resolves to `result`. */
async function runExamples<T>(
  script: string,
  result: string,
  extra: Record<string, unknown> = {},
): Promise<T> {
  const { code } = await transformWithOxc(script, 'readme.ts', { lang: 'ts' });
  // The examples import from 'dexorm' and use top-level await: hand them the package's exports
  // and run them as the body of an async function.
  const body = code
    .replace(/^import[\s\S]*?from\s+['"][^'"]+['"];?$/gm, '')
    .replace(/^export /gm, '');
  const scope: Record<string, unknown> = { ...dexorm, ...extra };
  const names = Object.keys(scope).filter((name) => /^[A-Z]/.test(name) || name in extra);
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (
    ...args: string[]
  ) => (...values: unknown[]) => Promise<T>;
  const run = new AsyncFunction(...names, `${body}\nreturn ${result};`);
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  try {
    return await run(...names.map((name) => scope[name]));
  } finally {
    log.mockRestore();
  }
}

type Scope = { db: dexorm.Database; total: number };

describe('README', () => {
  let scope: Scope | undefined;
  let blog: dexorm.Database | undefined;
  let library: dexorm.Database | undefined;
  afterAll(async () => {
    await scope?.db.delete();
    await blog?.delete();
    await library?.delete();
  });

  it('runs its examples as written, in order', async () => {
    scope = await runExamples<Scope>(readmeScript(), '{ db, total }');
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

  it('runs the examples of the other relation kinds as written', async () => {
    const { blog: db, constrained } = await runExamples<{
      blog: dexorm.Database;
      constrained: { body: string; commentable: { comments?: unknown[] } | null }[];
    }>(readmeScript('blog'), '{ blog, constrained }', { morphWith: dexorm.morphWith });
    blog = db;
    // The morphWith example: the video's owner carries its comments, the post's does not.
    expect(
      constrained.map((comment) => [comment.body, comment.commentable?.comments?.length ?? null]),
    ).toEqual([
      ['Nice video', 1],
      ['Nice post', null],
    ]);
    const table = (name: string) => blog!.dexie.table(name).toArray();
    expect((await table('posts')).map((post) => post.title)).toEqual([
      'Notes',
      'Sketch',
      'Draft',
      'Letter',
      'Colours',
    ]);
    expect(await table('post_tag')).toEqual([
      { post_id: 5, tag_id: 1, added_by: 'grace' },
      { post_id: 5, tag_id: 2 },
      { post_id: 5, tag_id: 3 },
    ]);
    expect((await table('comments')).map((c) => [c.body, c.commentable_type])).toEqual([
      ['Nice video', 'videos'],
      ['Nice post', 'posts'],
    ]);
    expect((await table('users'))[0]).toEqual({ id: 1, name: 'Ada', country_id: 1 });
  });

  it('runs the relation query and delete rule examples as written', async () => {
    library = await runExamples<dexorm.Database>(readmeScript('library'), 'library');
    const table = (name: string) => library!.dexie.table(name).toArray();
    expect((await table('authors')).map((author) => author.name)).toEqual([
      'Le Guin',
      'Nobody yet',
    ]);
    expect((await table('books')).map((book) => book.title)).toEqual([
      'The Dispossessed',
      'The Left Hand of Darkness',
    ]);
    expect(await table('loans')).toEqual([]);
    expect(await table('bios')).toEqual([{ id: 1, text: 'Russian novelist', author_id: null }]);
  });

  it('runs the lifecycle examples as written', async () => {
    const { z } = await import('zod');
    const notes = await runExamples<dexorm.Database>(readmeScript('notes'), 'notes', { z });
    try {
      const rows = await notes.dexie.table('notes').toArray();
      expect(rows.map((row) => [row.title, row.pinned, row.deleted_at])).toEqual([
        ['Milk', false, null],
        ['Bread', false, null],
      ]);
      const [folder] = await notes.dexie.table('folders').toArray();
      expect(folder.deleted_at).toBeNull();
      expect(folder.updated_at.getTime()).toBeGreaterThanOrEqual(rows[1].created_at.getTime());
    } finally {
      await notes.delete();
    }
  });

  it('runs the migration and backup examples as written, on a version 1 database', async () => {
    const old = new dexorm.Database('people-app', {
      models: [
        class extends dexorm.Model<{ id?: number }> {
          static override table = 'people';
        },
      ],
    });
    await old.dexie.table('people').add({ name: 'Ada Lovelace', email: 'ada@example.com' });
    old.close();
    const people = await runExamples<dexorm.Database>(readmeScript('data'), 'people');
    try {
      expect(await people.dexie.table('people').toArray()).toEqual([
        { id: 1, first: 'Ada', last: 'Lovelace' },
      ]);
      expect(await people.dexie.table('contacts').toArray()).toEqual([
        { id: 1, person_id: 1, email: 'ada@example.com' },
      ]);
    } finally {
      await people.delete();
    }
  });

  it('runs the one-step write and relation query examples as written', async () => {
    const shop = await runExamples<dexorm.Database>(
      readmeScript('shop'),
      '{ shop, withDear, pinned, a1 }',
    ).then(
      (result) =>
        result as unknown as {
          shop: dexorm.Database;
          withDear: { products: { sku: string }[]; products_sum_price: number };
          pinned: { name: string }[];
          a1: { views: number };
        },
    );
    try {
      expect(shop.withDear.products.map((product) => product.sku)).toEqual(['b2']);
      expect(shop.withDear.products_sum_price).toBe(9);
      expect(shop.pinned.map((label) => label.name)).toEqual(['fresh']);
      expect(shop.a1.views).toBe(1);
      expect(await shop.shop.dexie.table('products').toArray()).toEqual([
        { id: 1, sku: 'a1', price: 4, shop_id: 1, views: 1 },
        { id: 2, sku: 'b2', price: 5, shop_id: 1 },
      ]);
      expect(await shop.shop.dexie.table('label_shop').toArray()).toEqual([
        { shop_id: 1, label_id: 1, pinned: true },
        { shop_id: 1, label_id: 2 },
      ]);
    } finally {
      await shop.shop.delete();
    }
  });

  it('runs the MorphToMany examples as written', async () => {
    const media = await runExamples<dexorm.Database>(readmeScript('taggables'), 'media');
    try {
      expect(media.schema.taggables).toBe(
        '[tag_id+taggable_id+taggable_type], tag_id, [taggable_type+taggable_id]',
      );
      expect(await media.dexie.table('taggables').toArray()).toEqual([
        { tag_id: 1, taggable_type: 'photos', taggable_id: 1 },
        { tag_id: 2, taggable_type: 'films', taggable_id: 1 },
        { tag_id: 2, taggable_type: 'photos', taggable_id: 1 },
      ]);
    } finally {
      await media.delete();
    }
  });

  it('runs the sync examples as written, against a real server', async () => {
    const server = await startSyncServer({ databases: ['dexorm-demo'] });
    try {
      const script = readmeScript('sync').replaceAll('http://127.0.0.1:5984', server.url);
      const tasks = await runExamples<dexorm.Database>(script, 'tasks', { replicate });
      const response = await fetch(`${server.url}/dexorm-demo/_all_docs?include_docs=true`);
      const { rows } = (await response.json()) as { rows: Array<{ doc: { values: object } }> };
      const stored = await tasks.dexie.table('tasks').toArray();
      expect(stored.map((task) => task.title)).toEqual(['Water the plants']);
      expect(rows.map((row) => row.doc.values)).toEqual(stored);
      await tasks.delete();
    } finally {
      await server.stop();
    }
  });

  it('shows the type-checked framework snippets verbatim', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const name of ['models.ts', 'react.tsx', 'vue.ts', 'svelte.ts', 'angular.ts']) {
      const snippet = readFileSync(
        new URL(`../../examples/snippets/${name}`, import.meta.url),
        'utf8',
      );
      expect(readme, name).toContain(snippet.trimEnd());
    }
  });
});
