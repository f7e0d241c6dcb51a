import { describe, expect, it } from 'vitest';
import { PouchDB } from '../../scripts/sync-server.mjs';
import {
  Member,
  replicaOf,
  serverDatabase,
  serverDocuments,
  stored,
  syncOnce,
  twoReplicas,
  withSyncServer,
} from './replicas.js';

withSyncServer();

/** PouchDB's own client, over HTTP, on the same server database as the replicas. */
function pouchOf(url: string) {
  return new PouchDB(url);
}

describe('sync with another CouchDB client (PouchDB)', () => {
  it('sets a document it cannot read aside, and takes the 99 others of its page', async () => {
    const { url, a, b } = await twoReplicas();
    await a.as(() => Member.createMany(Array.from({ length: 100 }, (_, i) => ({ name: `m${i}` }))));
    await syncOnce(a);
    const pouch = pouchOf(url);
    const documents = await serverDocuments(url);
    const victim = documents.find(
      (doc) => doc.kind === 'record' && (doc.values as { name: string }).name === 'm50',
    )!;
    const { born: _born, ...withoutBorn } = victim;
    await pouch.put(withoutBorn);
    const replication = b.replicate({ live: false, batchSize: 100 });
    await replication.whenSynced();
    const names = (await stored(b, 'members')).map((row) => (row as { name: string }).name);
    expect(names).toHaveLength(99);
    expect(names).not.toContain('m50');
    const rejected = await replication.rejected();
    expect(rejected).toEqual([{ id: victim._id, reason: '"born" is not a stamp string' }]);
    // A readable version of it later clears the rejection and arrives.
    const current = await pouch.get(victim._id as string);
    await pouch.put({ ...current, born: victim.born });
    const again = b.replicate({ live: false });
    await again.whenSynced();
    expect(await stored(b, 'members')).toHaveLength(100);
    expect(await again.rejected()).toEqual([]);
  });

  it('rejects documents of unknown tables, wrong types and keys IndexedDB cannot store', async () => {
    const url = await serverDatabase();
    const pouch = pouchOf(url);
    await pouch.bulkDocs([
      { _id: 'plain', title: 'not a record' },
      {
        _id: 'ghosts:"g1"',
        kind: 'record',
        table: 'ghosts',
        key: 'g1',
        born: '1',
        clocks: {},
        values: {},
      },
      {
        _id: 'members:true',
        kind: 'record',
        table: 'members',
        key: true,
        born: '1',
        clocks: {},
        values: {},
      },
      {
        _id: 'members:"m1"',
        kind: 'record',
        table: 'members',
        key: 'm1',
        born: 7,
        clocks: {},
        values: {},
      },
      {
        _id: 'members:"m2"',
        kind: 'record',
        table: 'members',
        key: 'm2',
        born: '1',
        clocks: { name: 3 },
        values: { name: 'x' },
      },
    ]);
    const replica = replicaOf(url, 'c');
    const replication = replica.replicate({ live: false });
    await replication.whenSynced();
    const reasons = Object.fromEntries((await replication.rejected()).map((r) => [r.id, r.reason]));
    expect(Object.keys(reasons).sort()).toEqual(
      ['ghosts:"g1"', 'members:"m1"', 'members:"m2"', 'members:true', 'plain'].sort(),
    );
    expect(reasons.plain).toContain('kind');
    expect(reasons['ghosts:"g1"']).toContain('ghosts');
    expect(reasons['members:true']).toContain('key');
    expect(await stored(replica, 'members')).toEqual([]);
  });

  it('honours a CouchDB delete on every replica, and on new ones', async () => {
    const { url, a, b } = await twoReplicas();
    const ada = await a.as(() => Member.create({ name: 'Ada' }));
    await syncOnce(a, b);
    expect(await stored(b, 'members')).toHaveLength(1);
    const pouch = pouchOf(url);
    const id = `members:${JSON.stringify(ada.id)}`;
    await pouch.remove(await pouch.get(id));
    await syncOnce(a, b);
    expect(await stored(a, 'members')).toEqual([]);
    expect(await stored(b, 'members')).toEqual([]);
    const fresh = replicaOf(url, 'fresh');
    await syncOnce(fresh);
    expect(await stored(fresh, 'members')).toEqual([]);
  });

  it('settles a push of an edit to a record PouchDB deleted: the delete wins, no request storm', async () => {
    const { url, a } = await twoReplicas();
    const ada = await a.as(() => Member.create({ name: 'Ada' }));
    await syncOnce(a);
    const pouch = pouchOf(url);
    await pouch.remove(await pouch.get(`members:${JSON.stringify(ada.id)}`));
    await a.as(async () => {
      const member = await Member.findOrFail(ada.id!);
      member.name = 'Ada L.';
      await member.save();
    });
    let requests = 0;
    const counting: typeof fetch = (input, init) => {
      requests += 1;
      return fetch(input, init);
    };
    const replication = a.replicate({ live: false, fetch: counting });
    await replication.whenSynced();
    expect(await stored(a, 'members')).toEqual([]);
    expect(await a.db.dexie.table('_dexorm_outbox').count()).toBe(0);
    expect(requests).toBeLessThan(20);
  });

  it("keeps other clients' fields and attachments through dexorm's edits", async () => {
    const { url, a } = await twoReplicas();
    const ada = await a.as(() => Member.create({ name: 'Ada' }));
    await syncOnce(a);
    const pouch = pouchOf(url);
    const id = `members:${JSON.stringify(ada.id)}`;
    const document = await pouch.get(id);
    const { rev } = await pouch.put({ ...document, source: 'crm', tags: ['vip'] });
    await pouch.putAttachment(
      id,
      'photo.txt',
      rev,
      new TextEncoder().encode('a photo'),
      'text/plain',
    );
    await syncOnce(a);
    await a.as(async () => {
      const member = await Member.findOrFail(ada.id!);
      member.role = 'admin';
      await member.save();
    });
    await syncOnce(a);
    const after = await pouch.get(id);
    expect(after).toMatchObject({
      source: 'crm',
      tags: ['vip'],
      values: { name: 'Ada', role: 'admin' },
    });
    expect(Object.keys(after._attachments as object)).toEqual(['photo.txt']);
    const photo = await pouch.getAttachment(id, 'photo.txt');
    expect(new TextDecoder().decode(photo)).toBe('a photo');
  });
});
