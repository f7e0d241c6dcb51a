import { describe, expectTypeOf, it } from 'vitest';
import type { QueryBuilder } from '../src/index.js';
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
});
