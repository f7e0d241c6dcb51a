import type { Row } from '../core/values.js';
import type { ModelInstance } from './model-instance.js';

/**
 * What writes of one model do to other records, given to its context by the Database; each runs
 * in the running write transaction.
 */
export interface WriteEffects {
  /**
   * Stamps `rows` of a soft-deleting model trashed at `now`, with what the delete rules of its
   * relations reach; resolves to the rows as now stored.
   */
  trash(rows: readonly Row[], now: Date): Promise<Row[]>;
  /** Restores trashed `rows`, and what the cascade of their soft delete trashed with them. */
  restore(rows: readonly Row[], now: Date): Promise<Row[]>;
  /** Sets `updated_at` of the owners that `models` name in the model's `static touches`. */
  touchOwners(models: readonly ModelInstance[], now: Date): Promise<void>;
}
