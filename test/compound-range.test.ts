import { describe, expect, it } from 'vitest';
import { Database, Model } from '../src/index.js';
import { databaseSession } from './support/session.js';

interface SlotAttributes {
  id?: number;
  shelf: string;
  row: number;
  column: number;
}

/** Slots with a compound index over three fields: an equality, then a range, then one more. */
class IndexedSlot extends Model<SlotAttributes> {
  static override table = 'indexed_slots';
  static override indexes = ['[shelf+row+column]'];
}

/** The same slots without any index but the primary key. */
class PlainSlot extends Model<SlotAttributes> {
  static override table = 'plain_slots';
}

let names = 0;
databaseSession(() => {
  names += 1;
  return new Database(`dexorm-compound-${names}-${Math.random().toString(36).slice(2)}`, {
    models: [IndexedSlot, PlainSlot],
  });
});

const SLOTS: SlotAttributes[] = [1, 2, 3].flatMap((row) =>
  [1, 2].flatMap((column) => [
    { shelf: 'A', row, column },
    { shelf: 'B', row, column },
  ]),
);

describe('a compound index with fields after the ranged one', () => {
  it.each([
    ['>', 2],
    ['>=', 2],
    ['<', 2],
    ['<=', 2],
  ] as const)('reads shelf = A and row %s %d as a scan does', async (operator, value) => {
    await IndexedSlot.createMany(SLOTS);
    await PlainSlot.createMany(SLOTS);
    const read = async (model: typeof IndexedSlot | typeof PlainSlot) =>
      (await (model as typeof IndexedSlot).where('shelf', 'A').where('row', operator, value).get())
        .map((slot) => `${slot.row}.${slot.column}`)
        .sort();
    const expected = await read(PlainSlot);
    expect(expected.length).toBeGreaterThan(0);
    expect(await read(IndexedSlot)).toEqual(expected);
    expect(
      (await IndexedSlot.where('shelf', 'A').where('row', operator, value).explain()).index,
    ).toBe('[shelf+row+column]');
  });
});
