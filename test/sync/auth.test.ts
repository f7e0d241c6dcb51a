import { firstValueFrom } from 'rxjs';
import { filter } from 'rxjs/operators';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SyncServer, startSyncServer } from '../../scripts/sync-server.mjs';
import { ValidationError } from '../../src/index.js';
import { replicate } from '../../src/sync/index.js';
import { Member, replicaOf, stored } from './replicas.js';

/** A server that answers 401 to any request without `Authorization: Bearer <a token in here>`. */
const tokens = new Set<string>(['first']);
let secured: SyncServer;

beforeAll(async () => {
  secured = await startSyncServer({ tokens });
});
afterAll(async () => {
  await secured?.stop();
});

async function securedDatabase(): Promise<string> {
  const url = `${secured.url}/auth-${Math.random().toString(36).slice(2, 8)}`;
  const response = await fetch(url, { method: 'PUT', headers: { authorization: 'Bearer first' } });
  expect(response.ok).toBe(true);
  return url;
}

describe('credentials that expire', () => {
  it('asks a headers function before each request, and waits unauthorized until restart()', async () => {
    const url = await securedDatabase();
    let token = 'first';
    let asked = 0;
    const replica = replicaOf(url, 'auth');
    const replication = replica.replicate({
      headers: async () => {
        asked += 1;
        return { authorization: `Bearer ${token}` };
      },
    });
    await replica.as(() => Member.create({ name: 'Ada' }));
    await replication.whenSynced();
    expect(asked).toBeGreaterThan(1);

    // The token expires on the server; the next write is refused with 401.
    tokens.delete('first');
    tokens.add('second');
    await replica.as(() => Member.create({ name: 'Grace' }));
    const refused = await firstValueFrom(
      replication.status$.pipe(filter((status) => status.state === 'unauthorized')),
    );
    expect((refused.error as { status?: number }).status).toBe(401);
    const synced = replication.whenSynced();

    token = 'second';
    replication.restart();
    await synced;
    const answer = await fetch(`${url}/_all_docs`, { headers: { authorization: 'Bearer second' } });
    const { rows } = (await answer.json()) as { rows: unknown[] };
    expect(rows).toHaveLength(2);
    expect(await stored(replica, 'members')).toHaveLength(2);
  });

  it('refuses headers that are neither an object nor a function', () => {
    const replica = replicaOf(`${secured.url}/x`, 'bad-headers');
    expect(() =>
      replicate(replica.db, { url: `${secured.url}/x`, headers: 'token' as never }),
    ).toThrow(ValidationError);
  });
});
