import { shareKeyOf } from '../core/key-dictionary.js';
import type { ModelBase } from '../model/model.js';
import type { ModelClass } from '../state/model-class.js';
import { readAttribute, writeAttribute } from '../state/model-state.js';
import { Relation } from './relation.js';

/**
 * What BelongsTo and MorphTo share: this model (the child) holds the columns that point at its
 * one owner. Live observers follow the stored child, so that a pointer moved in another tab (or
 * a child deleted) is seen; an unsaved child is followed by its in-memory columns.
 */
export abstract class InverseRelation<C extends ModelBase, O extends ModelBase> extends Relation<
  C,
  O,
  O | null
> {
  /** The child's columns that point at the owner; the last one holds the owner's key. */
  protected abstract readonly pointers: readonly string[];

  /** This relation bound to another instance of the child (the stored one). */
  protected abstract rebind(child: C): InverseRelation<C, O>;

  /** What the pointers point into, for naming the shared live read: `users.id`. */
  protected abstract target(): string;

  /** Sets the child's pointer columns to null and returns the child; writes nothing. */
  dissociate(): C {
    for (const column of this.pointers) writeAttribute(this.parent, column, null);
    return this.parent;
  }

  protected emptyResult(): O | null {
    return null;
  }

  protected canLookUp(): boolean {
    return this.parent.exists || readAttribute(this.parent, this.pointers.at(-1)!) != null;
  }

  protected shareKey(): string {
    const childModel = this.parent.constructor as ModelClass;
    const subject = this.parent.exists
      ? `stored${shareKeyOf(this.parent.getKey())}`
      : `key${this.pointers.map((column) => shareKeyOf(readAttribute(this.parent, column))).join('\u0001')}`;
    return `${childModel.table}\u0000${this.pointers.join('+')}\u0000${this.target()}\u0000${subject}`;
  }

  protected override async liveRead(): Promise<O | null> {
    const stored = await this.storedParent();
    if (stored === undefined) return this.getResults();
    return stored && this.rebind(stored).getResults();
  }
}
