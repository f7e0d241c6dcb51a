import type { Observable } from 'rxjs';
import { describe, expectTypeOf, it } from 'vitest';
import type {
  AttributesOf,
  BelongsTo,
  HasOne,
  QueryBuilder,
  RelationName,
  RelationPath,
} from '../src/index.js';
import { Model } from '../src/index.js';
import { Profile, type ProfileAttributes, User, type UserAttributes } from './support/models.js';
import { type Note, Setting } from './support/more-models.js';

declare const user: User;
declare const profile: Profile;

describe('Model types', () => {
  it('types the statics with the class they are called on', () => {
    expectTypeOf(User.find(1)).toEqualTypeOf<Promise<User | null>>();
    expectTypeOf(User.findOrFail(1)).toEqualTypeOf<Promise<User>>();
    expectTypeOf(User.findMany([1, 2])).toEqualTypeOf<Promise<User[]>>();
    expectTypeOf(User.create({ name: 'Ada', email: 'ada@example.com' })).toEqualTypeOf<
      Promise<User>
    >();
    expectTypeOf(User.createMany([{ name: 'Ada', email: 'a@example.com' }])).toEqualTypeOf<
      Promise<User[]>
    >();
    expectTypeOf(User.all()).toEqualTypeOf<Promise<User[]>>();
    expectTypeOf(User.count()).toEqualTypeOf<Promise<number>>();
    expectTypeOf(User.query()).toEqualTypeOf<QueryBuilder<User>>();
    expectTypeOf(User.where('name', 'Ada')).toEqualTypeOf<QueryBuilder<User>>();
    expectTypeOf(Setting.find('theme')).toEqualTypeOf<Promise<Setting | null>>();
  });

  it('makes attributes typed, assignable properties', () => {
    expectTypeOf(user.name).toEqualTypeOf<string>();
    expectTypeOf(user.id).toEqualTypeOf<number | undefined>();
    expectTypeOf(profile.user_id).toEqualTypeOf<number | null | undefined>();
    expectTypeOf<AttributesOf<User>>().toEqualTypeOf<UserAttributes>();
    expectTypeOf<AttributesOf<Profile>>().toEqualTypeOf<ProfileAttributes>();
    expectTypeOf<Note['id']>().toEqualTypeOf<string | undefined>();
    user.name = 'Ada Lovelace';
    // @ts-expect-error: name is a string
    user.name = 42;
    // @ts-expect-error: User has no such attribute
    user.nonexistent;
  });

  it('checks the attributes given to create, fill and the constructor', () => {
    // @ts-expect-error: email is a string
    void User.create({ email: 1 });
    // @ts-expect-error: User has no attribute nope
    void User.create({ nope: true });
    expectTypeOf(user.fill({ name: 'Ada' })).toEqualTypeOf<User>();
    // @ts-expect-error: User has no attribute nope
    user.fill({ nope: true });
    // @ts-expect-error: bio is a string
    new User({ name: 'Ada', email: 'a@example.com', bio: 3 });
  });

  it('types the instance methods', () => {
    expectTypeOf(user.save()).toEqualTypeOf<Promise<User>>();
    expectTypeOf(user.delete()).toEqualTypeOf<Promise<void>>();
    expectTypeOf(user.refresh()).toEqualTypeOf<Promise<User>>();
    expectTypeOf(user.exists).toEqualTypeOf<boolean>();
    expectTypeOf(user.isDirty('name')).toEqualTypeOf<boolean>();
    // @ts-expect-error: isDirty takes attribute names
    user.isDirty('nope');
    expectTypeOf(user.getDirty()).toEqualTypeOf<Partial<UserAttributes>>();
    expectTypeOf(user.toJSON()).toEqualTypeOf<UserAttributes>();
    expectTypeOf(user.observe()).toEqualTypeOf<Observable<User | null>>();
  });
});

describe('QueryBuilder types', () => {
  it('accepts attribute names in where, whereIn and orderBy, and rejects others', () => {
    User.query().where('name', 'Ada');
    User.query().where('email', 'startsWith', 'a');
    User.query().where({ name: 'Ada' });
    User.query().whereIn('id', [1, 2]);
    User.query().orderBy('name', 'desc');
    // @ts-expect-error: nope is not an attribute of User
    User.query().where('nope', 1);
    // @ts-expect-error: nope is not an attribute of User
    User.where('nope', 1);
    // @ts-expect-error: name is a string
    User.query().where('name', 1);
    // @ts-expect-error: nope is not an attribute of User
    User.query().where({ nope: 1 });
    // @ts-expect-error: nope is not an attribute of User
    User.query().orderBy('nope');
    // @ts-expect-error: not an operator
    User.query().where('name', 'like', 'A%');
  });

  it('types the terminals', () => {
    const query = User.query();
    expectTypeOf(query.get()).toEqualTypeOf<Promise<User[]>>();
    expectTypeOf(query.first()).toEqualTypeOf<Promise<User | null>>();
    expectTypeOf(query.firstOrFail()).toEqualTypeOf<Promise<User>>();
    expectTypeOf(query.count()).toEqualTypeOf<Promise<number>>();
    expectTypeOf(query.exists()).toEqualTypeOf<Promise<boolean>>();
    expectTypeOf(query.update({ name: 'x' })).toEqualTypeOf<Promise<number>>();
    expectTypeOf(query.delete()).toEqualTypeOf<Promise<number>>();
    expectTypeOf(query.observe()).toEqualTypeOf<Observable<User[]>>();
  });

  it('types eager-loaded relations, nested paths included', () => {
    expectTypeOf(User.query().with('profile').get()).resolves.toEqualTypeOf<
      Array<User & { profile: Profile | null }>
    >();
    const nested = User.query().with('profile.user').first();
    expectTypeOf(nested).resolves.toEqualTypeOf<
      (User & { profile: (Profile & { user: User | null }) | null }) | null
    >();
    expectTypeOf(Profile.query().with('user').observe()).toEqualTypeOf<
      Observable<Array<Profile & { user: User | null }>>
    >();
    // @ts-expect-error: User has no relation nope
    User.query().with('nope');
    // @ts-expect-error: Profile has no relation nope
    User.query().with('profile.nope');
  });

  it('derives relation names and paths from the <name>Relation() methods', () => {
    expectTypeOf<RelationName<User>>().toEqualTypeOf<'profile'>();
    expectTypeOf<RelationName<Profile>>().toEqualTypeOf<'user'>();
    expectTypeOf<'profile.user'>().toMatchTypeOf<RelationPath<User>>();
    expectTypeOf(user.load('profile')).resolves.toEqualTypeOf<User & { profile: Profile | null }>();
  });
});

describe('relation types', () => {
  it('types the relation methods and the live getters', () => {
    expectTypeOf(user.profileRelation()).toEqualTypeOf<HasOne<User, Profile>>();
    expectTypeOf(user.profileRelation().getResults()).toEqualTypeOf<Promise<Profile | null>>();
    expectTypeOf(profile.userRelation()).toEqualTypeOf<BelongsTo<Profile, User>>();
    expectTypeOf(profile.userRelation().getResults()).toEqualTypeOf<Promise<User | null>>();
    expectTypeOf(profile.user$).toEqualTypeOf<Observable<User | null>>();
    expectTypeOf(user.profile$).toEqualTypeOf<Observable<Profile | null>>();
  });
});

describe('model declarations', () => {
  it('accept static settings written as plain initializers, as the contract shows them', () => {
    class Memo extends Model<{ id?: string; text: string }> {
      static override table = 'notes';
      static override keyType = 'uuid';
      static override primaryKey = 'id';
      static override indexes = ['text'];
    }
    expectTypeOf(Memo.find('a')).resolves.toEqualTypeOf<Memo | null>();
    expectTypeOf(new Memo({ text: 'x' }).text).toEqualTypeOf<string>();
  });
});
