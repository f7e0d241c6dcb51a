import { describe, expect, it } from 'vitest';
import { ModelNotFoundError, SchemaError, UnsavedModelError } from '../src/index.js';
import { expectAtomicAtEveryStep } from './support/atomic.js';
import { blogDatabase, Post, Tag } from './support/blog.js';
import { databaseSession, removeDatabase } from './support/session.js';
import { snapshotTables } from './support/snapshot.js';

const session = databaseSession(() => blogDatabase());

const pivotRows = () => session.db.dexie.table('post_tag').toArray();
const tagRows = () => session.db.dexie.table('tags').toArray();
const names = (tags: readonly Tag[]) => tags.map((tag) => tag.name);

describe('BelongsToMany writes through the relation', () => {
  it('save and saveMany store the models and pair them, with pivot attributes', async () => {
    const post = await Post.create({ title: 'p' });
    const saved = await post.tagsRelation().save(new Tag({ name: 'new' }), { added_by: 'ada' });
    expect(saved.exists).toBe(true);
    expect(saved.pivot.added_by).toBe('ada');
    const existing = await Tag.create({ name: 'old' });
    existing.name = 'renamed';
    const many = await post.tagsRelation().saveMany([existing, new Tag({ name: 'third' })]);
    expect(names(many)).toEqual(['renamed', 'third']);
    expect((await tagRows()).map((row) => row.name)).toEqual(['new', 'renamed', 'third']);
    expect(await pivotRows()).toEqual([
      { post_id: post.id, tag_id: saved.id, added_by: 'ada' },
      { post_id: post.id, tag_id: existing.id },
      { post_id: post.id, tag_id: many[1]!.id },
    ]);
  });

  it('createMany inserts and pairs all, atomic at every step', async () => {
    const post = await Post.create({ title: 'p' });
    const made = await post.tagsRelation().createMany([{ name: 'a' }, { name: 'b' }], {
      added_by: 'grace',
    });
    expect(made.map((tag) => [tag.name, tag.pivot.added_by])).toEqual([
      ['a', 'grace'],
      ['b', 'grace'],
    ]);
    expect(await pivotRows()).toHaveLength(2);
    let db = session.db;
    const writes = await expectAtomicAtEveryStep(
      () => {
        db = blogDatabase();
        return db;
      },
      () => Post.create({ title: 'q' }),
      (fresh) => fresh.tagsRelation().createMany([{ name: 'x' }, { name: 'y' }]),
    );
    expect(writes).toBeGreaterThanOrEqual(2);
    await removeDatabase(db);
  });

  it('firstOrCreate: the parent’s own, else a stored one paired, else a new one', async () => {
    const post = await Post.create({ title: 'p' });
    const created = await post.tagsRelation().firstOrCreate({ name: 'a' }, { added_by: 'ada' });
    expect(created.pivot.added_by).toBe('ada');
    const own = await post.tagsRelation().firstOrCreate({ name: 'a' });
    expect(own.id).toBe(created.id);
    expect(own.pivot.added_by).toBe('ada');
    const loose = await Tag.create({ name: 'loose' });
    const paired = await post.tagsRelation().firstOrCreate({ name: 'loose' });
    expect(paired.id).toBe(loose.id);
    expect(await tagRows()).toHaveLength(2);
    expect(await pivotRows()).toHaveLength(2);
  });

  it('updateOrCreate fills and saves what it finds, or creates from both', async () => {
    const post = await Post.create({ title: 'p' });
    const made = await post.tagsRelation().updateOrCreate({ name: 'a' }, { name: 'b' });
    expect(made.name).toBe('b');
    const updated = await post.tagsRelation().updateOrCreate({ name: 'b' }, { name: 'c' });
    expect(updated.id).toBe(made.id);
    expect((await tagRows()).map((row) => row.name)).toEqual(['c']);
    expect(await pivotRows()).toHaveLength(1);
  });

  it('firstOrCreate and updateOrCreate are atomic at every step', async () => {
    let db = session.db;
    const make = () => {
      db = blogDatabase();
      return db;
    };
    const creates = await expectAtomicAtEveryStep(
      make,
      () => Post.create({ title: 'p' }),
      (fresh) => fresh.tagsRelation().firstOrCreate({ name: 'new' }, { added_by: 'ada' }),
    );
    expect(creates).toBeGreaterThanOrEqual(2);
    await removeDatabase(db);
    const updates = await expectAtomicAtEveryStep(
      make,
      async () => {
        const fresh = await Post.create({ title: 'p' });
        await Tag.create({ name: 'loose' });
        return fresh;
      },
      (fresh) => fresh.tagsRelation().updateOrCreate({ name: 'loose' }, { name: 'kept' }),
    );
    expect(updates).toBeGreaterThanOrEqual(2);
    await removeDatabase(db);
  });

  it('attach and toggle take the record form; keys given twice count once', async () => {
    const post = await Post.create({ title: 'p' });
    const [a, b] = await Tag.createMany([{ name: 'a' }, { name: 'b' }]);
    await post.tagsRelation().attach({ [a!.id!]: { added_by: 'ada' }, [b!.id!]: {} });
    expect(await pivotRows()).toEqual([
      { post_id: post.id, tag_id: a!.id, added_by: 'ada' },
      { post_id: post.id, tag_id: b!.id },
    ]);
    expect(await post.tagsRelation().toggle({ [a!.id!]: {} })).toEqual({
      attached: [],
      detached: [a!.id],
    });
    expect(await post.tagsRelation().toggle({ [a!.id!]: { added_by: 'grace' } })).toEqual({
      attached: [a!.id],
      detached: [],
    });
    expect((await pivotRows()).find((row) => row.tag_id === a!.id)?.added_by).toBe('grace');
  });

  it('failure paths: an unsaved parent, a missing related record; nothing written', async () => {
    const post = await Post.create({ title: 'p' });
    const before = await snapshotTables(session.db);
    const unsaved = new Post({ title: 'u' });
    await expect(unsaved.tagsRelation().createMany([{ name: 'x' }])).rejects.toBeInstanceOf(
      UnsavedModelError,
    );
    await expect(unsaved.tagsRelation().firstOrCreate({ name: 'x' })).rejects.toBeInstanceOf(
      UnsavedModelError,
    );
    await expect(post.tagsRelation().attach({ 999: { added_by: 'x' } })).rejects.toBeInstanceOf(
      ModelNotFoundError,
    );
    expect(await snapshotTables(session.db)).toEqual(before);
  });
});

describe('pivot filters and timestamps', () => {
  it('wherePivot keeps only the pairs whose pivot row matches, in every read', async () => {
    const post = await Post.create({ title: 'p' });
    const [a, b, c] = await Tag.createMany([{ name: 'a' }, { name: 'b' }, { name: 'c' }]);
    await post.tagsRelation().attach([a!.id!], { added_by: 'grace' });
    await post.tagsRelation().attach([b!.id!], { added_by: 'ada' });
    await post.tagsRelation().attach([c!.id!]);
    expect(names(await post.gracesTagsRelation().getResults())).toEqual(['a']);
    expect(await post.gracesTagsRelation().query().count()).toBe(1);
    const [loaded] = await Post.query().with('gracesTags').withCount('gracesTags', 'tags').get();
    expect(names(loaded!.gracesTags)).toEqual(['a']);
    expect([loaded!.gracesTags_count, loaded!.tags_count]).toEqual([1, 3]);
    expect(
      names(await post.tagsRelation().wherePivotIn('added_by', ['ada', 'grace']).getResults()),
    ).toEqual(['a', 'b']);
    expect(names(await post.tagsRelation().wherePivotNull('added_by').getResults())).toEqual(['c']);
    expect(() => post.tagsRelation().wherePivot('added_by', 'like' as '=', 'x')).toThrow(
      SchemaError,
    );
  });

  it('withTimestamps stamps created_at once and updated_at on each write of the pair', async () => {
    const post = await Post.create({ title: 'p' });
    const tag = await Tag.create({ name: 'a' });
    await post.stampedTagsRelation().attach([tag.id!]);
    const [first] = await pivotRows();
    expect(first!.created_at).toBeInstanceOf(Date);
    expect(first!.updated_at).toEqual(first!.created_at);
    await new Promise((resolve) => setTimeout(resolve, 3));
    await post.stampedTagsRelation().updateExistingPivot(tag.id!, { added_by: 'ada' });
    const [second] = await pivotRows();
    expect(second!.created_at).toEqual(first!.created_at);
    expect(second!.updated_at.getTime()).toBeGreaterThan(first!.updated_at.getTime());
    await post.tagsRelation().attach([(await Tag.create({ name: 'b' })).id!]);
    expect((await pivotRows())[1]!.created_at).toBeUndefined();
  });
});
