import { describe, expectTypeOf, it } from 'vitest';
import {
  type BelongsTo,
  type HasMany,
  type HasOne,
  Model,
  type MorphMany,
  type QueryBuilder,
} from '../src/index.js';
import { User } from './support/models.js';
import { IndexedItem } from './support/more-models.js';

describe('wrong calls are refused by the compiler', () => {
  it('creation takes the required attributes; fill and updates take any of them', () => {
    // @ts-expect-error name and email are required
    User.create({});
    // @ts-expect-error name is required
    User.createMany([{ email: 'a@example.com' }]);
    expectTypeOf(
      User.create({ name: 'Ada', email: 'a@example.com' }),
    ).resolves.toEqualTypeOf<User>();
    new User({}).fill({ name: 'only the name' });
    User.where('name', 'Ada').update({ email: 'new@example.com' });
  });

  it('where() types the value by operator and attribute', () => {
    // @ts-expect-error a string attribute compared with a number
    User.where('name', '>', 5);
    // @ts-expect-error startsWith needs a string attribute
    IndexedItem.where('price', 'startsWith', 'x');
    // @ts-expect-error in takes an array
    IndexedItem.where('price', 'in', 5);
    // @ts-expect-error in takes values of the attribute's type
    IndexedItem.where('price', 'in', ['5']);
    // @ts-expect-error includes takes an element of an array attribute
    IndexedItem.where('tags', 'includes', 3);
    // @ts-expect-error includes needs an array attribute
    IndexedItem.where('name', 'includes', 'x');
    expectTypeOf(IndexedItem.where('price', '>=', 3)).toEqualTypeOf<QueryBuilder<IndexedItem>>();
    IndexedItem.query().where('price', 'in', [1, 2]).where('name', 'startsWith', 'a');
    IndexedItem.where('tags', 'includes', 'blue');
  });

  it('keys are typed by the primary key attribute', () => {
    // @ts-expect-error a numeric key
    User.find('1');
    // @ts-expect-error a numeric key
    User.findMany(['1']);
    expectTypeOf(User.findOrFail(1)).resolves.toEqualTypeOf<User>();
  });

  it('relation keys are attribute names of the models they belong to', () => {
    class Owner extends Model<{ id?: number; code?: string; name: string }> {
      static override table = 'owners';

      cardRelation(): HasOne<Owner, Card> {
        return this.hasOne(Card, 'owner_id', 'id');
      }
      cardsByCodeRelation(): HasMany<Owner, Card> {
        return this.hasMany(Card, 'owner_code', 'code');
      }
      wrongLocalKeyRelation(): HasOne<Owner, Card> {
        // @ts-expect-error 'idd' is not an attribute of Owner
        return this.hasOne(Card, 'owner_id', 'idd');
      }
      wrongForeignKeyRelation(): HasMany<Owner, Card> {
        // @ts-expect-error 'ownr_id' is not an attribute of Card
        return this.hasMany(Card, 'ownr_id');
      }
      wrongMorphKeyRelation(): MorphMany<Owner, Card> {
        // @ts-expect-error 'key' is not an attribute of Owner
        return this.morphMany(Card, 'holder', 'key');
      }
    }
    class Card extends Model<{
      id?: number;
      owner_id?: number | null;
      owner_code?: string | null;
      holder_type?: string | null;
      holder_id?: number | null;
    }> {
      static override table = 'cards';

      ownerRelation(): BelongsTo<Card, Owner> {
        return this.belongsTo(Owner, 'owner_id', 'id');
      }
      wrongOwnerRelation(): BelongsTo<Card, Owner> {
        // @ts-expect-error 'usr_id' is not an attribute of Card
        return this.belongsTo(Owner, 'usr_id');
      }
      wrongOwnerKeyRelation(): BelongsTo<Card, Owner> {
        // @ts-expect-error 'uid' is not an attribute of Owner
        return this.belongsTo(Owner, 'owner_id', 'uid');
      }
    }
    expectTypeOf(new Owner({ name: 'a' }).cardRelation()).toEqualTypeOf<HasOne<Owner, Card>>();
  });
});
