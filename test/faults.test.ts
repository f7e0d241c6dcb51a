import type { Observable } from 'rxjs';
import { map } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { type Database, DexormError, StorageError, UniqueConstraintError } from '../src/index.js';
import { FaultInjector, type FaultKind } from './support/fault-injector.js';
import { freshDatabase, Profile, User } from './support/models.js';
import { removeDatabase } from './support/session.js';
import { type Recording, record, settle, snapshotTables } from './support/snapshot.js';

let db: Database | undefined;
afterEach(async () => {
  await removeDatabase(db);
  db = undefined;
});

/** What each scenario starts from: two users, Ada with a profile, and a profile of nobody. */
interface Seeded {
  readonly ada: User;
  readonly grace: User;
  readonly loose: Profile;
}

async function seed(): Promise<Seeded> {
  const ada = await User.create({ name: 'Ada', email: 'ada@example.com' });
  const grace = await User.create({ name: 'Grace', email: 'grace@example.com' });
  await ada.profileRelation().create({ bio: 'analyst', location: 'London' });
  const loose = await Profile.create({ bio: 'nobody yet', user_id: null });
  return { ada, grace, loose };
}

interface Scenario {
  readonly name: string;
  /** The operation under test; run once per injected fault, then once more to succeed. */
  readonly act: (seeded: Seeded) => Promise<unknown>;
  /** Checks on the caller's in-memory models after a failed attempt. */
  readonly afterFailure?: (seeded: Seeded) => void;
}

const scenarios: Scenario[] = [
  {
    name: 'HasOne.create',
    act: ({ grace }) => grace.profileRelation().create({ bio: 'admiral' }),
  },
  {
    name: 'HasOne.save (moving a loose profile to a user)',
    act: ({ grace, loose }) => grace.profileRelation().save(loose),
    afterFailure: ({ loose }) => {
      expect(loose.user_id).toBeNull();
      expect(loose.isDirty()).toBe(false);
    },
  },
  {
    name: 'HasOne.dissociate',
    act: ({ ada }) => ada.profileRelation().dissociate(),
  },
  {
    name: 'HasOne.firstOrCreate (nothing related yet)',
    act: ({ grace }) => grace.profileRelation().firstOrCreate({ bio: 'admiral' }),
  },
  {
    name: 'HasOne.updateOrCreate (updating the related profile)',
    act: ({ ada }) => ada.profileRelation().updateOrCreate({ bio: 'engineer', location: 'Paris' }),
  },
  {
    name: 'HasOne.updateOrCreate (creating the related profile)',
    act: ({ grace }) => grace.profileRelation().updateOrCreate({ bio: 'admiral' }),
  },
  {
    name: 'Model.createMany',
    act: () =>
      Profile.createMany([{ bio: 'one' }, { bio: 'two', location: 'Oslo' }, { bio: 'three' }]),
  },
  {
    name: 'db.transaction with several writes',
    act: ({ ada, loose }) => {
      const database = db as Database;
      return database.transaction(async () => {
        const linus = await User.create({ name: 'Linus', email: 'linus@example.com' });
        await linus.profileRelation().create({ bio: 'kernel' });
        const stored = await User.findOrFail(ada.getKey() as number);
        stored.name = 'Ada Lovelace';
        await stored.save();
        await stored.profileRelation().dissociate();
        const other = await Profile.findOrFail(loose.getKey() as number);
        await other.delete();
      });
    },
  },
];

/** Every link of an error's `cause` (and Dexie's `inner`) chain. */
function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  let current: unknown = error;
  while (typeof current === 'object' && current !== null && !chain.includes(current)) {
    chain.push(current);
    const next = current as { cause?: unknown; inner?: unknown };
    current = next.cause ?? next.inner;
  }
  return chain;
}

/** A canonical text of plain data, so that key order does not matter in comparisons. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : 1)))
      : inner,
  );
}

const plain = <T extends { toJSON(): unknown }>(models: T[]) => models.map((m) => m.toJSON());

/** Live observers over everything the scenarios touch, as plain data. */
function watchAll({ ada, grace }: Seeded): Record<string, Observable<unknown>> {
  return {
    users: User.query().observe().pipe(map(plain)),
    profiles: Profile.query().observe().pipe(map(plain)),
    'ada.profile$': ada.profile$.pipe(map((p) => p?.toJSON() ?? null)),
    'grace.profile$': grace.profile$.pipe(map((p) => p?.toJSON() ?? null)),
  };
}

/** What each observer must show for a stored state. */
function expectedViews(
  state: Record<string, unknown[]>,
  { ada, grace }: Seeded,
): Record<string, unknown> {
  const profileOf = (user: User) =>
    (state.profiles as { user_id?: unknown }[]).find((p) => p.user_id === user.getKey()) ?? null;
  return {
    users: state.users,
    profiles: state.profiles,
    'ada.profile$': profileOf(ada),
    'grace.profile$': profileOf(grace),
  };
}

const expectedError: Record<FaultKind, typeof DexormError> = {
  quota: StorageError,
  unknown: StorageError,
  constraint: UniqueConstraintError,
};

const MAX_STEPS = 12;

describe('writes under injected faults', () => {
  describe.each(scenarios)('$name', (scenario) => {
    it.each(['quota', 'unknown', 'constraint'] as const)(
      'fails atomically at every write step with a %s fault',
      async (kind) => {
        let succeededAt: number | undefined;
        for (let n = 1; n <= MAX_STEPS && succeededAt === undefined; n++) {
          db = freshDatabase();
          const faults = new FaultInjector().install(db);
          const seeded = await seed();
          const before = await snapshotTables(db);
          const beforeViews = expectedViews(before, seeded);
          const recordings: Record<string, Recording<unknown>> = {};
          for (const [name, source] of Object.entries(watchAll(seeded))) {
            recordings[name] = record(source);
            await recordings[name].waitFor(
              (value) => canonical(value) === canonical(beforeViews[name]),
            );
          }

          faults.arm(n, kind);
          const outcome = await scenario.act(seeded).then(
            () => ({ failed: false as const }),
            (error: unknown) => ({ failed: true as const, error }),
          );
          faults.disarm();

          if (!faults.fired) {
            // The operation needed fewer than n writes: every one of them has had its fault.
            expect(outcome.failed, `${scenario.name} without a fault`).toBe(false);
            expect(faults.mutations).toBe(n - 1);
            expect(await snapshotTables(db)).not.toEqual(before);
            succeededAt = n;
          } else {
            const at = `${scenario.name}, ${kind} fault at write ${n}`;
            expect(outcome.failed, at).toBe(true);
            const error = outcome.failed ? outcome.error : undefined;
            expect(error, at).toBeInstanceOf(DexormError);
            expect(error, at).toBeInstanceOf(expectedError[kind]);
            expect(causeChain(error), `${at}: the injected error is kept as cause`).toContain(
              faults.lastFault,
            );
            expect(await snapshotTables(db), `${at}: stored state`).toEqual(before);
            scenario.afterFailure?.(seeded);

            await settle();
            for (const [name, recording] of Object.entries(recordings)) {
              expect(
                recording.values.map(canonical),
                `${at}: ${name} showed only the old state`,
              ).toEqual([canonical(beforeViews[name])]);
            }

            // The same operation, retried without a fault, succeeds and reaches every observer.
            await scenario.act(seeded);
            const after = await snapshotTables(db);
            expect(after, `${at}: the retry wrote`).not.toEqual(before);
            const afterViews = expectedViews(after, seeded);
            for (const [name, recording] of Object.entries(recordings)) {
              const wanted = canonical(afterViews[name]);
              await recording.waitFor((value) => canonical(value) === wanted);
              const distinct = [canonical(beforeViews[name]), wanted].filter(
                (view, i, all) => all.indexOf(view) === i,
              );
              expect(recording.values.map(canonical), `${at}: ${name} after the retry`).toEqual(
                distinct,
              );
              expect(recording.error).toBeUndefined();
            }
          }
          for (const recording of Object.values(recordings)) recording.unsubscribe();
          await removeDatabase(db);
          db = undefined;
        }
        expect(succeededAt, `${scenario.name} succeeded within ${MAX_STEPS} writes`).toBeDefined();
        expect(succeededAt).toBeGreaterThan(1);
      },
    );
  });

  it('counts every write of a multi-write transaction as a separate fault point', async () => {
    db = freshDatabase();
    const faults = new FaultInjector().install(db);
    const seeded = await seed();
    faults.arm(Number.MAX_SAFE_INTEGER);
    await scenarios.at(-1)?.act(seeded);
    // create user, create profile, save user, dissociate profile, delete profile
    expect(faults.mutations).toBeGreaterThanOrEqual(5);
    expect(faults.fired).toBe(false);
  });
});
