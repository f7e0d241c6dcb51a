import { ModelNotFoundError, UnsavedModelError, ValidationError } from '../core/errors.js';
import { dictionaryKey } from '../core/key-dictionary.js';
import { assertValidKey, describe, type Key } from '../core/values.js';
import { indexKeys } from '../query/key-reads.js';
import type { DatabaseRuntime } from '../state/context.js';
import { generatedKeyType, type ModelClass } from '../state/model-class.js';
import { isModel, readAttribute } from '../state/model-state.js';

/** Related keys paired with pivot attributes, as a write was given them. */
export interface GivenPairs<V> {
  readonly pairs: readonly (readonly [Key, V | undefined])[];
  /** True when they came as a record (related key → attributes), whose keys are strings. */
  readonly record: boolean;
}

/** The keys of the related models of a relation that pairs, as its writes take and check them. */
export class RelatedKeys {
  constructor(
    /** The related model class. */
    readonly model: ModelClass,
    /** Its attribute the pairs hold. */
    readonly field: string,
    /** The relation, for messages. */
    readonly about: string,
  ) {}

  /**
   * Keys from keys or models, one or a list (a compound key goes inside a list: `[[a, b]]`),
   * each once: a key given twice counts once, in the writes and in what they report.
   * @throws UnsavedModelError for a model without its key; ValidationError for a bad key.
   */
  of(keys: unknown): Key[] {
    const list: readonly unknown[] = Array.isArray(keys) ? keys : [keys];
    const seen = new Set<unknown>();
    return this.#each(list).filter((key) => {
      const name = dictionaryKey(key);
      if (seen.has(name)) return false;
      seen.add(name);
      return true;
    });
  }

  #each(list: readonly unknown[]): Key[] {
    return list.map((item) => {
      if (!isModel(item)) {
        const owner = { model: this.model.name, table: this.model.table };
        assertValidKey(item, owner, this.field);
        const type = generatedKeyType(this.model, this.field);
        if (type !== undefined && typeof item !== type) {
          throw new ValidationError(
            `${this.about}: ${describe(item)} is no ${this.model.name} key: ` +
              `${this.model.table}.${this.field} holds ${type}s; nothing was written`,
            { ...owner, field: this.field, key: item },
          );
        }
        return item;
      }
      const key = readAttribute(item, this.field);
      if (key != null) return key as Key;
      throw new UnsavedModelError(
        `${this.about}: cannot pair a ${this.model.name} that has no "${this.field}" yet; save it first`,
        { model: this.model.name, table: this.model.table, field: this.field },
      );
    });
  }

  /**
   * Keys paired with `attributes`, from keys or models (as {@link of} takes them), or from the
   * record form (related key → its own attributes).
   * @throws UnsavedModelError for a model without its key; ValidationError for a bad key.
   */
  pairs<V>(keys: unknown, attributes: V | undefined): GivenPairs<V> {
    if (typeof keys === 'object' && keys !== null && !Array.isArray(keys) && !isModel(keys)) {
      const entries = Object.entries(keys as Readonly<Record<string, V>>);
      return { pairs: entries.map(([key, value]) => [key, value] as const), record: true };
    }
    return { pairs: this.of(keys).map((key) => [key, attributes] as const), record: false };
  }

  /** {@link pairs}, with a record's string keys as the stored keys' type ({@link withStoredTypes}). */
  async typedPairs<V>(
    runtime: DatabaseRuntime,
    given: GivenPairs<V>,
  ): Promise<(readonly [Key, V | undefined])[]> {
    if (!given.record) return [...given.pairs];
    return this.withStoredTypes(runtime, given.pairs as (readonly [string, V | undefined])[]);
  }

  /** @throws ModelNotFoundError naming the first of `keys` that no related record holds. */
  async assertStored(runtime: DatabaseRuntime, keys: readonly Key[]): Promise<void> {
    const found = new Set(
      (await indexKeys(runtime, this.model, this.field, keys)).map(dictionaryKey),
    );
    const missing = keys.find((key) => !found.has(dictionaryKey(key)));
    if (missing === undefined) return;
    const { name, table } = this.model;
    throw new ModelNotFoundError(
      `${this.about}: no ${name} (table "${table}") with ${this.field} = ${describe(missing)}; ` +
        'nothing was written',
      { model: name, table, field: this.field, key: missing },
    );
  }

  /**
   * A record's keys are strings: each becomes the key of the related record it names, keeping
   * that key's type (`"1"` is the number 1 where the related key is numeric).
   */
  async withStoredTypes<V>(
    runtime: DatabaseRuntime,
    given: readonly (readonly [string, V])[],
  ): Promise<(readonly [Key, V])[]> {
    const numeric = (key: string) =>
      key.trim() !== '' && !Number.isNaN(Number(key)) ? Number(key) : undefined;
    const candidates = given.flatMap(([key]) => {
      const number = numeric(key);
      return number === undefined ? [key] : [key, number];
    });
    const found = await indexKeys(runtime, this.model, this.field, candidates);
    const stored = new Set(found.map(dictionaryKey));
    return given.map(([key, value]) => {
      const number = numeric(key);
      const useNumber = number !== undefined && !stored.has(key) && stored.has(number);
      return [useNumber ? number : key, value] as const;
    });
  }
}
