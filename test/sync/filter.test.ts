import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/index.js';
import {
  Member,
  replicaOf,
  serverDocuments,
  stored,
  syncOnce,
  twoReplicas,
  withSyncServer,
} from './replicas.js';

withSyncServer();

const names = async (replica: Parameters<typeof stored>[0]) =>
  ((await stored(replica, 'members')) as Array<{ name: string }>).map((row) => row.name).sort();

describe('filtered replication', () => {
  it('pulls only the records a selector matches, and still pushes every local write', async () => {
    const { url, a, b } = await twoReplicas();
    const [ada] = await a.as(() =>
      Member.createMany([
        { name: 'Ada', role: 'admin' },
        { name: 'Bob', role: 'user' },
        { name: 'Cy', role: 'admin' },
      ]),
    );
    await syncOnce(a);
    const admins = () =>
      b.replicate({ live: false, filter: { members: { role: 'admin' } } }).whenSynced();
    await admins();
    expect(await names(b)).toEqual(['Ada', 'Cy']);

    // A delete reaches the filtered replica; its own writes go out whatever they hold.
    await a.as(async () => (await Member.findOrFail(ada!.id!)).delete());
    await b.as(() => Member.create({ name: 'Dee', role: 'user' }));
    await syncOnce(a);
    await admins();
    expect(await names(b)).toEqual(['Cy', 'Dee']);
    const onServer = (await serverDocuments(url)).filter((doc) => doc.kind === 'record');
    expect(onServer.some((doc) => (doc.values as { name?: string }).name === 'Dee')).toBe(true);
    await syncOnce(a);
    expect(await names(a)).toEqual(['Bob', 'Cy', 'Dee']);
  });

  it('selects with operators, and refuses a filter of a table that does not replicate', async () => {
    const { a, b } = await twoReplicas();
    await a.as(() =>
      Member.createMany([
        { name: 'Ada', role: 'admin' },
        { name: 'Bob', role: 'user' },
        { name: 'Cy', role: 'guest' },
      ]),
    );
    await syncOnce(a);
    await b
      .replicate({
        live: false,
        filter: { members: { $or: [{ role: 'admin' }, { name: { $gt: 'C' } }] } },
      })
      .whenSynced();
    expect(await names(b)).toEqual(['Ada', 'Cy']);
    const c = replicaOf('http://127.0.0.1:1/x', 'filter-refused');
    expect(() => c.replicate({ filter: { ghosts: { a: 1 } } })).toThrow(ValidationError);
    expect(() => c.replicate({ filter: { members: 'admin' as never } })).toThrow(ValidationError);
  });
});
