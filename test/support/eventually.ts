/**
 * Resolves once `check` stops throwing, waiting `stepMs` between tries (through `wait`, which a
 * React test wraps in `act`); rejects with the last failure after `timeoutMs`.
 */
export async function eventually(
  check: () => void,
  timeoutMs = 3000,
  wait: (ms: number) => Promise<unknown> = (ms) =>
    new Promise((resolve) => setTimeout(resolve, ms)),
  stepMs = 10,
): Promise<void> {
  const started = Date.now();
  for (;;) {
    try {
      check();
      return;
    } catch (error) {
      if (Date.now() - started > timeoutMs) throw error;
      await wait(stepMs);
    }
  }
}
