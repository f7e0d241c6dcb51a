import * as v from 'valibot';
import { z } from 'zod';
import {
  type BelongsTo,
  Database,
  type GlobalScopes,
  type HasMany,
  type HasManyThrough,
  type HasOneOfMany,
  Model,
  type ModelHooks,
  type ModelSchema,
} from '../../src/index.js';

export interface FolderAttributes {
  id?: number;
  workspace_id?: number | null;
  name: string;
  created_at?: Date;
  updated_at?: Date;
  deleted_at?: Date | null;
}

export interface NoteAttributes {
  id?: number;
  folder_id?: number | null;
  title: string;
  created_at?: Date;
  updated_at?: Date;
  deleted_at?: Date | null;
}

export interface AttachmentAttributes {
  id?: number;
  note_id?: number | null;
  name: string;
}

export interface PinAttributes {
  id?: number;
  folder_id?: number | null;
  label: string;
  removed_at?: Date | null;
}

export interface ArticleAttributes {
  id?: number;
  title: string;
  published: boolean;
  rating?: number;
}

/** A workspace of folders, and of the notes in them (through the folders). */
export class Workspace extends Model<{ id?: number; name: string }> {
  static override table = 'workspaces';
  foldersRelation(): HasMany<Workspace, Folder> {
    return this.hasMany(Folder, 'workspace_id');
  }
  notesRelation(): HasManyThrough<Workspace, Note, Folder> {
    return this.hasManyThrough(Note, Folder, 'workspace_id', 'folder_id');
  }
}

/** A folder: timestamps and soft deletes; its notes cascade, its pins restrict. */
export class Folder extends Model<FolderAttributes> {
  static override table = 'folders';
  static override timestamps = true;
  static override softDeletes = true;
  notesRelation(): HasMany<Folder, Note> {
    return this.hasMany(Note, 'folder_id').onDelete('cascade');
  }
  latestNoteRelation(): HasOneOfMany<Folder, Note> {
    return this.hasMany(Note, 'folder_id').latestOfMany('id');
  }
  pinsRelation(): HasMany<Folder, Pin> {
    return this.hasMany(Pin, 'folder_id').onDelete('restrict');
  }
}

/** A note: timestamps, soft deletes, a zod schema, touches its folder; attachments cascade. */
export class Note extends Model<NoteAttributes> {
  static override table = 'notes';
  static override timestamps = true;
  static override softDeletes = true;
  static override touches = ['folder'];
  static override schema: ModelSchema<NoteAttributes> = z.object({
    id: z.number().optional(),
    folder_id: z.number().nullable().optional(),
    title: z.string().min(1, 'a title is needed'),
    created_at: z.date().optional(),
    updated_at: z.date().optional(),
    deleted_at: z.date().nullable().optional(),
  });
  folderRelation(): BelongsTo<Note, Folder> {
    return this.belongsTo(Folder, 'folder_id');
  }
  attachmentsRelation(): HasMany<Note, Attachment> {
    return this.hasMany(Attachment, 'note_id').onDelete('cascade');
  }
}

/** An attachment: no soft deletes, so a soft delete's cascade leaves it. */
export class Attachment extends Model<AttachmentAttributes> {
  static override table = 'attachments';
}

/** A pin: soft deletes in a column of its own name; its delete and restore hooks logged. */
export class Pin extends Model<PinAttributes> {
  static override table = 'pins';
  static override softDeletes = 'removed_at';
  static override hooks: ModelHooks<Pin> = {
    deleting: (pin) => pinLog('deleting', pin),
    deleted: (pin) => pinLog('deleted', pin),
    restoring: (pin) => pinLog('restoring', pin),
    restored: (pin) => pinLog('restored', pin),
  };
}

function pinLog(name: string, pin: Pin): void {
  hookLog.push(`${name}:${pin.label}:${pin.trashed() ? 'trashed' : 'kept'}`);
  if (name === hookBehaviour.fail) throw new Error(`${name} refused`);
}

/** What the hooks of {@link Article} saw, in order. */
export const hookLog: string[] = [];

/** What the hooks of {@link Article} do besides logging; tests set it. */
export const hookBehaviour: {
  fail?: string;
  change?: (article: Article) => Promise<unknown> | undefined;
} = {};

function logged(name: string) {
  return async (article: Article) => {
    hookLog.push(`${name}:${article.title}`);
    if (name === hookBehaviour.fail) throw new Error(`${name} refused`);
    if (name.endsWith('ing')) await hookBehaviour.change?.(article);
  };
}

/** An article: every hook logged, a global scope of published articles, a valibot schema. */
export class Article extends Model<ArticleAttributes> {
  static override table = 'articles';
  static override scopes: GlobalScopes<Article> = {
    published: (query) => query.where('published', true),
  };
  static override hooks: ModelHooks<Article> = {
    creating: logged('creating'),
    created: logged('created'),
    updating: logged('updating'),
    updated: logged('updated'),
    saving: logged('saving'),
    saved: logged('saved'),
    deleting: logged('deleting'),
    deleted: logged('deleted'),
  };
  static override schema: ModelSchema<ArticleAttributes> = v.object({
    id: v.optional(v.number()),
    title: v.pipe(v.string(), v.maxLength(40, 'at most 40 characters')),
    published: v.boolean(),
    rating: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(5))),
  });
}

let count = 0;

/** A fresh database of the lifecycle models. */
export function lifecycleDatabase(): Database {
  count += 1;
  return new Database(`dexorm-lifecycle-${count}-${Math.random().toString(36).slice(2)}`, {
    models: [Workspace, Folder, Note, Attachment, Pin, Article],
  });
}
