import { UnsavedModelError } from '../core/errors.js';
import { distinctKeys, shareKeyOf } from '../core/key-dictionary.js';
import { defaultForeignKey } from '../core/naming.js';
import type { AttributeKey, ModelBase } from '../model/model.js';
import { QueryBuilder } from '../query/query-builder.js';
import type { DatabaseRuntime } from '../state/context.js';
import type { ModelClass } from '../state/model-class.js';
import { readAttribute, writeAttribute } from '../state/model-state.js';
import { countMatches, matchOne } from './dictionary.js';
import { indexKeys } from './index-keys.js';
import { Relation, type TableRequirement } from './relation.js';

/**
 * The inverse of HasOne: this model (the child) holds `foreignKey`, pointing at the owner's
 * `ownerKey` (a profile belongs to a user through `profiles.user_id`).
 * @example
 * userRelation(): BelongsTo<Profile, User> { return this.belongsTo(User, 'user_id', 'id'); }
 */
export class BelongsTo<C extends ModelBase, O extends ModelBase> extends Relation<C, O, O | null> {
  /** The child's attribute pointing at the owner (default `<singular owner table>_<its key>`). */
  readonly foreignKey: string;
  /** The owner's attribute the foreign key holds (default its primary key). */
  readonly ownerKey: string;

  constructor(child: C, owner: ModelClass<O>, foreignKey?: string, ownerKey?: string) {
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

  addConstraints(query: QueryBuilder<O>): QueryBuilder<O> {
    const key = readAttribute(this.child, this.foreignKey);
    const field = this.ownerKey as AttributeKey<O>;
    return key == null ? query.whereIn(field, []) : query.where(field, key as never);
  }

  eagerRead(children: readonly C[], runtime: DatabaseRuntime): Promise<O[]> {
    const keys = distinctKeys(children, (child) => readAttribute(child, this.foreignKey));
    return new QueryBuilder(this.related, runtime)
      .whereIn(this.ownerKey as AttributeKey<O>, keys as never[])
      .get();
  }

  async countRelated(children: readonly C[], runtime: DatabaseRuntime): Promise<number[]> {
    const keys = distinctKeys(children, (child) => readAttribute(child, this.foreignKey));
    const found = await indexKeys(runtime, this.related, this.ownerKey, keys);
    return countMatches(children, this.foreignKey, found);
  }

  match(children: readonly C[], owners: readonly O[], name: string): void {
    matchOne(children, this.foreignKey, owners, this.ownerKey, name);
  }

  requirements(): TableRequirement[] {
    const childModel = this.child.constructor as ModelClass;
    const requirements: TableRequirement[] = [
      { kind: 'index', model: childModel, fields: [this.foreignKey], unique: false },
    ];
    if (this.ownerKey !== this.related.primaryKey) {
      requirements.push({
        kind: 'index',
        model: this.related,
        fields: [this.ownerKey],
        unique: false,
      });
    }
    return requirements;
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

  /** Sets the child's foreign key to null and returns the child; writes nothing. */
  dissociate(): C {
    writeAttribute(this.child, this.foreignKey, null);
    return this.child;
  }

  protected emptyResult(): O | null {
    return null;
  }

  protected canLookUp(): boolean {
    return this.child.exists || readAttribute(this.child, this.foreignKey) != null;
  }

  protected shareKey(): string {
    const childModel = this.child.constructor as ModelClass;
    const subject = this.child.exists
      ? `stored${shareKeyOf(this.child.getKey())}`
      : `key${shareKeyOf(readAttribute(this.child, this.foreignKey))}`;
    return `${childModel.table}\u0000${this.foreignKey}\u0000${this.related.table}\u0000${this.ownerKey}\u0000${subject}`;
  }

  /**
   * Live observers follow the stored child, so that a foreign key moved in another tab (or a
   * child deleted) is seen; an unsaved child is followed by its in-memory foreign key.
   */
  protected override async liveRead(): Promise<O | null> {
    const stored = await this.storedParent();
    if (stored === undefined) return this.getResults();
    return (
      stored && new BelongsTo(stored, this.related, this.foreignKey, this.ownerKey).getResults()
    );
  }
}
