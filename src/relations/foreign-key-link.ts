import { defaultForeignKey } from '../core/naming.js';
import type { ModelClass } from '../state/model-class.js';
import type {
  DeleteEffect,
  DeleteRule,
  ForeignKeyColumn,
  IndexRequirement,
} from './requirements.js';

/** The type column of a polymorphic relation, and the value naming the parent's table. */
export interface MorphType {
  /** The related models' attribute holding the parent's table (`commentable_type`). */
  readonly column: string;
  /** The parent's table, as stored in that attribute (`'posts'`). */
  readonly table: string;
}

/**
 * What the schema knows of a HasOne or HasMany: the related models' `foreignKey` holds the
 * parent's `localKey` (qualified by a type column for a polymorphic kind), indexed, checked for
 * its type, and followed by the parent's delete rule.
 */
export class ForeignKeyLink {
  constructor(
    readonly parent: ModelClass,
    readonly related: ModelClass,
    readonly foreignKey: string,
    readonly localKey: string,
    readonly morphType: MorphType | undefined,
  ) {}

  /**
   * The link from `parent`'s `localKey` (default its primary key) to `related`'s `foreignKey`
   * (default `<singular parent table>_<its primary key>`); with `morphName`, to `<name>_id`
   * qualified by `<name>_type`.
   */
  static of(
    parent: ModelClass,
    related: ModelClass,
    foreignKey: string | undefined,
    localKey: string | undefined,
    morphName: string | undefined,
  ): ForeignKeyLink {
    if (morphName !== undefined) {
      const morph = { column: `${morphName}_type`, table: parent.table };
      return new ForeignKeyLink(
        parent,
        related,
        `${morphName}_id`,
        localKey ?? parent.primaryKey,
        morph,
      );
    }
    const field = foreignKey ?? defaultForeignKey(parent.table, parent.primaryKey);
    return new ForeignKeyLink(parent, related, field, localKey ?? parent.primaryKey, undefined);
  }

  /** The index on the foreign key (`[type+id]` for a polymorphic kind); unique for a HasOne. */
  index(unique: boolean): IndexRequirement {
    const morph = this.morphType;
    const fields = morph ? [morph.column, this.foreignKey] : [this.foreignKey];
    return { kind: 'index', model: this.related, fields, unique };
  }

  /** The foreign key, as a stored field holding the parent's key. */
  column(): ForeignKeyColumn {
    return {
      table: this.related.table,
      column: this.foreignKey,
      references: this.parent,
      referencedField: this.localKey,
      ...this.#morphType(),
    };
  }

  /** What deleting a parent does to its related models under `rule`, stated by `relation`. */
  deleteEffects(rule: DeleteRule, relation: string): DeleteEffect[] {
    if (rule === 'noAction') return [];
    const parent = this.parent;
    return [
      {
        table: parent.table,
        ...(this.localKey === parent.primaryKey ? {} : { parentField: this.localKey }),
        dependentTable: this.related.table,
        column: this.foreignKey,
        ...this.#morphType(),
        action: rule === 'cascade' ? 'delete' : rule,
        relation,
      },
    ];
  }

  #morphType(): { morphType?: { column: string; value: string } } {
    const morph = this.morphType;
    return morph ? { morphType: { column: morph.column, value: morph.table } } : {};
  }
}
