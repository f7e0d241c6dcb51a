import { Model } from '../../src/index.js';

/** A note, as the planner tests store it: a folder, a rank and a title, each sometimes missing. */
export interface NoteAttributes {
  id?: number;
  title?: string | null;
  folder?: number | null;
  rank?: number | null;
}

/** Notes with an index on each field and a compound `[folder+rank]` one. */
export class IndexedNote extends Model<NoteAttributes> {
  static override table = 'indexed_notes';
  static override indexes = ['title', 'rank', 'folder', '[folder+rank]'];
}

/** The same notes without any index but the primary key: every read is a filtered scan. */
export class PlainNote extends Model<NoteAttributes> {
  static override table = 'plain_notes';
}

/** `count` notes: titles `note 00000`..., folders 0-9, ranks counting down from `count`. */
export function manyNotes(count: number): NoteAttributes[] {
  return Array.from({ length: count }, (_, i) => ({
    title: `note ${String(i).padStart(5, '0')}`,
    folder: i % 10,
    rank: count - i,
  }));
}
