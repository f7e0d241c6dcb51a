import { type Key, type Row, sameValue } from '../core/values.js';

/**
 * What replication knows of one record: when it was created (`born`) and deleted (stamps of a
 * hybrid logical clock), when each field last changed, and the server revision it last matched.
 * A record is alive while `born` is later than `deleted`.
 */
export interface RecordVersion {
  readonly table: string;
  readonly key: Key;
  readonly born: string;
  readonly deleted?: string;
  /** The stamp of each field's last change (a field without a value was removed then). */
  readonly clocks: Readonly<Record<string, string>>;
  /** The server's revision of the document this version was last in step with. */
  readonly rev?: string;
  /**
   * Top-level fields that other clients put on the record's document (`_attachments` among
   * them), sent back with every push so that dexorm's edits keep them.
   */
  readonly foreign?: Readonly<Row>;
}

/**
 * The version after a write of `after` (undefined: a delete) over `before`, or undefined when
 * nothing replication cares about changed.
 */
export function nextVersion(
  table: string,
  key: Key,
  before: Row | undefined,
  version: RecordVersion | undefined,
  after: Row | undefined,
  stamp: string,
): RecordVersion | undefined {
  const rev = {
    ...(version?.rev === undefined ? {} : { rev: version.rev }),
    ...(version?.foreign === undefined ? {} : { foreign: version.foreign }),
  };
  if (after === undefined) {
    if (before === undefined) return undefined;
    // The field stamps stay: a deleted record merged with a copy that is still alive must end
    // as the same state on every replica.
    const clocks = version?.clocks ?? {};
    return { table, key, born: version?.born ?? stamp, deleted: stamp, clocks, ...rev };
  }
  const alive =
    version !== undefined && (version.deleted === undefined || version.born > version.deleted);
  if (before === undefined || !alive) {
    const clocks = Object.fromEntries(Object.keys(after).map((field) => [field, stamp]));
    return { table, key, born: stamp, ...deletedOf(version), clocks, ...rev };
  }
  const clocks: Record<string, string> = { ...version.clocks };
  let changed = false;
  for (const field of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (
      !sameValue(before[field], after[field]) ||
      Object.hasOwn(before, field) !== Object.hasOwn(after, field)
    ) {
      clocks[field] = stamp;
      changed = true;
    }
  }
  if (!changed) return undefined;
  return { table, key, born: version.born, ...deletedOf(version), clocks, ...rev };
}

function deletedOf(version: RecordVersion | undefined): { deleted?: string } {
  return version?.deleted === undefined ? {} : { deleted: version.deleted };
}
