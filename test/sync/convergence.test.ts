import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Member,
  type Replica,
  replicaOf,
  serverDatabase,
  stored,
  syncOnce,
  withSyncServer,
} from './replicas.js';

withSyncServer();

const KEYS = ['k0', 'k1', 'k2', 'k3'];

type Step =
  | { kind: 'sync'; replica: number }
  | { kind: 'create' | 'rename' | 'role'; replica: number; key: number; value: string }
  | { kind: 'delete'; replica: number; key: number };

const replicaIndex = fc.integer({ min: 0, max: 2 });
const keyIndex = fc.integer({ min: 0, max: KEYS.length - 1 });
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('sync' as const), replica: replicaIndex }),
  fc.record({
    kind: fc.constantFrom('create' as const, 'rename' as const, 'role' as const),
    replica: replicaIndex,
    key: keyIndex,
    value: fc.constantFrom('a', 'b', 'c'),
  }),
  fc.record({ kind: fc.constant('delete' as const), replica: replicaIndex, key: keyIndex }),
);

/** What happened to one key, in the order it happened (the naive model of the outcome). */
interface History {
  /** When the key was last created on a replica that did not hold it. */
  born: number;
  deleted: number;
  fields: Map<string, { at: number; value: string }>;
}

/**
 * Applies one edit on `replica`, as a user of that device would, and notes it in `histories`
 * at time `at` (edits run in order, each in a later millisecond).
 */
async function apply(
  replica: Replica,
  edit: Exclude<Step, { kind: 'sync' }>,
  histories: Map<string, History>,
  at: number,
): Promise<void> {
  const id = KEYS[edit.key]!;
  const history = histories.get(id) ?? { born: -1, deleted: -1, fields: new Map() };
  histories.set(id, history);
  await replica.as(async () => {
    const member = await Member.find(id);
    if (edit.kind === 'delete') {
      if (member) {
        await member.delete();
        history.deleted = at;
      }
    } else if (edit.kind === 'create' && !member) {
      await Member.create({ id, name: edit.value });
      history.born = at;
      history.fields.set('name', { at, value: edit.value });
    } else if (member) {
      const field = edit.kind === 'role' ? 'role' : 'name';
      if (member.toJSON()[field] === edit.value) return;
      await member.fill({ [field]: edit.value }).save();
      history.fields.set(field, { at, value: edit.value });
    }
  });
}

/**
 * The records the histories should end as: a key lives when it was created after its last
 * delete, with each field's latest value written since that creation.
 */
function expectedRecords(histories: Map<string, History>): unknown[] {
  return [...histories.entries()]
    .filter(([, history]) => history.born > history.deleted)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([id, history]) => {
      const record: Record<string, string> = { id };
      for (const [field, { at, value }] of history.fields) {
        if (at >= history.born) record[field] = value;
      }
      return record;
    });
}

describe('replication of three replicas', () => {
  it('ends with identical stores, each edit kept unless a later one replaced it, whatever the order of syncs', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 14 }), async (steps) => {
        run += 1;
        const url = await serverDatabase();
        const replicas = ['a', 'b', 'c'].map((name) => replicaOf(url, `${name}-${run}`));
        const [a, b, c] = replicas as [Replica, Replica, Replica];
        // Replicated from the start, so that every edit is recorded when it is made.
        await syncOnce(a, b, c);
        const histories = new Map<string, History>();
        for (const [at, each] of steps.entries()) {
          const replica = replicas[each.replica]!;
          if (each.kind === 'sync') await syncOnce(replica);
          else {
            await apply(replica, each, histories, at);
            await new Promise((resolve) => setTimeout(resolve, 2));
          }
        }
        await syncOnce(a, b, c, a, b);
        const expected = expectedRecords(histories);
        expect(await stored(a, 'members')).toEqual(expected);
        expect(await stored(b, 'members')).toEqual(expected);
        expect(await stored(c, 'members')).toEqual(expected);
        for (const replica of replicas) {
          expect(await replica.db.dexie.table('_dexorm_outbox').count()).toBe(0);
        }
      }),
      {
        numRuns: 30,
        // Found by this test once: a delete merged with a copy still alive left a change to push.
        examples: [
          [
            [
              { kind: 'create', replica: 1, key: 1, value: 'a' },
              { kind: 'sync', replica: 1 },
              { kind: 'delete', replica: 1, key: 1 },
              { kind: 'delete', replica: 0, key: 0 },
            ],
          ],
        ],
      },
    );
  }, 120_000);
});
