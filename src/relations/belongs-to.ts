import type { AttributeKey, AttributesOf, WithAttributes } from '../core/attribute-types.js';
import { UnsavedModelError } from '../core/errors.js';
import { defaultForeignKey } from '../core/naming.js';
import type { ModelClass } from '../state/model-class.js';
import type { ModelInstance } from '../state/model-instance.js';
import { readAttribute, writeAttribute } from '../state/model-state.js';
import { KeyedRelation, type KeyLink } from './keyed-relation.js';
import { plainIndex, type RelationRequirements } from './requirements.js';

/**
 * The inverse of HasOne: this model (the child) holds `foreignKey`, pointing at the owner's
 * `ownerKey` (a profile belongs to a user through `profiles.user_id`).
 * @example
 * userRelation(): BelongsTo<Profile, User> { return this.belongsTo(User, 'user_id', 'id'); }
 */
export class BelongsTo<
  C extends ModelInstance,
  O extends ModelInstance,
  CA = AttributesOf<C>,
> extends KeyedRelation<C, O, O | null> {
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
    const held =
      foreignKey ??
      (typeof owner === 'function' ? defaultForeignKey(owner.table, owner.primaryKey) : undefined);
    super(child, owner, held);
    this.ownerKey = ownerKey ?? owner.primaryKey;
    this.foreignKey = this.lookupField;
    this.link = { parentField: this.foreignKey, relatedField: this.ownerKey };
  }

  readonly toMany = false;

  protected readonly link: KeyLink;

  /** The child model this relation belongs to. */
  get child(): C {
    return this.parent;
  }

  /** Its foreign key's index and type; an index on a primary key is the key itself. */
  requirements(): RelationRequirements {
    const child = this.child.constructor as ModelClass;
    const column = this.foreignKey;
    return {
      tables: [plainIndex(child, column), plainIndex(this.related, this.ownerKey)],
      foreignKeys: [
        { table: child.table, column, references: this.related, referencedField: this.ownerKey },
      ],
    };
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
}
