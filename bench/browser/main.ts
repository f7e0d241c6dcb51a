// Chromium side of the bench: the page runs the workloads against the browser's own IndexedDB;
// `bench/run-browser.mjs` exposes the heap probe and the log before calling `dexormBench`.
import type { BenchReport } from '../harness.js';
import { runWorkloads } from '../workloads.js';

declare global {
  interface Window {
    /** Runs the bench in this page; set once the module has loaded. */
    dexormBench?: (environment: string, scale: number, only: string[]) => Promise<BenchReport>;
    /** Heap bytes in use after a full GC, measured by the driver through CDP. */
    benchHeapUsed?: () => Promise<number>;
    /** Prints a progress line in the driver's terminal. */
    benchLog?: (message: string) => Promise<void>;
  }
}

window.dexormBench = (environment, scale, only) =>
  runWorkloads({
    name: environment,
    scale,
    only,
    log: (message) => void window.benchLog?.(message),
    heapUsed: () => {
      const probe = window.benchHeapUsed;
      if (!probe) throw new Error('the bench driver did not expose benchHeapUsed');
      return probe();
    },
  });
