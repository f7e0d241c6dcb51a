import { SchemaError } from '../core/errors.js';
import type { DatabaseRuntime, ModelContext } from '../state/context.js';
import type { ModelInstance } from '../state/model-instance.js';
import type { RelationRegistry } from './registry.js';

/**
 * Checks that each name in the model's `static touches` is a relation whose models keep
 * timestamps. @throws SchemaError otherwise.
 */
export function assertTouches(context: ModelContext, registry: RelationRegistry): void {
  for (const name of context.lifecycle.touches) {
    const { relation } = registry.relation(context.model, name);
    if (relation.related.timestamps) continue;
    throw new SchemaError(
      `${context.modelName} (table "${context.tableName}"): static touches names "${name}", ` +
        `but ${relation.related.name} has no timestamps to touch`,
      { model: context.modelName, table: context.tableName, field: name },
    );
  }
}

/**
 * Stamps `now` as the update time of the owners that `models` name in their `static touches`
 * relations, in the running transaction: one read of the owners per relation, one write.
 */
export async function touchOwners(
  runtime: DatabaseRuntime,
  registry: RelationRegistry,
  context: ModelContext,
  models: readonly ModelInstance[],
  now: Date,
): Promise<void> {
  for (const name of context.lifecycle.touches) {
    const { relation } = registry.relation(context.model, name);
    // An owner of several of the models is in each of their lists: touched once.
    const owners = [...new Set((await relation.eagerRead(models, runtime)).flat())];
    if (owners.length === 0) continue;
    const ownerContext = runtime.contextOf(relation.related);
    const column = ownerContext.lifecycle.timestamps!.updatedAt;
    await ownerContext.table.bulkUpdate(
      owners.map((owner) => ({ key: owner.getKey()!, changes: { [column]: now } })),
    );
  }
}
