import { describe, it } from 'vitest';
import { morphWith } from '../src/index.js';
import { Comment, type Post } from './support/blog.js';

declare const post: Post;

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
});
