// Node side of the bench: fake-indexeddb installs `indexedDB` globally before Dexie is used.
import 'fake-indexeddb/auto';
import { installNodeGlobals } from '../test/support/node-globals.js';
import type { BenchReport } from './harness.js';
import { syncWorkloads } from './sync-workloads.js';
import { runWorkloads } from './workloads.js';

export interface NodeRunOptions {
  readonly scale: number;
  readonly only: readonly string[];
  /** E.g. `Node 20.20.2 + fake-indexeddb 6.2.8`. */
  readonly environment: string;
  readonly log: (message: string) => void;
}

/** Runs every workload in this Node process; needs `--expose-gc` for the memory workload. */
export async function runInNode(options: NodeRunOptions): Promise<BenchReport> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== 'function') throw new Error('run Node with --expose-gc to measure memory');
  const env = {
    name: options.environment,
    scale: options.scale,
    only: options.only,
    log: options.log,
    heapUsed: async () => {
      // Two passes: the first can leave objects that only a second collection frees.
      gc();
      gc();
      return process.memoryUsage().heapUsed;
    },
  };
  // dexie-export-import (section 14) reads `self` and FileReader, which Node lacks.
  installNodeGlobals();
  const report = await runWorkloads(env);
  // Sync runs here only: its server is started in this process.
  if (options.only.length > 0 && !options.only.includes('10')) return report;
  const notes = [...report.notes];
  const rows = [...report.rows, ...(await syncWorkloads(env, notes))];
  return { ...report, rows, notes };
}
