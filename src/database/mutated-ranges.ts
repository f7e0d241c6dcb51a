import {
  type DBCoreTransaction,
  type IndexableType,
  type IntervalTree,
  type ObservabilitySet,
  RangeSet,
} from 'dexie';

/** A run of keys: one range of the set that tells live queries what a transaction changed. */
interface Run {
  from: IndexableType;
  to: IndexableType;
}

function isInteger(key: IndexableType): key is number {
  return typeof key === 'number' && Number.isInteger(key);
}

/**
 * Runs of consecutive integer keys in `tree` (1, 2, 3 … 1,000 as an auto-increment insert
 * writes them) joined into one range each; undefined when nothing joins.
 */
function joinedRuns(tree: IntervalTree): Run[] | undefined {
  const runs: Run[] = [];
  let joined = false;
  for (const node of RangeSet(tree)) {
    const last = runs[runs.length - 1];
    if (last && isInteger(last.to) && node.from === last.to + 1) {
      last.to = node.to;
      joined = true;
    } else {
      runs.push({ from: node.from, to: node.to });
    }
  }
  return joined ? runs : undefined;
}

/**
 * Compacts what transaction `trans` has changed so far in `table`, as Dexie tracks it for live queries:
 * each run of consecutive integer keys becomes one range. Dexie merges the changed ranges of
 * every committed transaction into the pending set of each idle live query, so a bulk write
 * tracked key by key costs each observer one range per record; compacted, one per run. A joined
 * range also covers the fractions between its integers: a live query that read such a key
 * (never written by an auto-increment insert) re-runs once more than needed, never less.
 */
export function compactMutatedParts(trans: DBCoreTransaction, table: string): void {
  const parts = (trans as { mutatedParts?: ObservabilitySet }).mutatedParts;
  if (!parts) return;
  for (const [part, tree] of Object.entries(parts)) {
    // Only the key ranges of `table` and its indexes (`idb://db/table/index`): those of other
    // tables were compacted after their own writes.
    if (!part.startsWith('idb://') || typeof tree !== 'object' || tree === null) continue;
    if (part.split('/').at(-2) !== table) continue;
    const runs = joinedRuns(tree);
    if (!runs) continue;
    const compacted = new RangeSet();
    for (const run of runs) compacted.add(run);
    parts[part] = compacted;
  }
}
