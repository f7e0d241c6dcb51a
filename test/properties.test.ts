import fc from 'fast-check';
import { map } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { type Database, UniqueConstraintError } from '../src/index.js';
import { freshDatabase, Profile, User } from './support/models.js';
import { removeDatabase } from './support/session.js';
import { type Recording, record } from './support/snapshot.js';

/**
 * Model-based tests of HasOne/BelongsTo: random sequences of relation operations run against
 * the real database and against a plain in-memory model of the same rules, compared after every
 * step, 200 sequences in each project.
 */
const NUM_RUNS = 200;
const USERS = 3;

interface StoredProfile {
  readonly id: number;
  readonly user_id: number | null;
  readonly bio: string;
}

/** The rules of a HasOne with a unique foreign key, on plain data. */
class RelationModel {
  readonly profiles = new Map<number, StoredProfile>();

  profileOf(user: number): StoredProfile | undefined {
    for (const profile of this.profiles.values()) if (profile.user_id === user) return profile;
    return undefined;
  }

  /** Whether `user` may take `profileId` (null: a new profile) without breaking one-per-user. */
  canAttach(user: number, profileId: number | null): boolean {
    const current = this.profileOf(user);
    return current === undefined || current.id === profileId;
  }

  set(profile: StoredProfile): void {
    this.profiles.set(profile.id, profile);
  }

  sorted(): StoredProfile[] {
    return [...this.profiles.values()].sort((a, b) => a.id - b.id);
  }
}

type Operation =
  | { readonly kind: 'create'; readonly user: number; readonly bio: string }
  | { readonly kind: 'save'; readonly user: number; readonly pick: number }
  | { readonly kind: 'associateSave'; readonly user: number; readonly pick: number }
  | { readonly kind: 'belongsToAssociateSave'; readonly user: number; readonly pick: number }
  | { readonly kind: 'belongsToDissociateSave'; readonly pick: number }
  | { readonly kind: 'dissociate'; readonly user: number }
  | { readonly kind: 'delete'; readonly pick: number }
  | { readonly kind: 'move'; readonly from: number; readonly to: number }
  | { readonly kind: 'firstOrCreate'; readonly user: number; readonly bio: string }
  | { readonly kind: 'updateOrCreate'; readonly user: number; readonly bio: string };

const user = fc.nat({ max: USERS - 1 });
const pick = fc.nat({ max: 7 });
const bio = fc.constantFrom('a', 'b', 'c');

const operation: fc.Arbitrary<Operation> = fc.oneof(
  fc.record({ kind: fc.constant('create' as const), user, bio }),
  fc.record({ kind: fc.constant('save' as const), user, pick }),
  fc.record({ kind: fc.constant('associateSave' as const), user, pick }),
  fc.record({ kind: fc.constant('belongsToAssociateSave' as const), user, pick }),
  fc.record({ kind: fc.constant('belongsToDissociateSave' as const), pick }),
  fc.record({ kind: fc.constant('dissociate' as const), user }),
  fc.record({ kind: fc.constant('delete' as const), pick }),
  fc.record({ kind: fc.constant('move' as const), from: user, to: user }),
  fc.record({ kind: fc.constant('firstOrCreate' as const), user, bio }),
  fc.record({ kind: fc.constant('updateOrCreate' as const), user, bio }),
);

/** The state of one run: the real database, its users, and what the model says should be stored. */
interface World {
  readonly db: Database;
  readonly users: User[];
  readonly model: RelationModel;
  readonly profile$: Recording<StoredProfile | null>[];
  readonly profiles$: Recording<StoredProfile[]>;
}

const plainProfile = (profile: Profile | null): StoredProfile | null =>
  profile === null ? null : (profile.toJSON() as StoredProfile);

/** The stored profile that `pick` designates, loaded fresh, or undefined when there is none. */
async function pickProfile(world: World, index: number): Promise<Profile | undefined> {
  const ids = [...world.model.profiles.keys()].sort((a, b) => a - b);
  if (ids.length === 0) return undefined;
  return Profile.findOrFail(ids[index % ids.length] as number);
}

/** Runs a write that the model says must be rejected for breaking one-per-user. */
async function expectConflict(write: Promise<unknown>): Promise<void> {
  await expect(write).rejects.toBeInstanceOf(UniqueConstraintError);
}

/** Applies `op` to the database and to the model, checking what the call returned. */
async function apply(world: World, op: Operation): Promise<void> {
  const { model, users } = world;
  const userKey = (index: number) => users[index]?.id as number;
  switch (op.kind) {
    case 'create': {
      const relation = users[op.user]!.profileRelation();
      if (!model.canAttach(userKey(op.user), null))
        return expectConflict(relation.create({ bio: op.bio }));
      const created = await relation.create({ bio: op.bio });
      expect(created.exists).toBe(true);
      expect(model.profiles.has(created.id as number)).toBe(false);
      model.set({ id: created.id as number, user_id: userKey(op.user), bio: op.bio });
      return;
    }
    case 'save':
    case 'associateSave':
    case 'belongsToAssociateSave': {
      const profile = await pickProfile(world, op.pick);
      if (!profile) return;
      const owner = users[op.user]!;
      const write =
        op.kind === 'save'
          ? owner.profileRelation().save(profile)
          : op.kind === 'associateSave'
            ? owner.profileRelation().associate(profile).save()
            : profile.userRelation().associate(owner).save();
      if (!model.canAttach(userKey(op.user), profile.id as number)) return expectConflict(write);
      expect((await write).user_id).toBe(userKey(op.user));
      model.set({ ...model.profiles.get(profile.id as number)!, user_id: userKey(op.user) });
      return;
    }
    case 'belongsToDissociateSave': {
      const profile = await pickProfile(world, op.pick);
      if (!profile) return;
      await profile.userRelation().dissociate().save();
      model.set({ ...model.profiles.get(profile.id as number)!, user_id: null });
      return;
    }
    case 'dissociate': {
      await users[op.user]!.profileRelation().dissociate();
      const current = model.profileOf(userKey(op.user));
      if (current) model.set({ ...current, user_id: null });
      return;
    }
    case 'delete': {
      const profile = await pickProfile(world, op.pick);
      if (!profile) return;
      await profile.delete();
      model.profiles.delete(profile.id as number);
      return;
    }
    case 'move': {
      const moving = await users[op.from]!.profileRelation().getResults();
      if (!moving) return;
      const write = users[op.to]!.profileRelation().save(moving);
      if (!model.canAttach(userKey(op.to), moving.id as number)) return expectConflict(write);
      await write;
      model.set({ ...model.profiles.get(moving.id as number)!, user_id: userKey(op.to) });
      return;
    }
    case 'firstOrCreate': {
      const existing = model.profileOf(userKey(op.user));
      const result = await users[op.user]!.profileRelation().firstOrCreate({ bio: op.bio });
      if (existing) expect(result.toJSON()).toEqual(existing);
      else model.set({ id: result.id as number, user_id: userKey(op.user), bio: op.bio });
      return;
    }
    case 'updateOrCreate': {
      const existing = model.profileOf(userKey(op.user));
      const result = await users[op.user]!.profileRelation().updateOrCreate({ bio: op.bio });
      if (existing) expect(result.id).toBe(existing.id);
      model.set({ id: result.id as number, user_id: userKey(op.user), bio: op.bio });
      return;
    }
  }
}

/** A canonical text of plain data: object keys sorted, so that key order does not matter. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : 1)))
      : inner,
  );
}

const same = (a: unknown, b: unknown) => canonical(a) === canonical(b);

/** Waits until the observer's latest value is `wanted`; on timeout, fails showing the difference. */
async function expectLatest<T>(
  recording: Recording<T>,
  wanted: unknown,
  what: string,
): Promise<void> {
  try {
    await recording.waitForLatest((value) => same(value, wanted));
  } catch (timeout) {
    expect(recording.values.at(-1), what).toEqual(wanted);
    throw timeout;
  }
}

/** Everything that must agree with the model after each step. */
async function checkAgreement(world: World, step: string): Promise<void> {
  const { db, users, model } = world;
  const expected = model.sorted();
  const stored = (await db.dexie.table('profiles').toArray()) as StoredProfile[];
  expect(stored, `${step}: stored profiles`).toEqual(expected);

  const perUser = new Map<number, number>();
  for (const row of stored) {
    if (row.user_id !== null) perUser.set(row.user_id, (perUser.get(row.user_id) ?? 0) + 1);
  }
  for (const [owner, count] of perUser) expect(count, `${step}: profiles of user ${owner}`).toBe(1);

  for (const [index, owner] of users.entries()) {
    const wanted = model.profileOf(owner.id as number) ?? null;
    const got = plainProfile(await owner.profileRelation().getResults());
    expect(got, `${step}: HasOne.getResults() of user ${index}`).toEqual(wanted);
    await expectLatest(world.profile$[index]!, wanted, `${step}: latest profile$ of user ${index}`);
  }
  for (const row of stored) {
    const profile = await Profile.findOrFail(row.id);
    const owner = await profile.userRelation().getResults();
    expect(owner?.id ?? null, `${step}: BelongsTo.getResults() of profile ${row.id}`).toBe(
      row.user_id,
    );
  }
  await expectLatest(world.profiles$, expected, `${step}: latest Profile.query().observe()`);
}

/** No observer may repeat itself: consecutive emissions always differ. */
function checkNoRepeats(world: World): void {
  for (const recording of [...world.profile$, world.profiles$]) {
    const values = recording.values as unknown[];
    for (let i = 1; i < values.length; i++) {
      expect(same(values[i - 1], values[i]), `emission ${i} repeats emission ${i - 1}`).toBe(false);
    }
  }
}

async function runSequence(operations: readonly Operation[]): Promise<void> {
  const db = freshDatabase();
  const recordings: Recording<unknown>[] = [];
  try {
    const users: User[] = [];
    for (let i = 0; i < USERS; i++) {
      users.push(await User.create({ name: `user ${i}`, email: `user${i}@example.com` }));
    }
    const profile$ = users.map((u) => record(u.profile$.pipe(map(plainProfile))));
    const profiles$ = record(
      Profile.query()
        .observe()
        .pipe(map((profiles) => profiles.map((p) => p.toJSON() as StoredProfile))),
    );
    recordings.push(...profile$, profiles$);
    const world: World = { db, users, model: new RelationModel(), profile$, profiles$ };
    await checkAgreement(world, 'start');
    for (const [i, op] of operations.entries()) {
      await apply(world, op);
      await checkAgreement(world, `step ${i} ${JSON.stringify(op)}`);
    }
    checkNoRepeats(world);
  } finally {
    for (const recording of recordings) recording.unsubscribe();
    await removeDatabase(db);
  }
}

describe('HasOne/BelongsTo against an in-memory model (property-based)', () => {
  it(`agrees with the model after every step of ${NUM_RUNS} random operation sequences`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { minLength: 1, maxLength: 12 }), runSequence),
      { numRuns: NUM_RUNS },
    );
  }, 600_000);
});
