import { describe, expect, it } from 'vitest';
import { blogDatabase, Country, Post, User } from './support/blog.js';
import { databaseSession } from './support/session.js';

const session = databaseSession(() => blogDatabase());

const titles = (posts: readonly Post[]) => posts.map((post) => post.title);

async function seed() {
  const [fr, de] = await Country.createMany([{ name: 'France' }, { name: 'Germany' }]);
  const [ada, bob, cy] = await User.createMany([
    { name: 'Ada', country_id: fr!.id },
    { name: 'Bob', country_id: de!.id },
    { name: 'Cy', country_id: fr!.id },
  ]);
  await Post.createMany([
    { title: 'cy 1', user_id: cy!.id },
    { title: 'ada 1', user_id: ada!.id },
    { title: 'bob 1', user_id: bob!.id },
    { title: 'ada 2', user_id: ada!.id },
  ]);
  return { fr: fr!, de: de!, ada: ada! };
}

describe('through relations', () => {
  it('index both keys they pass through', () => {
    expect(session.db.schema.users).toBe('++id, country_id');
    expect(session.db.schema.posts).toBe('++id, user_id');
  });

  it('HasManyThrough resolves the related models in related primary-key order', async () => {
    const { fr, de } = await seed();
    expect(titles(await fr.postsRelation().getResults())).toEqual(['cy 1', 'ada 1', 'ada 2']);
    expect(titles(await de.postsRelation().getResults())).toEqual(['bob 1']);
    expect(await fr.postsRelation().query().where('title', 'startsWith', 'ada').count()).toBe(2);
    expect(await new Country({ name: 'x' }).postsRelation().getResults()).toEqual([]);
  });

  it('HasOneThrough resolves the first, or null', async () => {
    const { fr, de } = await seed();
    expect((await fr.firstPostRelation().getResults())?.title).toBe('cy 1');
    expect((await de.firstPostRelation().getResults())?.title).toBe('bob 1');
    const empty = await Country.create({ name: 'Empty' });
    expect(await empty.firstPostRelation().getResults()).toBeNull();
  });

  it('eager-loads with two reads per level, for 1 and for 500 parents', async () => {
    for (const size of [1, 500]) {
      await Post.query().delete();
      await User.query().delete();
      await Country.query().delete();
      const countries = await Country.createMany(
        Array.from({ length: size }, (_, i) => ({ name: `c${i}` })),
      );
      const users = await User.createMany(
        countries.map((country, i) => ({ name: `u${i}`, country_id: country.id })),
      );
      await Post.createMany(
        users.flatMap((user, i) => [
          { title: `${i}a`, user_id: user.id },
          { title: `${i}b`, user_id: user.id },
        ]),
      );
      session.counter.reset();
      const loaded = await Country.query().with('posts', 'firstPost').get();
      expect(session.counter.byTable()).toEqual({ countries: 1, users: 2, posts: 2 });
      loaded.forEach((country, i) => {
        expect(titles(country.posts)).toEqual([`${i}a`, `${i}b`]);
        expect(country.firstPost?.title).toBe(`${i}a`);
      });
      expect(loaded[0]!.toJSON()).toMatchObject({
        name: 'c0',
        posts: [{ title: '0a' }, { title: '0b' }],
      });
    }
  });

  it('re-emits when a related model arrives through any model in between', async () => {
    const { fr, ada } = await seed();
    const live = session.watch(fr.postsRelation().observe());
    expect(titles(await live.nth(1))).toEqual(['cy 1', 'ada 1', 'ada 2']);
    await ada.postsRelation().create({ title: 'ada 3' });
    expect(titles(await live.nth(2))).toEqual(['cy 1', 'ada 1', 'ada 2', 'ada 3']);
    const moved = await User.create({ name: 'Dee' });
    await moved.postsRelation().create({ title: 'dee 1' });
    moved.country_id = fr.id;
    await moved.save();
    expect(titles(await live.nth(3))).toContain('dee 1');
  });
});
