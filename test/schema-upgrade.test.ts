import { afterEach, describe, expect, it } from 'vitest';
import { Database, type HasOne, Model, UniqueConstraintError } from '../src/index.js';

// The same two tables, before and after a HasOne is declared (which makes profiles.user_id unique).
class Member extends Model<{ id?: number; name: string }> {
  static override table = 'members';
}
class Card extends Model<{ id?: number; member_id?: number | null; text: string }> {
  static override table = 'cards';
  static override indexes = ['member_id'];
}
class MemberWithCard extends Model<{ id?: number; name: string }> {
  static override table = 'members';
  cardRelation(): HasOne<MemberWithCard, CardOfMember> {
    return this.hasOne(CardOfMember, 'member_id');
  }
}
class CardOfMember extends Model<{ id?: number; member_id?: number | null; text: string }> {
  static override table = 'cards';
}

const opened: Database[] = [];
afterEach(async () => {
  for (const db of opened.splice(0)) db.close();
  if (name) await new Database(name, { models: [Member, Card] }).delete();
});
let name = '';

/** A new database at the old schema, where one member has two cards; resolves to the member. */
async function storeTwoCardsOfOneMember(): Promise<Member> {
  name = `dexorm-upgrade-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const before = new Database(name, { models: [Member, Card] });
  opened.push(before);
  const ada = await Member.create({ name: 'Ada' });
  await Card.createMany([
    { member_id: ada.id, text: 'first' },
    { member_id: ada.id, text: 'second' },
  ]);
  before.close();
  return ada;
}

describe('an upgrade that adds a unique index over records that break it', () => {
  it('is refused with the table, index and duplicate key named; the old schema stays usable', async () => {
    const ada = await storeTwoCardsOfOneMember();

    const after = new Database(name, { models: [MemberWithCard, CardOfMember], version: 2 });
    opened.push(after);
    expect(after.schema.cards).toBe('++id, &member_id');
    const error = await after.open().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UniqueConstraintError);
    const refusal = error as UniqueConstraintError;
    expect(refusal.table).toBe('cards');
    expect(refusal.field).toBe('member_id');
    expect(refusal.key).toBe(ada.id);
    expect(refusal.message).toContain('refused');
    expect(refusal.message).toContain('kept');
    after.close();

    // The stored data and the old schema are as they were.
    const again = new Database(name, { models: [Member, Card] });
    opened.push(again);
    await again.open();
    expect(again.dexie.verno).toBe(1);
    expect((await Card.all()).map((card) => card.text)).toEqual(['first', 'second']);
    // Fixed with the old schema, the upgrade then goes through.
    await (await Card.where('text', 'second').firstOrFail()).delete();
    again.close();
    const fixed = new Database(name, { models: [MemberWithCard, CardOfMember], version: 2 });
    opened.push(fixed);
    await fixed.open();
    expect(
      (await (await MemberWithCard.findOrFail(ada.id!)).cardRelation().getResults())?.text,
    ).toBe('first');
  });

  it('is explained the same way to the first query, which opened the database', async () => {
    const ada = await storeTwoCardsOfOneMember();

    const after = new Database(name, { models: [MemberWithCard, CardOfMember], version: 2 });
    opened.push(after);
    const reads = await Promise.all([
      CardOfMember.all().catch((e: unknown) => e),
      MemberWithCard.find(ada.id!).catch((e: unknown) => e),
      CardOfMember.query()
        .count()
        .catch((e: unknown) => e),
    ]);
    for (const error of reads) {
      expect(error).toBeInstanceOf(UniqueConstraintError);
      expect(error).toMatchObject({ table: 'cards', field: 'member_id', key: ada.id });
    }
    const write = await CardOfMember.create({ text: 'third' }).catch((e: unknown) => e);
    expect(write).toMatchObject({ table: 'cards', field: 'member_id', key: ada.id });
    after.close();
    const again = new Database(name, { models: [Member, Card] });
    opened.push(again);
    expect((await Card.all()).map((card) => card.text)).toEqual(['first', 'second']);
  });
});
