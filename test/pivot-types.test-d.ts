import { describe, it } from 'vitest';
import { Model, morphWith } from '../src/index.js';
import { Comment, type Post } from './support/blog.js';

declare const post: Post;

class Article extends Model<{ id?: number; title: string }> {
  static override readonly table = 'articles';
}
class Clip extends Model<{ id?: number; seconds: number }> {
  static override readonly table = 'clips';
}
class Remark extends Model<{ id?: number; about_type: string | null; about_id: number | null }> {
  static override table = 'remarks';
  aboutRelation() {
    return this.morphTo('about', [Article, Clip]);
  }
  authorRelation() {
    return this.belongsTo(Article, 'about_id');
  }
}

describe('pivot and morph load types', () => {
  it('checks wherePivot field names and values against the pivot type', () => {
    post.tagsRelation().wherePivot('added_by', 'ada');
    post.tagsRelation().wherePivotIn('added_by', ['ada', 'grace']);
    post.tagsRelation().wherePivotNull('added_by');
    // @ts-expect-error the pivot has no 'added'
    post.tagsRelation().wherePivot('added', 'ada');
    // @ts-expect-error added_by holds strings
    post.tagsRelation().wherePivot('added_by', 7);
  });

  it('takes morphWith under a relation name, with callbacks or relation names per table', () => {
    Comment.query().with({
      commentable: morphWith({
        posts: (query) => query.where('published', true),
        videos: ['comments'],
      }),
    });
    // @ts-expect-error a per-table load is a callback or a list of names
    morphWith({ posts: 42 });
  });

  it('checks morphWith table names when the owner models declare their tables readonly', () => {
    Remark.query().with({ about: morphWith({ articles: (query) => query.limit(1), clips: [] }) });
    Remark.query().with({ about: morphWith({ clips: [] }) });
    // @ts-expect-error 'posts' is not a table the MorphTo reaches
    Remark.query().with({ about: morphWith({ posts: [] }) });
    // @ts-expect-error morphWith goes under a MorphTo only
    Remark.query().with({ author: morphWith({ articles: [] }) });
  });
});
