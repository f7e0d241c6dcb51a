import type { Table } from 'dexie';
import { Database, type HasMany, Model, type MorphToMany } from '../src/index.js';
import {
  type BenchEnvironment,
  check,
  type PairPlan,
  type ResultRow,
  ratioRow,
  timePair,
} from './harness.js';

interface Row {
  id?: number;
  [field: string]: unknown;
}

class Shop extends Model<{ id?: number; name: string }> {
  static override table = 'shops';
  productsRelation(): HasMany<Shop, Product> {
    return this.hasMany(Product, 'shop_id');
  }
  tagsRelation(): MorphToMany<Shop, Tag> {
    return this.morphToMany(Tag, 'taggable');
  }
}
class Product extends Model<{ id?: number; shop_id: number; sku: string; price: number }> {
  static override table = 'products';
  static override indexes = ['&sku'];
}
class Tag extends Model<{ id?: number; name: string }> {
  static override table = 'tags';
}

const SHOPS = 500;
const PRODUCTS_PER_SHOP = 4;
const TAGS_PER_SHOP = 3;

/**
 * 13. Relations, complete (API.md §21), against hand-written Dexie doing the same reads and
 * writes: a MorphToMany eager load of 500 parents, a `withWhereHas` over them, and `upsert` of
 * 1,000 records half of which exist (each ≤ 1.3).
 */
export async function relationsCompleteWorkloads(env: BenchEnvironment): Promise<ResultRow[]> {
  const db = new Database(`dexorm-bench-relations-complete-${Date.now()}`, {
    models: [Shop, Product, Tag],
  });
  const rows: ResultRow[] = [];
  const plan: PairPlan = {
    rounds: 2,
    time: 200 * env.scale,
    iterations: Math.max(3, Math.round(8 * env.scale)),
    warmupIterations: 2,
  };
  try {
    env.log('13. filling 500 shops, their products and tags');
    await db.open();
    const shops = db.dexie.table<Row, number>('shops');
    const products = db.dexie.table<Row, number>('products');
    const tags = db.dexie.table<Row, number>('tags');
    const taggables = db.dexie.table<Row, unknown>('taggables');
    await fill(shops, products, tags, taggables);

    env.log('13a. MorphToMany eager load, 500 parents');
    const ours = () => Shop.query().with('tags').get();
    const theirs = async () => {
      const parents = await shops.toArray();
      const pairs = await taggables
        .where('[taggable_type+taggable_id]')
        .anyOf(parents.map((shop) => ['shops', shop.id!]))
        .toArray();
      const found = await tags.bulkGet([...new Set(pairs.map((pair) => pair.tag_id as number))]);
      const byId = new Map(found.map((tag) => [tag!.id, tag!]));
      const byShop = new Map<number, Row[]>();
      for (const pair of pairs) {
        const list = byShop.get(pair.taggable_id as number) ?? [];
        list.push({ ...byId.get(pair.tag_id as number)!, pivot: pair });
        byShop.set(pair.taggable_id as number, list);
      }
      return parents.map((shop) => ({ ...shop, tags: byShop.get(shop.id!) ?? [] }));
    };
    const [a, b] = [await ours(), await theirs()];
    check(
      a.length === b.length && a.every((shop, i) => shop.tags.length === b[i]!.tags.length),
      '13a finds the same tags on both sides',
    );
    rows.push(
      ratioRow(
        '13a. MorphToMany eager load (500 parents, 1,500 tags)',
        'ms',
        await timePair(ours, theirs, plan),
        1.3,
      ),
    );

    env.log('13b. withWhereHas over 500 parents');
    const oursWhere = () =>
      Shop.query()
        .withWhereHas('products', (query) => query.where('price', '>', 90))
        .get();
    const theirsWhere = async () => {
      const dear = (await products.toArray()).filter((product) => (product.price as number) > 90);
      const byShop = new Map<number, Row[]>();
      for (const product of dear) {
        const list = byShop.get(product.shop_id as number) ?? [];
        list.push(product);
        byShop.set(product.shop_id as number, list);
      }
      const found = await shops.bulkGet([...byShop.keys()].sort((x, y) => x - y));
      return found.map((shop) => ({ ...shop!, products: byShop.get(shop!.id!)! }));
    };
    const [c, d] = [await oursWhere(), await theirsWhere()];
    check(
      c.length === d.length && c.length > 0,
      `13b finds the same shops (${c.length}, ${d.length})`,
    );
    rows.push(
      ratioRow(
        '13b. withWhereHas (500 parents, 2,000 products)',
        'ms',
        await timePair(oursWhere, theirsWhere, plan),
        1.3,
      ),
    );

    env.log('13c. upsert of 1,000 records, half stored');
    let round = 0;
    const batch = () => {
      round += 1;
      return Array.from({ length: 1_000 }, (_, i) => ({
        // Half the skus exist (those of the fill), half are new in each round.
        sku: i % 2 === 0 ? `sku-${i}` : `new-${round}-${i}`,
        price: round,
        shop_id: 1,
      }));
    };
    const oursUpsert = () => Product.upsert(batch(), 'sku');
    const theirsUpsert = () => {
      const list = batch();
      return db.dexie.transaction('rw', products, async () => {
        const existing = await products
          .where('sku')
          .anyOf(list.map((row) => row.sku))
          .toArray();
        const bySku = new Map(existing.map((row) => [row.sku, row]));
        const updates: Row[] = [];
        const inserts: Row[] = [];
        for (const row of list) {
          const stored = bySku.get(row.sku);
          if (stored) updates.push({ ...stored, ...row });
          else inserts.push(row);
        }
        await products.bulkPut(updates);
        await products.bulkAdd(inserts);
      });
    };
    rows.push(
      ratioRow(
        '13c. upsert(1,000), half stored',
        'ms',
        await timePair(oursUpsert, theirsUpsert, {
          ...plan,
          time: 0,
          iterations: Math.max(3, Math.round(6 * env.scale)),
        }),
        1.3,
      ),
    );
  } finally {
    await db.delete().catch(() => undefined);
  }
  return rows;
}

async function fill(
  shops: Table<Row, number>,
  products: Table<Row, number>,
  tags: Table<Row, number>,
  taggables: Table<Row, unknown>,
): Promise<void> {
  await shops.bulkAdd(Array.from({ length: SHOPS }, (_, i) => ({ name: `shop ${i}` })));
  await tags.bulkAdd(Array.from({ length: 50 }, (_, i) => ({ name: `tag ${i}` })));
  const productRows: Row[] = [];
  const pairs: Row[] = [];
  let sku = 0;
  for (let shop = 1; shop <= SHOPS; shop++) {
    for (let p = 0; p < PRODUCTS_PER_SHOP; p++) {
      productRows.push({ shop_id: shop, sku: `sku-${sku}`, price: (sku * 37) % 100 });
      sku += 2;
    }
    for (let t = 0; t < TAGS_PER_SHOP; t++) {
      pairs.push({ tag_id: ((shop + t * 7) % 50) + 1, taggable_type: 'shops', taggable_id: shop });
    }
  }
  await products.bulkAdd(productRows);
  await taggables.bulkAdd(pairs);
}
