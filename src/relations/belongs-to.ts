import { UnsavedModelError } from '../core/errors.js';
import { distinctKeys } from '../core/key-dictionary.js';
import { defaultForeignKey } from '../core/naming.js';
import type { AttributeKey, AttributesOf, ModelBase, WithAttributes } from '../model/model.js';
import type { DirectRead } from '../query/direct-reads.js';
import type { QueryBuilder } from '../query/query-builder.js';
import type { QueryState } from '../query/query-state.js';
import type { DatabaseRuntime } from '../state/context.js';
import type { ModelClass } from '../state/model-class.js';
import { readAttribute, writeAttribute } from '../state/model-state.js';
import { countMatches, groupByKey } from './dictionary.js';
import { indexKeys } from './index-keys.js';
import { InverseRelation } from './inverse-relation.js';
import { type ForeignKeyColumn, plainIndex, type TableRequirement } from './requirements.js';

/**
 * The inverse of HasOne: this model (the child) holds `foreignKey`, pointing at the owner's
 * `ownerKey` (a profile belongs to a user through `profiles.user_id`).
 * @example
 * userRelation(): BelongsTo<Profile, User> { return this.belongsTo(User, 'user_id', 'id'); }
 */
export class BelongsTo<
  C extends ModelBase,
  O extends ModelBase,
  CA = AttributesOf<C>,
> extends InverseRelation<C, O> {
  /** The child's attribute pointing at the owner (default `<singular owner table>_<its key>`). */
  readonly foreignKey: string;
  /** The owner's attribute the foreign key holds (default its primary key). */
  readonly ownerKey: string;

  /**
   * `child`'s `foreignKey` (default `<singular owner table>_<its primary key>`) holding `owner`'s
   * `ownerKey` (default its primary key); both checked against the attributes at compile time.
   */
  constructor(
    child: WithAttributes<C, CA>,
    owner: ModelClass<O>,
    foreignKey?: Extract<keyof CA, string>,
    ownerKey?: AttributeKey<O>,
  ) {
    super(child, owner);
    this.ownerKey = ownerKey ?? owner.primaryKey;
    this.foreignKey = foreignKey ?? defaultForeignKey(owner.table, owner.primaryKey);
  }

  /** The child model this relation belongs to. */
  get child(): C {
    return this.parent;
  }

  /** The owner, or null (without a query when the foreign key is empty). */
  async getResults(): Promise<O | null> {
    if (!this.canLookUp()) return null;
    return this.query().first();
  }

  /**
   * Through the owner's primary key, the live read is two gets: the child as stored (or, unsaved,
   * its in-memory foreign key), then its owner.
   */
  protected override directRead(): DirectRead | undefined {
    if (this.ownerKey !== this.related.primaryKey) return undefined;
    const key = this.child.getKey();
    if (!this.child.exists || key === undefined) {
      return {
        kind: 'owner',
        foreignKey: this.foreignKey,
        heldKey: readAttribute(this.child, this.foreignKey),
      };
    }
    const child = { model: this.child.constructor as ModelClass, key };
    return { kind: 'owner', foreignKey: this.foreignKey, child };
  }

  addConstraints(query: QueryBuilder<O>): QueryBuilder<O> {
    const key = readAttribute(this.child, this.foreignKey);
    const field = this.ownerKey as AttributeKey<O>;
    return key == null ? query.whereIn(field, []) : query.where(field, key as never);
  }

  async eagerRead(
    children: readonly C[],
    runtime: DatabaseRuntime,
    constraint?: QueryState,
  ): Promise<O[][]> {
    const keys = distinctKeys(children, (child) => readAttribute(child, this.foreignKey));
    const owners = await this.relatedQuery(runtime, constraint)
      .whereIn(this.ownerKey as AttributeKey<O>, keys as never[])
      .get();
    return groupByKey(children, this.foreignKey, owners, this.ownerKey);
  }

  async countRelated(children: readonly C[], runtime: DatabaseRuntime): Promise<number[]> {
    const keys = distinctKeys(children, (child) => readAttribute(child, this.foreignKey));
    const found = await indexKeys(runtime, this.related, this.ownerKey, keys);
    return countMatches(children, this.foreignKey, found);
  }

  override foreignKeys(): ForeignKeyColumn[] {
    const child = this.child.constructor as ModelClass;
    const column = this.foreignKey;
    return [
      { table: child.table, column, references: this.related, referencedField: this.ownerKey },
    ];
  }

  requirements(): TableRequirement[] {
    // An index on a primary key is the primary key itself: the schema skips it.
    return [
      plainIndex(this.child.constructor as ModelClass, this.foreignKey),
      plainIndex(this.related, this.ownerKey),
    ];
  }

  /**
   * Sets the child's foreign key to the owner's key and returns the child; writes nothing.
   * @throws UnsavedModelError when the owner has no key.
   */
  associate(owner: O): C {
    const key = readAttribute(owner, this.ownerKey);
    if (key == null) {
      throw new UnsavedModelError(
        `BelongsTo ${this.child.constructor.name} → ${this.related.name}: cannot associate a ` +
          `${this.related.name} that has no "${this.ownerKey}" yet; save it first`,
        { model: this.related.name, table: this.related.table, field: this.ownerKey },
      );
    }
    writeAttribute(this.child, this.foreignKey, key);
    return this.child;
  }

  protected get pointers(): readonly string[] {
    return [this.foreignKey];
  }

  protected rebind(child: C): BelongsTo<C, O> {
    return new BelongsTo<C, O>(
      child as never,
      this.related,
      this.foreignKey as never,
      this.ownerKey as never,
    );
  }

  protected target(): string {
    return `${this.related.table}.${this.ownerKey}`;
  }
}
