import { ValidationError } from '../core/errors.js';
import { describe, type Row } from '../core/values.js';
import type { ForeignKeyColumn } from '../relations/requirements.js';
import { generatedKeyType } from '../state/model-class.js';
import type { WriteRule } from './write-path.js';

/** One foreign key of a table whose type is known: that of the primary key it references. */
interface TypedColumn {
  readonly column: ForeignKeyColumn;
  /** `typeof` every value must have: numbers for auto-increment keys, strings for UUIDs. */
  readonly type: 'number' | 'string';
}

/**
 * The write rule that refuses a foreign key of another type than the key it references (`'1'`
 * for 1, an object): such a record would be invisible to its relation and missed by its delete
 * rules. It holds on every write path, pivot rows and `db.dexie` writes included. Keys of
 * `'manual'` models and references to other fields have no one type, and are not checked.
 * Undefined where no foreign key has a known type.
 */
export function foreignKeyTypeRule(columns: readonly ForeignKeyColumn[]): WriteRule | undefined {
  const byTable = new Map<string, TypedColumn[]>();
  const seen = new Set<string>();
  for (const column of columns) {
    const type = generatedKeyType(column.references, column.referencedField);
    if (!type) continue;
    const id = `${column.table}\u0000${column.column}\u0000${column.morphType?.value ?? ''}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const list = byTable.get(column.table) ?? [];
    list.push({ column, type });
    byTable.set(column.table, list);
  }
  if (byTable.size === 0) return undefined;
  return {
    concerns: (table) => byTable.has(table),
    enforce(write) {
      if (write.type === 'delete' || !write.values) return;
      const checks = byTable.get(write.table) ?? [];
      for (const value of write.values as Row[]) {
        for (const { column, type } of checks) {
          const key = value[column.column];
          if (key == null || typeof key === type) continue;
          const morph = column.morphType;
          if (morph && value[morph.column] !== morph.value) continue;
          throw wrongType(column, type, key);
        }
      }
    },
  };
}

function wrongType(column: ForeignKeyColumn, type: string, key: unknown): ValidationError {
  const { references } = column;
  const kind = type === 'number' ? 'auto-increment keys' : 'UUID keys';
  return new ValidationError(
    `table "${column.table}": ${column.column} must be a ${type}, the type of ` +
      `${references.table}.${references.primaryKey} (${kind}), not ${describe(key)}; nothing was written`,
    { table: column.table, field: column.column, key },
  );
}
