import { SchemaError } from '../core/errors.js';
import { describe, type Row } from '../core/values.js';
import { type Clause, OPERATORS, rowMatcher, type WhereOperator } from '../query/clause.js';

/**
 * The conditions a many-to-many relation puts on its pivot rows (`wherePivot`, `wherePivotIn`,
 * `wherePivotNull`): a pair whose row fails them is not part of the relation, in every read.
 */
export class PivotFilters {
  readonly #clauses: Clause[] = [];
  #matcher: ((row: Row) => boolean) | null = null;

  constructor(
    /** The relation, for messages. */
    readonly about: string,
  ) {}

  /** The conditions, as query clauses. */
  get clauses(): readonly Clause[] {
    return this.#clauses;
  }

  /** Adds `field operator value` (`=` with two arguments). @throws SchemaError for a bad form. */
  add(field: unknown, args: readonly unknown[]): void {
    if (typeof field !== 'string' || field === '') {
      throw new SchemaError(`${this.about}: ${describe(field)} is not a pivot field`);
    }
    const [operator, value] = args.length === 1 ? ['=', args[0]] : args;
    if (typeof operator !== 'string' || !OPERATORS.has(operator)) {
      throw new SchemaError(
        `${this.about}: wherePivot() compares with = != < <= > >= in startsWith includes, not ` +
          describe(operator),
        { field },
      );
    }
    this.#clauses.push({ field, operator: operator as WhereOperator, value });
    this.#matcher = rowMatcher(this.#clauses);
  }

  /** True for a pivot row that meets every condition. */
  keeps(row: Row): boolean {
    return this.#matcher === null || this.#matcher(row);
  }

  /** True when there is no condition. */
  get isEmpty(): boolean {
    return this.#clauses.length === 0;
  }
}
