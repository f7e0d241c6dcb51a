import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PouchDB } from '../../scripts/sync-server.mjs';
import {
  Member,
  type Replica,
  replicaOf,
  serverDatabase,
  serverDocuments,
  stored,
  syncOnce,
  withSyncServer,
} from './replicas.js';

withSyncServer();

const KEYS = ['k0', 'k1', 'k2'];

type Step =
  | { kind: 'sync'; replica: number }
  | { kind: 'create' | 'rename' | 'delete'; replica: number; key: number; value: string }
  | { kind: 'pouchRename' | 'pouchRemove'; key: number; value: string };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('sync' as const), replica: fc.integer({ min: 0, max: 1 }) }),
  fc.record({
    kind: fc.constantFrom('create' as const, 'rename' as const, 'delete' as const),
    replica: fc.integer({ min: 0, max: 1 }),
    key: fc.integer({ min: 0, max: KEYS.length - 1 }),
    value: fc.constantFrom('a', 'b', 'c'),
  }),
  fc.record({
    kind: fc.constantFrom('pouchRename' as const, 'pouchRemove' as const),
    key: fc.integer({ min: 0, max: KEYS.length - 1 }),
    value: fc.constantFrom('x', 'y'),
  }),
);

let counter = 0;
/** A stamp in dexorm's format, later than every stamp made before it in this process. */
function stampNow(): string {
  counter += 1;
  return `${Date.now().toString(36).padStart(9, '0')}.${counter.toString(36).padStart(5, '0')}.pouch`;
}

/** One edit by a dexorm replica, as its user would make it. */
async function edit(replica: Replica, each: Extract<Step, { replica: number; key: number }>) {
  const id = KEYS[each.key]!;
  await replica.as(async () => {
    const member = await Member.find(id);
    if (each.kind === 'delete') await member?.delete();
    else if (each.kind === 'create' && !member) await Member.create({ id, name: each.value });
    else if (each.kind === 'rename' && member) await member.fill({ name: each.value }).save();
  });
}

/** One edit by PouchDB on the server: a field written with a later stamp, or a CouchDB delete. */
async function pouchEdit(
  url: string,
  each: Extract<Step, { kind: 'pouchRename' | 'pouchRemove' }>,
) {
  const pouch = new PouchDB(url);
  const id = `members:${JSON.stringify(KEYS[each.key])}`;
  const current = await pouch.get(id).catch(() => undefined);
  if (!current) return;
  if (each.kind === 'pouchRemove') {
    await pouch.remove(current);
    return;
  }
  const stamp = stampNow();
  const values = { ...(current.values as object), name: each.value };
  const clocks = { ...(current.clocks as object), name: stamp };
  await pouch.put({ ...current, values, clocks });
}

/** The live records the server's documents hold, as dexorm stores them. */
async function serverRecords(url: string): Promise<unknown[]> {
  const documents = await serverDocuments(url);
  return documents
    .filter(
      (doc) =>
        doc.kind === 'record' &&
        (doc.deleted === undefined || (doc.born as string) > (doc.deleted as string)),
    )
    .map((doc) => ({ ...(doc.values as object), id: doc.key }))
    .sort((a, b) => ((a as { id: string }).id < (b as { id: string }).id ? -1 : 1));
}

describe('dexorm replicas and a PouchDB client on one server', () => {
  it('end with identical records everywhere, whatever the interleaving of edits, deletes and syncs', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 12 }), async (steps) => {
        run += 1;
        const url = await serverDatabase();
        const replicas = [replicaOf(url, `pa-${run}`), replicaOf(url, `pb-${run}`)] as const;
        await syncOnce(...replicas);
        for (const each of steps) {
          if (each.kind === 'sync') await syncOnce(replicas[each.replica]!);
          else if ('replica' in each) await edit(replicas[each.replica]!, each);
          else await pouchEdit(url, each);
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
        const [a, b] = replicas;
        // A round pushes before it pulls: what a replica merges in one round's pull (a delete
        // that wins over an edit that did not see it) goes out in its next round, and reaches
        // the other replica in the round after.
        await syncOnce(a, b, a, b, a, b);
        const onServer = await serverRecords(url);
        const sorted = (rows: unknown[]) =>
          [...rows].sort((x, y) => ((x as { id: string }).id < (y as { id: string }).id ? -1 : 1));
        expect(sorted(await stored(a, 'members'))).toEqual(onServer);
        expect(sorted(await stored(b, 'members'))).toEqual(onServer);
        for (const replica of replicas) {
          expect(await replica.db.dexie.table('_dexorm_outbox').count()).toBe(0);
        }
      }),
      {
        numRuns: 40,
        // Found by this test: b re-created a record before PouchDB deleted it; the delete wins.
        examples: [
          [
            [
              { kind: 'create', replica: 0, key: 0, value: 'a' },
              { kind: 'sync', replica: 0 },
              { kind: 'create', replica: 1, key: 0, value: 'a' },
              { kind: 'pouchRemove', key: 0, value: 'x' },
              { kind: 'pouchRename', key: 0, value: 'x' },
            ],
          ],
        ],
      },
    );
  }, 120_000);
});
