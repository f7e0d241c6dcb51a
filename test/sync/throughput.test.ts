import { firstValueFrom } from 'rxjs';
import { filter } from 'rxjs/operators';
import { describe, expect, it } from 'vitest';
import { installReadCounter } from '../support/read-counter.js';
import {
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

const members = (count: number, prefix: string) =>
  Array.from({ length: count }, (_, i) => ({
    name: `${prefix} ${i}`,
    email: `${prefix}-${i}@example.test`,
  }));

/** A fetch that notes each request as `METHOD /path?query` before making it. */
function logged(requests: string[]): typeof fetch {
  return (input, init) => {
    const url = new URL(String(input));
    requests.push(
      `${init?.method ?? 'GET'} ${url.pathname.split('/').slice(2).join('/')}${url.search}`,
    );
    return fetch(input, init);
  };
}

describe('sync throughput: bulk requests per page, nothing downloaded back', () => {
  it('merges a pulled page in a few bulk writes per table, not one per record', async () => {
    const { url, a } = await twoReplicas();
    await a.as(() => Member.createMany(members(300, 'm')));
    await syncOnce(a);
    const counted = async (batchSize: number) => {
      const b = replicaOf(url, `b${batchSize}`);
      const counter = installReadCounter(b.db.dexie);
      await b.replicate({ live: false, batchSize }).whenSynced();
      expect(await stored(b, 'members')).toHaveLength(300);
      return counter.writes;
    };
    const byPage = await counted(100);
    const byRecord = await counted(1);
    // Three pages of 100: at most a bulk put per page (split in chunks of 49) on each table.
    expect(byPage.members).toBeLessThanOrEqual(3 * 3);
    expect(byPage._dexorm_versions).toBeLessThanOrEqual(3 * 3);
    // The same 300 records one per page cost one write each: the page, not the record, is the unit.
    expect(byRecord.members).toBe(300);
    // 300 pages of one: 300 round trips, about 2 s alone, more on a busy machine.
  }, 20_000);

  it('reads a pulled page with a request per table where the replica lacks its records', async () => {
    const { url, a } = await twoReplicas();
    const names = Array.from({ length: 300 }, (_, i) => ({ name: `skill ${i}` }));
    await a.as(() => Skill.createMany(names));
    await syncOnce(a);
    const b = replicaOf(url, 'b');
    const counter = installReadCounter(b.db.dexie);
    await b.replicate({ live: false }).whenSynced();
    // Three pages: a keys-only probe of each table finds none of the page's records, versions
    // or outbox entries (by key, 300 read requests on each); starting, the replication reads
    // the table once to queue what it holds.
    expect(counter.records('skills')).toBe(0);
    expect(counter.readRequests.skills).toBeLessThanOrEqual(3 + 1);
    expect(counter.readRequests._dexorm_versions).toBeLessThanOrEqual(3 * 2);
    // The outbox is also read for the clock's latest stamp, the (empty) push and the pending count.
    expect(counter.readRequests._dexorm_outbox).toBeLessThanOrEqual(3 + 5);
    expect(await stored(b, 'skills')).toHaveLength(300);

    // Every record edited elsewhere: the page's records are all here, read by key.
    await a.as(async () => {
      for (const skill of await Skill.all()) await skill.fill({ name: `${skill.name}!` }).save();
    });
    await syncOnce(a);
    counter.reset();
    await b.replicate({ live: false }).whenSynced();
    expect(counter.records('skills')).toBe(300);
    expect(counter.readRequests.skills).toBeLessThanOrEqual(300 + 3);
    const renamed = (await stored(b, 'skills')) as Array<{ name: string }>;
    expect(renamed.filter((skill) => skill.name.endsWith('!'))).toHaveLength(300);
  });

  it('finds the holders of a unique index once per page, not once per pulled record', async () => {
    const { url, a } = await twoReplicas();
    await a.as(() => Member.createMany(members(300, 'u')));
    await syncOnce(a);
    const b = replicaOf(url, 'b');
    const counter = installReadCounter(b.db.dexie);
    await b.as(() => Member.create({ name: 'taken', email: 'u-7@example.test' }));
    counter.reset();
    await b.replicate({ live: false }).whenSynced();
    // Three pages, or four with the record it pushed first: a keys-only probe and one walk of
    // the email index each; the first replication's read of what the table held; the
    // collision's loser read to null its email, and again to push it (by document, 300 reads).
    expect(counter.readRequests.members).toBeLessThanOrEqual(4 * 2 + 1 + 2);
    const stored = (await b.db.dexie.table('members').toArray()) as Array<{ email: string | null }>;
    expect(stored).toHaveLength(301);
    // The one collision still resolved: the record with the smaller key kept the email.
    expect(stored.filter((member) => member.email === 'u-7@example.test')).toHaveLength(1);
    expect(stored.filter((member) => member.email === null)).toHaveLength(1);
    expect(await b.replicate({ live: false }).conflicts()).toHaveLength(1);
  });

  it('pushes with a few requests per batch on the outbox and the records, not one per record', async () => {
    const { url, a } = await twoReplicas();
    const counter = installReadCounter(a.db.dexie);
    // Replicated before the records are written, so that they are in the outbox as changes.
    await syncOnce(a);
    await a.as(() => Member.createMany(members(1000, 'm')));
    counter.reset();
    await a.replicate({ live: false }).whenSynced();
    expect(await serverDocuments(url)).toHaveLength(1000);
    expect(await a.db.dexie.table('_dexorm_outbox').count()).toBe(0);
    // Ten batches of 100: each read of the outbox, its acknowledgement and the records it names
    // are a range each (with bulkGet and bulkDelete, 201 outbox requests and 100 on the records);
    // the pending count is read again after each batch.
    expect(counter.readRequests._dexorm_outbox).toBeLessThanOrEqual(11 * 4 + 11);
    expect(counter.writeRequests._dexorm_outbox).toBeLessThanOrEqual(11);
    expect(counter.readRequests.members).toBeLessThanOrEqual(11 * 2);

    // Every tenth record edited: the outbox's addresses are spread among the records, and a
    // range from the first to the last would hold ten times the batch: the range read stops at
    // twice the batch, and the keys beyond it are read one by one.
    const table = a.db.dexie.table<{ id: string; role: string }>('members');
    const edited = (await table.toArray())
      .filter((_, i) => i % 10 === 0)
      .map((member) => ({ ...member, role: 'lead' }));
    await table.bulkPut(edited);
    counter.reset();
    await a.replicate({ live: false }).whenSynced();
    const leads = (await serverDocuments(url)).filter(
      (document) => (document.values as { role?: string }).role === 'lead',
    );
    expect(leads.map((document) => document._id).sort()).toEqual(
      edited.map((member) => `members:${JSON.stringify(member.id)}`).sort(),
    );
    expect(await a.db.dexie.table('_dexorm_outbox').count()).toBe(0);
    expect(counter.records('members')).toBeLessThanOrEqual(3 * edited.length);
  });

  it('does not download back the documents it pushed', async () => {
    const { url, a } = await twoReplicas();
    await a.as(() => Member.createMany(members(250, 'own')));
    const requests: string[] = [];
    await a.replicate({ live: false, fetch: logged(requests) }).whenSynced();
    expect(requests.filter((request) => request.startsWith('POST _bulk_docs'))).toHaveLength(3);
    const pulls = requests.filter((request) => request.startsWith('GET _changes'));
    expect(pulls.length).toBeGreaterThan(0);
    for (const pull of pulls) expect(pull).not.toContain('include_docs');
    expect(requests.some((request) => request.startsWith('POST _all_docs'))).toBe(false);
    expect(await serverDocuments(url)).toHaveLength(250);
    expect(await a.db.dexie.table('_dexorm_outbox').count()).toBe(0);
  });

  it("fetches the others' documents among its own revisions, and all of them arrive", async () => {
    const { url, a, b } = await twoReplicas();
    await b.as(() => Member.createMany(members(150, 'b')));
    await syncOnce(b);
    await a.as(() => Member.createMany(members(50, 'a')));
    const requests: string[] = [];
    await a.replicate({ live: false, fetch: logged(requests) }).whenSynced();
    // After its push, a page of revisions; b's 150 documents are fetched by id.
    expect(requests.some((request) => request.startsWith('POST _all_docs'))).toBe(true);
    const names = (await stored(a, 'members')).map((row) => (row as { name: string }).name);
    expect(names).toHaveLength(200);
    expect(names.filter((name) => name.startsWith('b '))).toHaveLength(150);
    await syncOnce(b);
    expect(await stored(b, 'members')).toEqual(await stored(a, 'members'));
    expect(await serverDocuments(url)).toHaveLength(200);
  });
});

describe('sync while failing: back-off caps the request rate', () => {
  it('retries an unreachable server a few times in 3 s, not in a loop, then catches up', async () => {
    const url = await serverDatabase();
    const a = replicaOf(url, 'a');
    await a.as(() => Member.create({ name: 'Ada' }));
    await context.server.stop();
    let requests = 0;
    const counting: typeof fetch = (input, init) => {
      requests += 1;
      return fetch(input, init);
    };
    const replication = a.replicate({ fetch: counting });
    try {
      await firstValueFrom(replication.status$.pipe(filter(({ state }) => state === 'offline')));
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      // Back-off from 250 ms doubling (with jitter): at most 5 tries fit in 3 s.
      expect(requests).toBeGreaterThanOrEqual(2);
      expect(requests).toBeLessThanOrEqual(6);
    } finally {
      await context.server.restart();
    }
    await replication.whenSynced();
    expect(
      (await serverDocuments(url)).map((doc) => (doc.values as { name: string }).name),
    ).toEqual(['Ada']);
    expect(await a.db.dexie.table('_dexorm_outbox').count()).toBe(0);
  }, 20_000);

  it('backs off a server that answers 500 to every push, and pushes once it recovers', async () => {
    const url = await serverDatabase();
    const a = replicaOf(url, 'a');
    await a.as(() => Member.createMany(members(3, 'x')));
    let failing = true;
    let pushes = 0;
    const flaky: typeof fetch = async (input, init) => {
      if (String(input).endsWith('/_bulk_docs') && failing) {
        pushes += 1;
        return new Response(JSON.stringify({ error: 'internal', reason: 'try later' }), {
          status: 500,
          headers: { 'content-type': 'application/json' },
        });
      }
      return fetch(input, init);
    };
    const replication = a.replicate({ fetch: flaky });
    await firstValueFrom(replication.status$.pipe(filter(({ state }) => state === 'offline')));
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(pushes).toBeGreaterThanOrEqual(2);
    expect(pushes).toBeLessThanOrEqual(6);
    failing = false;
    await replication.whenSynced();
    expect(await serverDocuments(url)).toHaveLength(3);
    expect(await a.db.dexie.table('_dexorm_outbox').count()).toBe(0);
  }, 20_000);
});
