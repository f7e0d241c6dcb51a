import { Dexie } from 'dexie';
import { Database, Model } from '../src/index.js';
import { installReadCounter } from '../test/support/read-counter.js';
import {
  type BenchEnvironment,
  check,
  type ResultRow,
  ratioRow,
  recordsRow,
  timePair,
} from './harness.js';

interface CardRow {
  id?: string;
  title: string;
}

/** A model whose keys are unique across devices: its table may replicate. */
class Card extends Model<CardRow> {
  static override table = 'cards';
  static override keyType = 'uuid' as const;
}

/**
 * 15. One create of a model whose table may replicate (uuid keys), in a database that never
 * replicated, against hand-written Dexie adding the same record (a uuid made the same way) in a
 * readwrite transaction on a plain Dexie database: the time (≤ 1.2), and the reads one create
 * makes, counted below dexorm's write path (hand-written Dexie makes none). Then an open of that
 * database by a new Database instance, as at a page load, against a new Dexie instance opening
 * the plain one (≤ 1.5).
 */
export async function replicableWorkloads(env: BenchEnvironment): Promise<ResultRow[]> {
  const stamp = Date.now();
  const db = new Database(`dexorm-bench-replicable-${stamp}`, { models: [Card] });
  const counter = installReadCounter(db.dexie, { level: 3 });
  const plain = new Dexie(`dexorm-bench-replicable-plain-${stamp}`);
  plain.version(1).stores({ cards: 'id' });
  const plainCounter = installReadCounter(plain);
  const cards = plain.table<CardRow, string>('cards');
  try {
    await db.open();
    await plain.open();
    let made = 0;
    const theirs = () => {
      const card = { id: crypto.randomUUID(), title: `theirs ${made++}` };
      return plain.transaction('rw', cards, () => cards.add(card));
    };
    env.log('15. create one record with a uuid key, database never replicated');
    const samples = await timePair(() => Card.create({ title: `ours ${made++}` }), theirs, {
      rounds: 6,
      time: 200 * env.scale,
      iterations: 30,
      warmupIterations: 20,
    });
    counter.reset();
    const card = await Card.create({ title: 'counted' });
    const ours = counter.count();
    plainCounter.reset();
    await theirs();
    check(typeof card.id === 'string' && (await Card.find(card.id)) !== null, 'card stored');
    // Last: each open builds a Database, which the models then bind to.
    env.log('15. open the database in a new instance (a page load), never replicated');
    const opens = await timePair(
      async () => {
        const again = new Database(db.name, { models: [Card] });
        await again.open();
        again.close();
      },
      async () => {
        const again = new Dexie(plain.name);
        again.version(1).stores({ cards: 'id' });
        await again.open();
        again.close();
      },
      {
        rounds: 4,
        time: 0,
        iterations: Math.max(5, Math.round(20 * env.scale)),
        warmupIterations: 3,
      },
    );
    return [
      ratioRow('15. create one uuid record (never replicated)', 'ms', samples, 1.2),
      recordsRow('15. reads per create, below the write path', ours, plainCounter.count()),
      ratioRow('15. open in a new instance (never replicated)', 'ms', opens, 1.5),
    ];
  } finally {
    await db.delete().catch(() => undefined);
    await plain.delete().catch(() => undefined);
  }
}
