import { Database, type HasMany, Model } from 'dexorm';

export class Author extends Model<{ id?: number; name: string }> {
  static override table = 'authors';
  postsRelation(): HasMany<Author, Post> {
    return this.hasMany(Post, 'author_id');
  }
}
export class Post extends Model<{ id?: number; author_id?: number | null; title: string }> {
  static override table = 'posts';
}
export const db = new Database('snippets', { models: [Author, Post] });
