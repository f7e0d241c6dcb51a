import { afterEach, describe, expect, it } from 'vitest';
import { Database, UniqueConstraintError, ValidationError } from '../src/index.js';
import { BLOG_MODELS, Comment, Country, Image, Post, Tag, User, Video } from './support/blog.js';
import { uniqueName } from './support/more-models.js';
import { removeDatabase } from './support/session.js';
import { snapshotTables } from './support/snapshot.js';

const opened: Database[] = [];
afterEach(async () => {
  for (const db of opened.splice(0)) await removeDatabase(db);
});

function blog(name: string): Database {
  const db = new Database(name, { models: BLOG_MODELS });
  opened.push(db);
  return db;
}

/** Records of every relation kind, with Dates and nested values. */
async function seed(db: Database): Promise<void> {
  const country = await Country.create({ name: 'UK' });
  const ada = await User.create({ name: 'Ada', country_id: country.id! });
  const post = await ada.postsRelation().create({
    title: 'Notes',
    likes: 3,
    created_at: new Date('2024-05-06T07:08:09Z'),
  });
  const tags = await Tag.createMany([{ name: 'math' }, { name: 'engines' }]);
  await post.tagsRelation().attach([tags[0]!.id!], { added_by: 'ada' });
  await post.tagsRelation().attach([tags[1]!.id!]);
  await post.commentsRelation().create({ body: 'Nice' });
  const video = await Video.create({ title: 'Talk' });
  await video.thumbnailRelation().create({ url: 'https://example.com/t.png' });
  await video.commentsRelation().create({ body: 'Great' });
  await db.dexie.table('posts').update(post.id!, { meta: { words: [1, 2, { deep: true }] } });
}

async function exported(): Promise<{
  blob: Blob;
  name: string;
  before: Awaited<ReturnType<typeof snapshotTables>>;
}> {
  const name = uniqueName('backup');
  const source = blog(name);
  await seed(source);
  const before = await snapshotTables(source);
  const progress: number[] = [];
  const blob = await source.export({ onProgress: ({ done }) => progress.push(done) });
  expect(progress.at(-1)).toBe(Object.values(before).reduce((sum, rows) => sum + rows.length, 0));
  await removeDatabase(source);
  return { blob, name, before };
}

describe('export and import', () => {
  it('an export imported into an empty database gives the same stored records', async () => {
    const { blob, name, before } = await exported();
    const target = blog(name);
    await target.import(blob);
    expect(await snapshotTables(target)).toEqual(before);
    const [post] = await Post.query().with('tags', 'comments', 'author').get();
    expect(post!.created_at).toEqual(new Date('2024-05-06T07:08:09Z'));
    expect(post!.tags.map((tag) => [tag.name, tag.pivot.added_by])).toEqual([
      ['math', 'ada'],
      ['engines', undefined],
    ]);
    expect((await Image.all()).map((image) => image.url)).toEqual(['https://example.com/t.png']);
    expect(await Comment.count()).toBe(2);
  });

  it('with clear, replaces what was stored, in one transaction', async () => {
    const { blob, name, before } = await exported();
    const target = blog(name);
    await User.create({ name: 'Someone else' });
    await target.import(blob, { clear: true });
    expect(await snapshotTables(target)).toEqual(before);
  });

  it('refuses another database’s file, a truncated file, a tampered key type; nothing written', async () => {
    const { blob, name } = await exported();
    const other = blog(uniqueName('other'));
    await User.create({ name: 'kept' });
    const otherBefore = await snapshotTables(other);
    await expect(other.import(blob)).rejects.toBeInstanceOf(ValidationError);
    expect(await snapshotTables(other)).toEqual(otherBefore);

    const target = blog(name);
    await target.open();
    const empty = await snapshotTables(target);
    const text = await blob.text();
    const truncated = new Blob([text.slice(0, Math.floor(text.length * 0.8))]);
    await expect(target.import(truncated)).rejects.toBeInstanceOf(Error);
    expect(await snapshotTables(target)).toEqual(empty);
    const tampered = new Blob([text.replace(/"user_id":(\d+)/, '"user_id":"$1"')]);
    expect(await tampered.text()).not.toBe(text);
    await expect(target.import(tampered)).rejects.toBeInstanceOf(ValidationError);
    expect(await snapshotTables(target)).toEqual(empty);
  });

  it('refuses a record that breaks a unique index; nothing written', async () => {
    const { blob, name } = await exported();
    const target = blog(name);
    const video = await Video.create({ id: 50, title: 'Mine' } as never);
    // The imported image (of video 1) would be a second image of that video.
    await target.dexie
      .table('images')
      .add({ id: 77, url: 'x', imageable_type: 'videos', imageable_id: 1 });
    const before = await snapshotTables(target);
    expect(video.id).toBe(50);
    await expect(target.import(blob)).rejects.toBeInstanceOf(UniqueConstraintError);
    expect(await snapshotTables(target)).toEqual(before);
  });

  it('carries Blobs and binary arrays through an export and an import', async () => {
    const name = uniqueName('backup-binary');
    const source = blog(name);
    const post = await Post.create({ title: 'With a file', likes: 0 });
    const picture = Uint8Array.from({ length: 5_000 }, (_, i) => (i * 7) % 256);
    await source.dexie.table('posts').update(post.id!, {
      picture: new Blob([picture], { type: 'image/png' }),
      digest: Uint8Array.from([1, 2, 3, 255]),
    });
    const blob = await source.export();
    await removeDatabase(source);
    const target = blog(name);
    await target.import(blob);
    const [row] = (await target.dexie.table('posts').toArray()) as Array<{
      picture: Blob;
      digest: Uint8Array;
    }>;
    expect(row!.picture).toBeInstanceOf(Blob);
    expect(row!.picture.type).toBe('image/png');
    expect(new Uint8Array(await row!.picture.arrayBuffer())).toEqual(picture);
    expect(row!.digest).toBeInstanceOf(Uint8Array);
    expect([...row!.digest]).toEqual([1, 2, 3, 255]);
  });

  it('refuses a file from a newer version', async () => {
    const { blob, name } = await exported();
    const newer = await blob.text();
    const target = blog(name);
    await target.open();
    const bumped = new Blob([newer.replace(/"databaseVersion":\d+/, '"databaseVersion":99')]);
    await expect(target.import(bumped)).rejects.toBeInstanceOf(ValidationError);
  });
});
