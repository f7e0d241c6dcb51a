import type { ModelClass } from '../state/model-class.js';

/** An index a relation needs on a model's table, derived into the schema by the Database. */
export interface IndexRequirement {
  /** An index on a model's table. */
  readonly kind: 'index';
  /** The model whose table gets the index. */
  readonly model: ModelClass;
  /** One field for a simple index, several for a compound one (`[type+id]`). */
  readonly fields: readonly string[];
  /** True for a one-to-one relation's foreign key. */
  readonly unique: boolean;
}

/** A table a relation needs that belongs to no model (a pivot table), with its key and indexes. */
export interface DerivedTableRequirement {
  /** A table of its own. */
  readonly kind: 'table';
  /** Its name (`post_tag`). */
  readonly table: string;
  /** The fields of its primary key: one row per combination. */
  readonly primaryKey: readonly string[];
  /** Each a plain index over one field or several. */
  readonly indexes: readonly (readonly string[])[];
  /** The two models whose keys its rows pair (a pivot table), if it pairs models. */
  readonly joins?: readonly [ModelClass, ModelClass];
}

/** A stored field holding another model's key: its type must be that key's type. */
export interface ForeignKeyColumn {
  /** The table whose records hold it. */
  readonly table: string;
  /** The field. */
  readonly column: string;
  /** The model whose key it holds. */
  readonly references: ModelClass;
  /** The referenced model's field it holds. */
  readonly referencedField: string;
  /** For a polymorphic relation: it holds `references`' keys only where `column` is `value`. */
  readonly morphType?: {
    /** The type column (`commentable_type`). */
    readonly column: string;
    /** The value naming `references`' table in it. */
    readonly value: string;
  };
}

/** What a relation needs from the schema. */
export type TableRequirement = IndexRequirement | DerivedTableRequirement;

/**
 * What a parent's delete does to the related models that point at it: `'cascade'` deletes them
 * (their own rules apply in turn), `'setNull'` clears their foreign key (and morph type),
 * `'restrict'` refuses the delete while any exists, `'noAction'` (the default) leaves them.
 */
export type DeleteRule = 'cascade' | 'setNull' | 'restrict' | 'noAction';

/** The delete rules, for validating untyped input. */
export const DELETE_RULES: ReadonlySet<string> = new Set<DeleteRule>([
  'cascade',
  'setNull',
  'restrict',
  'noAction',
]);

/**
 * What deleting records of one table does to records of another, inside the same transaction:
 * enforced on the write path, so it holds however the delete was issued.
 */
export interface DeleteEffect {
  /** The table whose deletes set it off. */
  readonly table: string;
  /**
   * The deleted records' field the dependent records point at, when it is not their primary key
   * (the deleted records are then read to learn it).
   */
  readonly parentField?: string;
  /** The table holding the dependent records. */
  readonly dependentTable: string;
  /** The dependent records' field that holds the deleted record's key (indexed). */
  readonly column: string;
  /**
   * For a polymorphic relation: the dependent records' type column and the value naming the
   * deleted records' table; they are found through the `[type+column]` index.
   */
  readonly morphType?: {
    /** The dependent records' type attribute (`commentable_type`). */
    readonly column: string;
    /** The value in it that names the deleted records' table (`'posts'`). */
    readonly value: string;
  };
  /** `'delete'` the dependent records, set their `column` to null, or refuse the delete. */
  readonly action: 'delete' | 'setNull' | 'restrict';
  /** The relation that states it (`HasMany User.posts`), for messages; none for pivot rows. */
  readonly relation?: string;
}

/** What a relation needs of the schema, as the Database gathers it from every relation. */
export interface RelationRequirements {
  /** The indexes and derived tables it reads through. */
  readonly tables: readonly TableRequirement[];
  /** The stored fields that hold another model's keys (none by default). */
  readonly foreignKeys?: readonly ForeignKeyColumn[];
  /** What deleting a parent or a related record does to other records (nothing by default). */
  readonly deleteEffects?: readonly DeleteEffect[];
}

/** A plain index on `field` of `model`'s table (none where `field` is the primary key). */
export function plainIndex(model: ModelClass, field: string): IndexRequirement {
  return { kind: 'index', model, fields: [field], unique: false };
}
