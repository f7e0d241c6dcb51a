import type { Observable } from 'rxjs';
import {
  type BelongsTo,
  type BelongsToMany,
  Database,
  type HasMany,
  Model,
  type ModelClass,
  type WithPivot,
} from '../../src/index.js';

export interface UserAttributes {
  id?: number;
  name: string;
  country_id?: number | null;
}
export interface PostAttributes {
  id?: number;
  user_id?: number | null;
  title: string;
  published?: boolean;
  likes?: number;
  created_at?: Date;
}

export interface TagAttributes {
  id?: number;
  name: string;
}
export interface PostTagAttributes {
  post_id: number;
  tag_id: number;
  added_by?: string;
}

/** The models of API.md §10–13, for the relation kinds beyond HasOne. */
export class User extends Model<UserAttributes> {
  static override table = 'users';

  postsRelation(): HasMany<User, Post> {
    return this.hasMany(Post, 'user_id', 'id');
  }
  get posts$(): Observable<Post[]> {
    return this.postsRelation().observe();
  }
}

export class Post extends Model<PostAttributes> {
  static override table = 'posts';

  authorRelation(): BelongsTo<Post, User> {
    return this.belongsTo(User, 'user_id', 'id');
  }
  tagsRelation(): BelongsToMany<Post, Tag, PostTagAttributes> {
    return this.belongsToMany(Tag);
  }
  get tags$(): Observable<WithPivot<Tag, PostTagAttributes>[]> {
    return this.tagsRelation().observe();
  }
}

export class Tag extends Model<TagAttributes> {
  static override table = 'tags';

  postsRelation(): BelongsToMany<Tag, Post, PostTagAttributes> {
    return this.belongsToMany(Post);
  }
}

export const BLOG_MODELS: readonly ModelClass[] = [User, Post, Tag];

let databases = 0;

/** A new, empty database of the blog models, under a name no other test uses. */
export function blogDatabase(models: readonly ModelClass[] = BLOG_MODELS): Database {
  databases += 1;
  return new Database(`dexorm-blog-${databases}-${Math.random().toString(36).slice(2)}`, {
    models,
  });
}
