import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Database, type QueryBuilder } from '../src/index.js';
import { IndexedNote, type NoteAttributes } from './support/notes.js';
import { databaseSession } from './support/session.js';

/**
 * Every plan returns what a naive filter, sort and slice over all rows returns: random notes,
 * random clauses in random alternatives, orders, offsets and limits.
 */
const NUM_RUNS = 300;

let names = 0;
const session = databaseSession(() => {
  names += 1;
  return new Database(`dexorm-plan-props-${names}-${Math.random().toString(36).slice(2)}`, {
    models: [IndexedNote],
  });
});

type Field = 'title' | 'folder' | 'rank' | 'id';
type Operator = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'startsWith';
interface Condition {
  readonly field: Field;
  readonly operator: Operator;
  readonly value: unknown;
}
interface Scenario {
  readonly notes: NoteAttributes[];
  readonly alternatives: Condition[][];
  readonly order: { field: Field; direction: 'asc' | 'desc' } | undefined;
  readonly offset: number;
  readonly limit: number | undefined;
}

const maybe = <T>(value: fc.Arbitrary<T>) =>
  fc.oneof(value, fc.constant(null), fc.constant(undefined));
const titleValue = fc.constantFrom('a', 'ab', 'b', 'ba', 'c');
const numberValue = fc.integer({ min: 0, max: 6 });

const note = fc.record({
  title: maybe(titleValue),
  folder: maybe(fc.integer({ min: 0, max: 3 })),
  rank: maybe(numberValue),
});

const condition: fc.Arbitrary<Condition> = fc.oneof(
  fc.record({
    field: fc.constant<Field>('title'),
    operator: fc.constantFrom<Operator>('=', '!=', '<', '<=', '>', '>=', 'startsWith'),
    value: titleValue,
  }),
  fc.record({
    field: fc.constantFrom<Field>('folder', 'rank', 'id'),
    operator: fc.constantFrom<Operator>('=', '!=', '<', '<=', '>', '>='),
    value: fc.integer({ min: 0, max: 8 }),
  }),
  fc.record({
    field: fc.constantFrom<Field>('folder', 'rank', 'id'),
    operator: fc.constant<Operator>('in'),
    value: fc.array(fc.integer({ min: 0, max: 8 }), { maxLength: 4 }),
  }),
  fc.record({
    field: fc.constantFrom<Field>('title', 'folder', 'rank'),
    operator: fc.constantFrom<Operator>('=', '!='),
    value: fc.constant(null),
  }),
);

/** Two bounds on one field at one value, where merging them into one range must be exact. */
const boundPair: fc.Arbitrary<Condition[]> = fc
  .tuple(
    fc.constantFrom<Field>('folder', 'rank', 'id'),
    fc.constantFrom<Operator>('<', '<=', '>', '>=', '='),
    fc.constantFrom<Operator>('<', '<=', '>', '>=', '='),
    fc.integer({ min: 0, max: 6 }),
  )
  .map(([field, first, second, value]) => [
    { field, operator: first, value },
    { field, operator: second, value },
  ]);

const alternative: fc.Arbitrary<Condition[]> = fc
  .array(
    fc.oneof(
      condition.map((one) => [one]),
      boundPair,
    ),
    { maxLength: 2 },
  )
  .map((parts) => parts.flat());

const scenario: fc.Arbitrary<Scenario> = fc.record({
  notes: fc.array(note, { maxLength: 30 }),
  alternatives: fc.array(alternative, { minLength: 1, maxLength: 3 }),
  order: fc.option(
    fc.record({
      field: fc.constantFrom<Field>('title', 'folder', 'rank', 'id'),
      direction: fc.constantFrom<'asc' | 'desc'>('asc', 'desc'),
    }),
    { nil: undefined },
  ),
  offset: fc.integer({ min: 0, max: 5 }),
  limit: fc.option(fc.integer({ min: 0, max: 8 }), { nil: undefined }),
});

type Stored = NoteAttributes & { id: number };

/** The condition on plain data, written apart from the library's own matching. */
function holds(row: Stored, { field, operator, value }: Condition): boolean {
  const stored = row[field];
  const present = stored !== null && stored !== undefined;
  switch (operator) {
    case '=':
      return value === null ? !present : stored === value;
    case '!=':
      return value === null ? present : stored !== value;
    case 'in':
      return (value as unknown[]).includes(stored);
    case 'startsWith':
      return typeof stored === 'string' && stored.startsWith(value as string);
    default: {
      if (!present || typeof stored !== typeof value) return false;
      const a = stored as number | string;
      const b = value as number | string;
      if (operator === '<') return a < b;
      if (operator === '<=') return a <= b;
      if (operator === '>') return a > b;
      return a >= b;
    }
  }
}

/** Filter, sort (values first, missing ones after, ties by id in the direction), slice. */
function naive(rows: Stored[], test: Scenario): number[] {
  const kept = rows.filter((row) =>
    test.alternatives.some((all) => all.every((c) => holds(row, c))),
  );
  const { order } = test;
  if (order) {
    const sign = order.direction === 'desc' ? -1 : 1;
    kept.sort((x, y) => {
      const a = x[order.field];
      const b = y[order.field];
      const aKey = a !== null && a !== undefined;
      const bKey = b !== null && b !== undefined;
      if (aKey !== bKey) return aKey ? -1 : 1;
      const byValue =
        aKey && a !== b ? ((a as number | string) < (b as number | string) ? -1 : 1) : 0;
      return sign * (byValue || x.id - y.id);
    });
  }
  const end = test.limit === undefined ? undefined : test.offset + test.limit;
  return kept.slice(test.offset, end).map((row) => row.id);
}

function build(test: Scenario): QueryBuilder<IndexedNote> {
  let query = IndexedNote.query();
  test.alternatives.forEach((all, i) => {
    // An empty alternative matches everything: say so with a clause every record matches.
    const clauses: Condition[] = all.length > 0 ? all : [{ field: 'id', operator: '>=', value: 0 }];
    clauses.forEach((c, j) => {
      const args = [c.field, c.operator, c.value] as never;
      query =
        i > 0 && j === 0 ? query.orWhere(...(args as [never])) : query.where(...(args as [never]));
    });
  });
  if (test.order) query = query.orderBy(test.order.field, test.order.direction);
  if (test.offset > 0) query = query.offset(test.offset);
  if (test.limit !== undefined) query = query.limit(test.limit);
  return query;
}

describe('the planner, against a naive filter-sort-slice', () => {
  it('returns the same records for random data, clauses, alternatives, orders and paging', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (test) => {
        const table = session.db.dexie.table('indexed_notes');
        await table.clear();
        const stored = (await IndexedNote.createMany(test.notes)).map(
          (model) => model.toJSON() as Stored,
        );
        const expected = naive(stored, test);
        const query = build(test);
        const got = (await query.get()).map((model) => model.id!);
        const whole = { ...test, offset: 0, limit: undefined };
        const paged = test.offset > 0 || test.limit !== undefined;
        if (test.order) expect(got).toEqual(expected);
        else if (!paged)
          expect([...got].sort((a, b) => a - b)).toEqual([...expected].sort((a, b) => a - b));
        else {
          // Without an order a page may come from any order: as many, each one a match.
          expect(got).toHaveLength(expected.length);
          const matching = new Set(naive(stored, whole));
          expect(got.every((id) => matching.has(id))).toBe(true);
          expect(new Set(got).size).toBe(got.length);
        }
        expect(await build(whole).count()).toBe(naive(stored, whole).length);
      }),
      { numRuns: NUM_RUNS },
    );
  }, 120_000);
});
