import type { Row } from '../core/values.js';
import type { RecordVersion } from '../database/record-version.js';

/**
 * One record as replication merges it: its creation and deletion stamps, and each field's value
 * with the stamp of its last change. The state is alive while `born` is later than `deleted`;
 * fields changed before `born` belong to an earlier life of the key and do not count.
 */
export interface RecordState {
  readonly born: string;
  readonly deleted?: string;
  readonly values: Readonly<Row>;
  readonly clocks: Readonly<Record<string, string>>;
}

/** True while the record exists (it was created after its latest deletion). */
export function isAlive(state: RecordState): boolean {
  return state.deleted === undefined || state.born > state.deleted;
}

/**
 * Merges two states of one record. Commutative, associative and idempotent, so replicas that
 * merge the same states in any order and any number of times end equal: the later creation and
 * deletion win, and each field takes the value of its later change (stamps never tie across
 * replicas: they end with the replica's node).
 */
export function mergeStates(a: RecordState, b: RecordState): RecordState {
  const born = a.born > b.born ? a.born : b.born;
  const deleted =
    a.deleted === undefined || (b.deleted !== undefined && b.deleted > a.deleted)
      ? b.deleted
      : a.deleted;
  const values: Row = {};
  const clocks: Record<string, string> = {};
  for (const field of new Set([...Object.keys(a.clocks), ...Object.keys(b.clocks)])) {
    const left = a.clocks[field];
    const right = b.clocks[field];
    const from = right === undefined || (left !== undefined && left >= right) ? a : b;
    const clock = from.clocks[field] as string;
    if (clock < born) continue;
    clocks[field] = clock;
    if (Object.hasOwn(from.values, field)) values[field] = from.values[field];
  }
  return deleted === undefined ? { born, values, clocks } : { born, deleted, values, clocks };
}

/** True when both states hold the same changes (values follow from their stamps). */
export function sameState(a: RecordState, b: RecordState): boolean {
  if (a.born !== b.born || a.deleted !== b.deleted) return false;
  const fields = Object.keys(a.clocks);
  if (fields.length !== Object.keys(b.clocks).length) return false;
  return fields.every((field) => a.clocks[field] === b.clocks[field]);
}

/** The local state of a record: its version, and the stored record while it is alive. */
export function localState(version: RecordVersion, record: Row | undefined): RecordState {
  const values: Row = {};
  const clocks: Record<string, string> = {};
  for (const [field, clock] of Object.entries(version.clocks)) {
    if (clock < version.born) continue;
    clocks[field] = clock;
    if (record && Object.hasOwn(record, field)) values[field] = record[field];
  }
  const base = { born: version.born, values, clocks };
  return version.deleted === undefined ? base : { ...base, deleted: version.deleted };
}

/** Every stamp in `state`, for the clock to catch up with. */
export function latestStamp(state: RecordState): string {
  let latest =
    state.deleted !== undefined && state.deleted > state.born ? state.deleted : state.born;
  for (const clock of Object.values(state.clocks)) if (clock > latest) latest = clock;
  return latest;
}
