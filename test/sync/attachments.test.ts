import { describe, expect, it } from 'vitest';
import { PouchDB } from '../../scripts/sync-server.mjs';
import { Model } from '../../src/index.js';
import { replicaOf, serverDatabase, syncOnce, withSyncServer } from './replicas.js';

withSyncServer();

/** A record with binary fields: a Blob and an ArrayBuffer. */
class Upload extends Model<{
  id?: string;
  name: string;
  photo?: Blob | null;
  raw?: ArrayBuffer | null;
}> {
  static override table = 'uploads';
  static override keyType = 'uuid' as const;
}

const models = [Upload];
const bytes = (length: number, seed: number) =>
  Uint8Array.from({ length }, (_, i) => (i * 31 + seed) % 256);

async function storedUploads(db: {
  dexie: { table(name: string): { toArray(): Promise<unknown[]> } };
}) {
  return (await db.dexie.table('uploads').toArray()) as Array<{
    id: string;
    name: string;
    photo?: Blob | null;
    raw?: ArrayBuffer | null;
  }>;
}

/** A record document as the server holds it, with its attachments. */
interface UploadDocument {
  values: Record<string, unknown>;
  _attachments: Record<string, { content_type: string }>;
}

async function documentOf(
  pouch: InstanceType<typeof PouchDB>,
  id: string,
): Promise<UploadDocument> {
  return (await pouch.get(id)) as unknown as UploadDocument;
}

describe('Blob and ArrayBuffer values travel as CouchDB attachments', () => {
  it('replicates a Blob as a Blob and an ArrayBuffer as an ArrayBuffer, readable by PouchDB', async () => {
    const url = await serverDatabase();
    const a = replicaOf(url, 'a', models);
    const b = replicaOf(url, 'b', models);
    const photo = new Blob([bytes(70_000, 1)], { type: 'image/png' });
    const raw = bytes(300, 7).buffer;
    const upload = await a.as(() => Upload.create({ name: 'scan', photo, raw }));
    await syncOnce(a, b);

    const [row] = await storedUploads(b.db);
    expect(row?.photo).toBeInstanceOf(Blob);
    expect(row?.photo?.type).toBe('image/png');
    expect(new Uint8Array(await row!.photo!.arrayBuffer())).toEqual(bytes(70_000, 1));
    expect(row?.raw).toBeInstanceOf(ArrayBuffer);
    expect(new Uint8Array(row!.raw!)).toEqual(bytes(300, 7));

    const pouch = new PouchDB(url);
    const id = `uploads:${JSON.stringify(upload.id)}`;
    const document = await documentOf(pouch, id);
    expect(document.values.photo).toEqual({ $attachment: 'photo', as: 'blob' });
    expect(document.values.raw).toEqual({ $attachment: 'raw', as: 'arraybuffer' });
    expect(document._attachments.photo?.content_type).toBe('image/png');
    const fromPouch = (await pouch.getAttachment(id, 'photo')) as Uint8Array;
    expect(new Uint8Array(fromPouch)).toEqual(bytes(70_000, 1));
  });

  it("reads an attachment another client wrote, and keeps others' attachments through edits", async () => {
    const url = await serverDatabase();
    const a = replicaOf(url, 'a', models);
    const b = replicaOf(url, 'b', models);
    const upload = await a.as(() =>
      Upload.create({ name: 'report', photo: new Blob([bytes(10, 3)], { type: 'text/plain' }) }),
    );
    await syncOnce(a);
    const pouch = new PouchDB(url);
    const id = `uploads:${JSON.stringify(upload.id)}`;
    const current = await pouch.get(id);
    // Another client adds an attachment of its own beside dexorm's.
    await pouch.putAttachment(id, 'signature', current._rev, Buffer.from('signed'), 'text/plain');
    await syncOnce(a);
    await a.as(async () => {
      const mine = await Upload.findOrFail(upload.id!);
      mine.name = 'report, v2';
      await mine.save();
    });
    await syncOnce(a);
    let document = await documentOf(pouch, id);
    expect(document.values.name).toBe('report, v2');
    expect(Object.keys(document._attachments).sort()).toEqual(['photo', 'signature']);
    expect(String(await pouch.getAttachment(id, 'signature'))).toBe('signed');

    // Clearing the field drops dexorm's attachment, and still keeps the other client's.
    await a.as(async () => {
      const mine = await Upload.findOrFail(upload.id!);
      mine.photo = null;
      await mine.save();
    });
    await syncOnce(a, b);
    document = await documentOf(pouch, id);
    expect(Object.keys(document._attachments)).toEqual(['signature']);
    const [row] = await storedUploads(b.db);
    expect(row).toMatchObject({ name: 'report, v2', photo: null });
  });

  it('sets aside a document whose marker names an attachment it does not carry', async () => {
    const url = await serverDatabase();
    const b = replicaOf(url, 'b', models);
    const pouch = new PouchDB(url);
    const good = {
      _id: 'uploads:"u-1"',
      kind: 'record',
      table: 'uploads',
      key: 'u-1',
      born: '00000000a.00000.pouch',
      values: { id: 'u-1', name: 'fine', photo: { $attachment: 'photo', as: 'blob' } },
      clocks: {
        id: '00000000a.00000.pouch',
        name: '00000000a.00000.pouch',
        photo: '00000000a.00000.pouch',
      },
      _attachments: {
        photo: { content_type: 'text/plain', data: Buffer.from('hello').toString('base64') },
      },
    };
    const bad = {
      ...good,
      _id: 'uploads:"u-2"',
      key: 'u-2',
      values: { ...good.values, id: 'u-2' },
    };
    delete (bad as { _attachments?: unknown })._attachments;
    await pouch.bulkDocs([good, bad]);
    const replication = b.replicate({ live: false });
    await replication.whenSynced();
    const rows = await storedUploads(b.db);
    expect(rows.map((row) => row.id)).toEqual(['u-1']);
    expect(await rows[0]!.photo!.text()).toBe('hello');
    expect(await replication.rejected()).toEqual([
      {
        id: 'uploads:"u-2"',
        reason: '"values.photo" names attachment "photo", which the document does not carry',
      },
    ]);
  });
});
