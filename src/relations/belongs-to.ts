import { UnsavedModelError } from '../errors.js';
import { contextOf, type Row } from '../model/context.js';
import type { AttributeKey, ModelBase } from '../model/model.js';
import { hydrate } from '../model/model.js';
import type { ModelClass } from '../model/model-class.js';
import { defaultForeignKey } from '../model/naming.js';
import type { QueryBuilder } from '../query/query-builder.js';
import { buildDictionary, dictionaryKey, distinctKeys, shareKeyOf } from './key-dictionary.js';
import { type IndexRequirement, Relation } from './relation.js';

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
    const key = this.#foreignKeyOf(this.child);
    const field = this.ownerKey as AttributeKey<O>;
    return key == null ? query.whereIn(field, []) : query.where(field, key as never);
  }

  addEagerConstraints(query: QueryBuilder<O>, children: readonly C[]): QueryBuilder<O> {
    const keys = distinctKeys(children, (child) => this.#foreignKeyOf(child));
    return query.whereIn(this.ownerKey as AttributeKey<O>, keys as never[]);
  }

  match(children: readonly C[], owners: readonly O[], name: string): void {
    const dictionary = buildDictionary(owners, (owner) => (owner as unknown as Row)[this.ownerKey]);
    for (const child of children) {
      child.setRelation(name, dictionary.get(dictionaryKey(this.#foreignKeyOf(child))) ?? null);
    }
  }

  indexRequirements(): IndexRequirement[] {
    const childModel = this.child.constructor as ModelClass;
    const requirements = [{ model: childModel, field: this.foreignKey, unique: false }];
    if (this.ownerKey !== this.related.primaryKey) {
      requirements.push({ model: this.related, field: this.ownerKey, unique: false });
    }
    return requirements;
  }

  /**
   * Sets the child's foreign key to the owner's key and returns the child; writes nothing.
   * @throws UnsavedModelError when the owner has no key.
   */
  associate(owner: O): C {
    const key = (owner as unknown as Row)[this.ownerKey];
    if (key == null) {
      throw new UnsavedModelError(
        `BelongsTo ${this.child.constructor.name} → ${this.related.name}: cannot associate a ` +
          `${this.related.name} that has no "${this.ownerKey}" yet; save it first`,
        { model: this.related.name, table: this.related.table, field: this.ownerKey },
      );
    }
    (this.child as unknown as Row)[this.foreignKey] = key;
    return this.child;
  }

  /** Sets the child's foreign key to null and returns the child; writes nothing. */
  dissociate(): C {
    (this.child as unknown as Row)[this.foreignKey] = null;
    return this.child;
  }

  protected emptyResult(): O | null {
    return null;
  }

  protected canLookUp(): boolean {
    return this.child.exists || this.#foreignKeyOf(this.child) != null;
  }

  protected shareKey(): string {
    const childModel = this.child.constructor as ModelClass;
    const subject = this.child.exists
      ? `stored${shareKeyOf(this.child.getKey())}`
      : `key${shareKeyOf(this.#foreignKeyOf(this.child))}`;
    return `${childModel.table}\u0000${this.foreignKey}\u0000${this.related.table}\u0000${this.ownerKey}\u0000${subject}`;
  }

  /**
   * Live observers follow the stored child, so that a foreign key moved in another tab (or a
   * child deleted) is seen; an unsaved child is followed by its in-memory foreign key.
   */
  protected override async liveRead(): Promise<O | null> {
    const key = this.child.getKey();
    if (!this.child.exists || key === undefined) return this.getResults();
    const childModel = this.child.constructor as ModelClass<C>;
    const row = await contextOf(childModel).table.get(key);
    if (!row) return null;
    return new BelongsTo(
      hydrate(childModel, row),
      this.related,
      this.foreignKey,
      this.ownerKey,
    ).getResults();
  }

  #foreignKeyOf(child: C): unknown {
    return (child as unknown as Row)[this.foreignKey];
  }
}
