/**
 * A hybrid logical clock: stamps that follow wall time, never go backwards, and order every
 * event of every replica. A stamp is a string that sorts as its time: wall milliseconds and a
 * counter in fixed-width base 36, then the node that made it (which breaks ties).
 */
export class HybridClock {
  readonly node: string;
  readonly #now: () => number;
  #wall = 0;
  #counter = 0;

  constructor(node: string, now: () => number = Date.now) {
    this.node = node;
    this.#now = now;
  }

  /** A new stamp, later than every stamp made or received before. */
  tick(): string {
    const wall = this.#now();
    if (wall > this.#wall) {
      this.#wall = wall;
      this.#counter = 0;
    } else {
      this.#counter += 1;
    }
    return formatStamp(this.#wall, this.#counter, this.node);
  }

  /** Takes note of a stamp from elsewhere, so that the next tick comes after it. */
  receive(stamp: string): void {
    const parsed = parseStamp(stamp);
    if (!parsed) return;
    if (
      parsed.wall > this.#wall ||
      (parsed.wall === this.#wall && parsed.counter > this.#counter)
    ) {
      this.#wall = parsed.wall;
      this.#counter = parsed.counter;
    }
  }
}

const WALL_DIGITS = 9;
const COUNTER_DIGITS = 5;

function formatStamp(wall: number, counter: number, node: string): string {
  return `${wall.toString(36).padStart(WALL_DIGITS, '0')}.${counter
    .toString(36)
    .padStart(COUNTER_DIGITS, '0')}.${node}`;
}

function parseStamp(stamp: string): { wall: number; counter: number } | undefined {
  const [wall, counter] = stamp.split('.');
  if (wall === undefined || counter === undefined) return undefined;
  const parsed = { wall: Number.parseInt(wall, 36), counter: Number.parseInt(counter, 36) };
  return Number.isFinite(parsed.wall) && Number.isFinite(parsed.counter) ? parsed : undefined;
}
