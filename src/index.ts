import { installExtension } from './database/extensions.js';
import { changeLogExtension } from './sync/change-log.js';

export type {
  AttributeKey,
  AttributesOf,
  CreationAttributes,
  KeyOf,
  NullableDateKeys,
  SoftDeletingModel,
  WithAttributes,
} from './core/attribute-types.js';
export {
  DatabaseClosedError,
  DexormError,
  type ErrorDetails,
  IntegrityError,
  MigrationError,
  ModelNotFoundError,
  SchemaError,
  StorageError,
  UniqueConstraintError,
  UnsavedModelError,
  ValidationError,
  type ValidationIssue,
} from './core/errors.js';
export type { Key, Row } from './core/values.js';
export type { BackupProgress, ExportOptions, ImportOptions } from './database/backup.js';
export { Database, type DatabaseOptions, type OpenOptions } from './database/database.js';
export type { Migration, MigrationProgress, MigrationTransaction } from './database/migrations.js';
export { Model, ModelBase, type ModelConstructor } from './model/model.js';
export {
  type HasOneOrManyArguments,
  type MorphOneOrManyArguments,
  type OwnerOf,
  RelationFactories,
  type ThroughKeys,
} from './model/relation-factories.js';
export type {
  AnyOfClause,
  Clause,
  KeySource,
  KeySourceClause,
  OrderDirection,
  ValueClause,
  WhereOperator,
} from './query/clause.js';
export type { CursorPage } from './query/cursor-paging.js';
export type { DirectRead, FieldRead, FollowRead } from './query/direct-reads.js';
export type { ExplainedRange, QueryExplanation } from './query/explain.js';
export {
  type ComparisonOperator,
  type ElementOf,
  type FieldCondition,
  FilterBuilder,
  type KeysOfType,
  type WhereArguments,
} from './query/filter-builder.js';
export type { GlobalScopes } from './query/global-scopes.js';
export {
  type MorphedModel,
  type MorphLoad,
  type MorphLoads,
  morphWith,
} from './query/morph-with.js';
export type { Page } from './query/paging.js';
export { QueryBuilder } from './query/query-builder.js';
export type {
  Aggregate,
  AggregateKind,
  CountOperator,
  EagerLoad,
  FilterAlternative,
  QueryState,
  RelationFilter,
  ScopeSelection,
} from './query/query-state.js';
export type { Query } from './query/query-type.js';
export { RelationFilterBuilder, type WhereHasArguments } from './query/relation-filter-builder.js';
export { RelationQueryBuilder } from './query/relation-query-builder.js';
export type {
  RelationCondition,
  RelationConstraint,
  RelationConstraints,
  WithAggregate,
  WithCounts,
  WithExists,
} from './query/relation-query-types.js';
export { WriteBuilder } from './query/write-builder.js';
export { BelongsTo } from './relations/belongs-to.js';
export { BelongsToMany } from './relations/belongs-to-many.js';
export type { MorphType } from './relations/foreign-key-link.js';
export { HasMany } from './relations/has-many.js';
export { HasManyThrough } from './relations/has-many-through.js';
export { HasOne } from './relations/has-one.js';
export { HasOneOfMany, type OfManyAggregate } from './relations/has-one-of-many.js';
export { HasOneOrMany } from './relations/has-one-or-many.js';
export { HasOneThrough } from './relations/has-one-through.js';
export { KeyedRelation, type KeyLink } from './relations/keyed-relation.js';
export { MorphMany } from './relations/morph-many.js';
export { MorphOne } from './relations/morph-one.js';
export { MorphTo } from './relations/morph-to.js';
export { MorphToMany } from './relations/morph-to-many.js';
export { PivotRelation } from './relations/pivot-relation.js';
export type { PivotMorph } from './relations/pivot-table.js';
export type {
  BelongsToManyOptions,
  PivotRecord,
  RelatedKeysOrModels,
  SyncResult,
  WithPivot,
} from './relations/pivot-types.js';
export {
  type AnyRelation,
  type ExistenceJoin,
  type RegisteredRelation,
  Relation,
} from './relations/relation.js';
export type {
  MorphOwnerTables,
  MorphTablesAt,
  RelatedAt,
  RelatedModel,
  RelationAt,
  RelationName,
  RelationPath,
  RelationResult,
  WithRelations,
} from './relations/relation-types.js';
export type {
  DeleteEffect,
  DeleteRule,
  DerivedTableRequirement,
  ForeignKeyColumn,
  IndexRequirement,
  RelationRequirements,
  TableRequirement,
} from './relations/requirements.js';
export { HasOneOrManyThrough } from './relations/through.js';
export type {
  HookName,
  LifecycleStatics,
  ModelHook,
  ModelHooks,
  ModelSchema,
  SoftDeletesSetting,
  TimestampColumns,
  TimestampsSetting,
} from './state/lifecycle.js';
export type { KeyType, KeyTypeSetting, ModelClass } from './state/model-class.js';
export type { ModelInstance } from './state/model-instance.js';

// Replication records local changes from a Database's first write, before `replicate()` is
// imported or called, so that nothing written offline is missed after a reload.
installExtension(changeLogExtension);
