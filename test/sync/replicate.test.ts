import { IDBFactory } from 'fake-indexeddb';
import { firstValueFrom } from 'rxjs';
import { filter } from 'rxjs/operators';
import { describe, expect, it } from 'vitest';
import { Model, SchemaError, ValidationError } from '../../src/index.js';
import { type ReplicationStatus, replicate, SyncError } from '../../src/sync/index.js';
import { eventually } from '../support/eventually.js';
import {
  Card,
  Member,
  replicaOf,
  Skill,
  serverDatabase,
  serverDocuments,
  stored,
  syncOnce,
  twoReplicas,
  withSyncServer,
} from './replicas.js';

const context = withSyncServer();

/** A model with auto-increment keys, which two devices would both give key 1. */
class Note extends Model<{ id?: number; text: string }> {
  static override table = 'notes';
}

/** The pending local changes of `replica`'s database (what the outbox holds). */
function outboxOf(replica: {
  db: { dexie: { table(name: string): { count(): Promise<number> } } };
}) {
  return replica.db.dexie.table('_dexorm_outbox').count();
}

describe('replicate', () => {
  it('brings records and relations to the other replica, one document per record', async () => {
    const { url, a, b } = await twoReplicas();
    const ada = await a.as(() => Member.create({ name: 'Ada', email: 'ada@example.com' }));
    await a.as(() => ada.cardRelation().create({ title: 'Engines' }));
    await syncOnce(a, b);
    const [member, card] = await b.as(async () => {
      const found = await Member.findOrFail(ada.id!);
      return [found, await found.cardRelation().getResults()] as const;
    });
    expect(member.toJSON()).toEqual({ id: ada.id, name: 'Ada', email: 'ada@example.com' });
    expect(card?.title).toBe('Engines');
    expect(await stored(b, 'cards')).toEqual([
      { id: card?.id, member_id: ada.id, title: 'Engines' },
    ]);
    const documents = await serverDocuments(url);
    expect(documents.map((document) => document._id).sort()).toEqual(
      [`cards:${JSON.stringify(card?.id)}`, `members:${JSON.stringify(ada.id)}`].sort(),
    );
    expect(await outboxOf(a)).toBe(0);
    expect(await outboxOf(b)).toBe(0);
  });

  it('replicates the pivot table of a many-to-many relation, pivot attributes included', async () => {
    const { a, b } = await twoReplicas();
    const ada = await a.as(() => Member.create({ name: 'Ada' }));
    const [math, engines] = await a.as(() =>
      Skill.createMany([{ name: 'maths' }, { name: 'engines' }]),
    );
    await a.as(() => ada.skillsRelation().attach([math!.id!, engines!.id!], { added_by: 'grace' }));
    await syncOnce(a, b);
    const names = () =>
      b.as(async () => {
        const member = await Member.findOrFail(ada.id!);
        const skills = await member.skillsRelation().getResults();
        return skills.map((skill) => `${skill.name}:${skill.pivot.added_by}`).sort();
      });
    expect(await names()).toEqual(['engines:grace', 'maths:grace']);
    expect(await stored(b, 'member_skill')).toHaveLength(2);
    await a.as(() => ada.skillsRelation().detach(math!.id!));
    await syncOnce(a, b);
    expect(await names()).toEqual(['engines:grace']);
    expect(await stored(b, 'member_skill')).toEqual(await stored(a, 'member_skill'));
  });

  it('keeps dates as dates', async () => {
    const { a, b } = await twoReplicas();
    const joined = new Date('2026-03-01T10:00:00Z');
    const ada = await a.as(() => Member.create({ name: 'Ada', joined }));
    await syncOnce(a, b);
    const copy = (await b.db.dexie.table('members').get(ada.id!)) as { joined: unknown };
    expect(copy.joined).toBeInstanceOf(Date);
    expect(copy.joined).toEqual(joined);
  });

  it('does not send back what it pulled', async () => {
    const { a, b } = await twoReplicas();
    await a.as(() => Member.create({ name: 'Ada' }));
    await syncOnce(a);
    const pushes: string[] = [];
    const counting: typeof fetch = (input, init) => {
      if (String(input).includes('_bulk_docs')) pushes.push(String(init?.body));
      return fetch(input, init);
    };
    await b.replicate({ live: false, fetch: counting }).whenSynced();
    await b.replicate({ live: false, fetch: counting }).whenSynced();
    expect(pushes).toEqual([]);
    expect(await outboxOf(b)).toBe(0);
    expect(await stored(b, 'members')).toHaveLength(1);
  });

  it('pushes edits made offline once the server is back, also after a reload', async () => {
    const url = await serverDatabase();
    let a = replicaOf(url, 'a');
    const b = replicaOf(url, 'b');
    const ada = await a.as(() => Member.create({ name: 'Ada' }));
    const live = a.replicate();
    await live.whenSynced();
    await context.server.stop();
    try {
      await a.as(() => Member.create({ name: 'Grace' }));
      await firstValueFrom(live.status$.pipe(filter((status) => status.state === 'offline')));
      // A reload while offline: no replication runs, and changes are still recorded.
      a = a.reload();
      await a.as(async () => {
        const member = await Member.findOrFail(ada.id!);
        await member.fill({ role: 'lead' }).save();
      });
      expect(await outboxOf(a)).toBe(2);
    } finally {
      await context.server.restart();
    }
    await a.replicate({ live: false }).whenSynced();
    expect(await outboxOf(a)).toBe(0);
    await syncOnce(b);
    const names = (await stored(b, 'members')) as Array<{ name: string; role?: string }>;
    expect(names.map(({ name, role }) => `${name}:${role ?? '-'}`).sort()).toEqual([
      'Ada:lead',
      'Grace:-',
    ]);
  });

  it('keeps concurrent edits of different fields of one record', async () => {
    const { a, b } = await twoReplicas();
    const ada = await a.as(() => Member.create({ name: 'Ada', email: 'ada@example.com' }));
    await syncOnce(a, b);
    await a.as(() => Member.query().where('id', ada.id!).update({ name: 'Ada L.' }));
    await b.as(() => Member.query().where('id', ada.id!).update({ role: 'lead' }));
    await syncOnce(a, b, a);
    const expected = { id: ada.id, name: 'Ada L.', email: 'ada@example.com', role: 'lead' };
    expect(await stored(a, 'members')).toEqual([expected]);
    expect(await stored(b, 'members')).toEqual([expected]);
  });

  for (const first of ['a', 'b'] as const) {
    it(`gives the later edit of one field on both replicas (${first} syncs first)`, async () => {
      const { a, b } = await twoReplicas();
      const ada = await a.as(() => Member.create({ name: 'Ada' }));
      await syncOnce(a, b);
      await a.as(() => Member.query().where('id', ada.id!).update({ name: 'from a' }));
      await new Promise((resolve) => setTimeout(resolve, 2));
      await b.as(() => Member.query().where('id', ada.id!).update({ name: 'from b' }));
      const order = first === 'a' ? [a, b, a] : [b, a, b];
      await syncOnce(...order);
      expect(await stored(a, 'members')).toEqual([{ id: ada.id, name: 'from b' }]);
      expect(await stored(b, 'members')).toEqual([{ id: ada.id, name: 'from b' }]);
    });
  }

  it('propagates a delete, which wins over an edit that did not see it', async () => {
    const { a, b } = await twoReplicas();
    const ada = await a.as(() => Member.create({ name: 'Ada' }));
    const grace = await a.as(() => Member.create({ name: 'Grace' }));
    await syncOnce(a, b);
    await a.as(async () => (await Member.findOrFail(ada.id!)).delete());
    await new Promise((resolve) => setTimeout(resolve, 2));
    await b.as(() => Member.query().where('id', ada.id!).update({ name: 'Ada, edited later' }));
    await syncOnce(b, a, b);
    expect(await stored(a, 'members')).toEqual([{ id: grace.id, name: 'Grace' }]);
    expect(await stored(b, 'members')).toEqual([{ id: grace.id, name: 'Grace' }]);
  });

  it('lets a record created again after its delete live', async () => {
    const { a, b } = await twoReplicas();
    const ada = await a.as(() => Member.create({ name: 'Ada', role: 'old' }));
    await syncOnce(a, b);
    await a.as(async () => (await Member.findOrFail(ada.id!)).delete());
    await a.as(() => Member.create({ id: ada.id, name: 'Ada again' }));
    await syncOnce(a, b);
    expect(await stored(b, 'members')).toEqual([{ id: ada.id, name: 'Ada again' }]);
  });

  it('gives one member one card when two replicas each attached one', async () => {
    const { a, b } = await twoReplicas();
    const ada = await a.as(() => Member.create({ name: 'Ada' }));
    await syncOnce(a, b);
    const fromA = await a.as(async () =>
      (await Member.findOrFail(ada.id!)).cardRelation().create({ title: 'from a' }),
    );
    const fromB = await b.as(async () =>
      (await Member.findOrFail(ada.id!)).cardRelation().create({ title: 'from b' }),
    );
    const replicationA = a.replicate({ live: false });
    await replicationA.whenSynced();
    const replicationB = b.replicate({ live: false });
    await replicationB.whenSynced();
    await syncOnce(a);
    const [keeper, loser] = [fromA, fromB].sort((x, y) => (x.id! < y.id! ? -1 : 1));
    const expected = [
      { id: keeper?.id, member_id: ada.id, title: keeper?.title },
      { id: loser?.id, member_id: null, title: loser?.title },
    ];
    for (const replica of [a, b]) {
      expect(await stored(replica, 'cards')).toEqual(expected);
      const attached = await replica.as(async () =>
        (await Member.findOrFail(ada.id!)).cardRelation().getResults(),
      );
      expect(attached?.id).toBe(keeper?.id);
    }
    const conflict = {
      table: 'cards',
      key: loser?.id,
      field: 'member_id',
      version: { id: loser?.id, member_id: ada.id, title: loser?.title },
    };
    expect(await replicationA.conflicts()).toEqual([conflict]);
    expect(await replicationB.conflicts()).toEqual([conflict]);
  });

  it('replicates 500 records in batches', async () => {
    const { a, b } = await twoReplicas();
    await a.as(() =>
      Member.createMany(Array.from({ length: 500 }, (_, i) => ({ name: `member ${i}` }))),
    );
    const requests: string[] = [];
    const logging: typeof fetch = (input, init) => {
      requests.push(`${init?.method ?? 'GET'} ${new URL(String(input)).pathname}`);
      return fetch(input, init);
    };
    await a.replicate({ live: false, fetch: logging }).whenSynced();
    expect(requests.filter((request) => request.endsWith('/_bulk_docs'))).toHaveLength(5);
    await b.replicate({ live: false, batchSize: 200 }).whenSynced();
    expect(await stored(b, 'members')).toEqual(await stored(a, 'members'));
    expect(await stored(b, 'members')).toHaveLength(500);
  });

  it('leaves every record once when the server stops in the middle of a push', async () => {
    const url = await serverDatabase();
    const a = replicaOf(url, 'a');
    await a.as(() =>
      Member.createMany(Array.from({ length: 300 }, (_, i) => ({ name: `member ${i}` }))),
    );
    let pushes = 0;
    // The second push reaches the server, which stores it and stops before it answers.
    const cutting: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (String(input).endsWith('/_bulk_docs') && ++pushes === 2) {
        await context.server.stop();
        setTimeout(() => void context.server.restart(), 300);
        throw new TypeError('fetch failed');
      }
      return response;
    };
    const replication = a.replicate({ fetch: cutting });
    const states: string[] = [];
    replication.status$.subscribe((status) => states.push(status.state));
    await replication.whenSynced();
    expect(states).toContain('offline');
    const documents = await serverDocuments(url);
    expect(documents).toHaveLength(300);
    expect(new Set(documents.map((document) => document._id)).size).toBe(300);
    expect(await outboxOf(a)).toBe(0);
  });

  it('merges branches found on the server and removes the losing ones', async () => {
    const url = await serverDatabase();
    const a = replicaOf(url, 'a');
    const ada = await a.as(() => Member.create({ name: 'Ada', email: 'ada@example.com' }));
    await syncOnce(a);
    const [document] = (await serverDocuments(url)) as Array<Record<string, unknown>>;
    const clocks = document?.clocks as Record<string, string>;
    // Another replicator wrote a sibling revision with a later role and an older name.
    const sibling = {
      ...document,
      _rev: '2-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
      values: { ...(document?.values as object), role: 'lead', name: 'stale' },
      clocks: { ...clocks, role: 'zzzzzzzzz.00000.other', name: '000000000.00000.other' },
      _revisions: undefined,
    };
    const put = await fetch(`${url}/_bulk_docs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ docs: [sibling], new_edits: false }),
    });
    expect(put.status).toBe(201);
    const before = await (
      await fetch(`${url}/${encodeURIComponent(String(document?._id))}?conflicts=true`)
    ).json();
    expect(before._conflicts).toHaveLength(1);
    const b = replicaOf(url, 'b');
    await syncOnce(b);
    expect(await stored(b, 'members')).toEqual([
      { id: ada.id, name: 'Ada', email: 'ada@example.com', role: 'lead' },
    ]);
    const after = await (
      await fetch(`${url}/${encodeURIComponent(String(document?._id))}?conflicts=true`)
    ).json();
    expect(after._conflicts).toBeUndefined();
    expect(after.values).toEqual({
      id: ada.id,
      name: 'Ada',
      email: 'ada@example.com',
      role: 'lead',
    });
    await syncOnce(a);
    expect(await stored(a, 'members')).toEqual(await stored(b, 'members'));
  });

  it('keeps pulling live, and live observers re-emit when the related record arrives', async () => {
    const { a, b } = await twoReplicas();
    const ada = await a.as(() => Member.create({ name: 'Ada' }));
    a.replicate();
    b.replicate();
    const member = await eventually2(() => b.as(() => Member.find(ada.id!)));
    const titles: Array<string | null> = [];
    const subscription = member.card$.subscribe((card) => titles.push(card?.title ?? null));
    try {
      await a.as(() => ada.cardRelation().create({ title: 'Engines' }));
      await eventually(() => expect(titles).toEqual([null, 'Engines']), 5000);
    } finally {
      subscription.unsubscribe();
    }
  });

  it('reports connecting, active, idle and the pending count', async () => {
    const url = await serverDatabase();
    const a = replicaOf(url, 'a');
    await a.as(() => Member.createMany([{ name: 'Ada' }, { name: 'Grace' }]));
    const replication = a.replicate();
    const seen: ReplicationStatus[] = [];
    replication.status$.subscribe((status) => seen.push(status));
    await replication.whenSynced();
    await eventually(() => expect(seen.at(-1)).toEqual({ state: 'idle', pending: 0 }));
    expect(seen[0]?.state).toBe('connecting');
    expect(seen.map((status) => status.state)).toContain('active');
    expect(Math.max(...seen.map((status) => status.pending))).toBe(2);
  });

  it('counts and pushes a change written by another tab of the same database', async () => {
    const url = await serverDatabase();
    const factory = new IDBFactory();
    const tab = replicaOf(url, 'tabs', undefined, factory);
    const otherTab = replicaOf(url, 'tabs', undefined, factory);
    const replication = tab.replicate();
    await replication.whenSynced();
    const counted = firstValueFrom(replication.status$.pipe(filter(({ pending }) => pending > 0)));
    await otherTab.as(() => Member.create({ name: 'Ada' }));
    expect((await counted).pending).toBe(1);
    await firstValueFrom(
      replication.status$.pipe(filter(({ state, pending }) => state === 'idle' && pending === 0)),
    );
    expect((await serverDocuments(url)).map((document) => document.values)).toEqual([
      expect.objectContaining({ name: 'Ada' }),
    ]);
    expect(await outboxOf(tab)).toBe(0);
  });

  it('sends the given headers with every request', async () => {
    const url = await serverDatabase();
    const a = replicaOf(url, 'a');
    await a.as(() => Member.create({ name: 'Ada' }));
    const seen: Array<string | null> = [];
    const recording: typeof fetch = (input, init) => {
      seen.push(new Headers(init?.headers).get('authorization'));
      return fetch(input, init);
    };
    const headers = { authorization: 'Basic YWRhOnNlY3JldA==' };
    await a.replicate({ live: false, fetch: recording, headers }).whenSynced();
    expect(seen.length).toBeGreaterThanOrEqual(4); // info, push, pull, checkpoint
    expect(new Set(seen)).toEqual(new Set([headers.authorization]));
  });

  it('errors on 404 and rejects whenSynced, without retrying', async () => {
    const a = replicaOf(`${context.server.url}/missing`, 'a');
    const replication = a.replicate();
    await expect(replication.whenSynced()).rejects.toBeInstanceOf(SyncError);
    const status = await firstValueFrom(replication.status$);
    expect(status.state).toBe('error');
    expect((status.error as SyncError).status).toBe(404);
  });

  it('rejects whenSynced on stop', async () => {
    const url = await serverDatabase();
    const a = replicaOf(url, 'a');
    await context.server.stop();
    try {
      const replication = a.replicate();
      const synced = replication.whenSynced();
      replication.stop();
      await expect(synced).rejects.toBeInstanceOf(SyncError);
    } finally {
      await context.server.restart();
    }
  });

  it("refuses auto keys, other databases' models and a bad url at once", async () => {
    const url = await serverDatabase();
    const a = replicaOf(url, 'a', [Member, Card, Skill, Note]);
    expect(() => replicate(a.db, { url })).toThrow(SchemaError);
    expect(() => replicate(a.db, { url, models: [Note] })).toThrow(/keyType 'auto'/);
    const b = replicaOf(url, 'b');
    expect(() => replicate(b.db, { url, models: [Note] })).toThrow(SchemaError);
    expect(() => replicate(b.db, { url: 'couch' })).toThrow(ValidationError);
    expect(() => replicate(b.db, { url, batchSize: 0 })).toThrow(ValidationError);
  });
});

/** Resolves to `read()`'s first non-null value. */
async function eventually2<T>(read: () => Promise<T | null>): Promise<T> {
  for (let tries = 0; tries < 500; tries++) {
    const value = await read();
    if (value !== null) return value;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('never arrived');
}
