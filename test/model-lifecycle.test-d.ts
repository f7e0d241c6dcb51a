import * as v from 'valibot';
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  type GlobalScopes,
  Model,
  type ModelHooks,
  type ModelSchema,
  type QueryBuilder,
} from '../src/index.js';
import {
  Article,
  Attachment,
  type Folder,
  Note,
  type NoteAttributes,
} from './support/lifecycle-models.js';

describe('lifecycle types', () => {
  it('checks a schema output against the attributes, for zod and valibot', () => {
    const matching: ModelSchema<NoteAttributes> = z.object({ title: z.string() });
    expectTypeOf(matching).not.toBeAny();
    // @ts-expect-error a number where the attributes have a string title
    const wrongZod: ModelSchema<NoteAttributes> = z.object({ title: z.number() });
    // @ts-expect-error valibot too
    const wrongValibot: ModelSchema<NoteAttributes> = v.object({ title: v.boolean() });
    void wrongZod;
    void wrongValibot;
  });

  it('types hooks by the model they are given', () => {
    const hooks: ModelHooks<Note> = {
      saving: (note) => {
        expectTypeOf(note).toEqualTypeOf<Note>();
      },
    };
    void hooks;
    // @ts-expect-error a hook for folders given to notes
    const wrong: ModelHooks<Note> = { saving: (folder: Folder) => void folder.notesRelation() };
    void wrong;
    class Other extends Model<{ id?: number; name: string }> {
      static override table = 'others';
      // @ts-expect-error the hooks of another model
      static override hooks: ModelHooks<Other> = { creating: (note: Note) => void note.title };
    }
    void Other;
  });

  it('types scopes with the model queried', () => {
    const scopes: GlobalScopes<Article> = {
      // @ts-expect-error 'published' is a boolean
      wrong: (query) => query.where('published', 'yes'),
      right: (query) => query.where('published', true),
    };
    void scopes;
  });

  it('offers withTrashed() and onlyTrashed() only on models with a soft-delete column', () => {
    expectTypeOf(Note.withTrashed()).toEqualTypeOf<QueryBuilder<Note>>();
    expectTypeOf(Note.query().onlyTrashed()).toEqualTypeOf<QueryBuilder<Note>>();
    // @ts-expect-error attachments do not soft-delete
    Attachment.withTrashed();
    // @ts-expect-error nor on a query
    Attachment.query().onlyTrashed();
    // @ts-expect-error articles neither
    Article.query().withTrashed();
  });

  it('types the instance methods', () => {
    expectTypeOf<Note['trashed']>().returns.toEqualTypeOf<boolean>();
    expectTypeOf<Note['restore']>().returns.toEqualTypeOf<Promise<Note>>();
    expectTypeOf<Note['forceDelete']>().returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf<Note['touch']>().returns.toEqualTypeOf<Promise<Note>>();
  });
});
