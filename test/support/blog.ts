import type { Observable } from 'rxjs';
import {
  type BelongsTo,
  type BelongsToMany,
  Database,
  type HasMany,
  type HasManyThrough,
  type HasOneOfMany,
  type HasOneThrough,
  Model,
  type ModelClass,
  type MorphMany,
  type MorphOne,
  type MorphTo,
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
  created_at?: Date;
  updated_at?: Date;
}

export interface CommentAttributes {
  id?: number;
  body: string;
  commentable_type?: string | null;
  commentable_id?: number | null;
}
export interface VideoAttributes {
  id?: number;
  title: string;
}
export interface ImageAttributes {
  id?: number;
  url: string;
  imageable_type?: string | null;
  imageable_id?: number | null;
}
export interface CountryAttributes {
  id?: number;
  name: string;
}

/** The models of API.md §10–13, for the relation kinds beyond HasOne. */
export class User extends Model<UserAttributes> {
  static override table = 'users';

  postsRelation(): HasMany<User, Post> {
    return this.hasMany(Post, 'user_id', 'id');
  }
  latestPostRelation(): HasOneOfMany<User, Post> {
    return this.hasMany(Post, 'user_id').latestOfMany('created_at');
  }
  firstPostRelation(): HasOneOfMany<User, Post> {
    return this.hasMany(Post, 'user_id').oldestOfMany('created_at');
  }
  leastLikedPostRelation(): HasOneOfMany<User, Post> {
    return this.hasMany(Post, 'user_id').ofMany('likes', 'min');
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
  /** The tags Grace added: a pivot filter. */
  gracesTagsRelation(): BelongsToMany<Post, Tag, PostTagAttributes> {
    return this.belongsToMany<this, Tag, PostTagAttributes>(Tag).wherePivot('added_by', 'grace');
  }
  /** The same pairs, their pivot rows stamped. */
  stampedTagsRelation(): BelongsToMany<Post, Tag, PostTagAttributes> {
    return this.belongsToMany<this, Tag, PostTagAttributes>(Tag).withTimestamps();
  }
  get tags$(): Observable<WithPivot<Tag, PostTagAttributes>[]> {
    return this.tagsRelation().observe();
  }
  commentsRelation(): MorphMany<Post, Comment> {
    return this.morphMany(Comment, 'commentable');
  }
}

export class Video extends Model<VideoAttributes> {
  static override table = 'videos';

  commentsRelation(): MorphMany<Video, Comment> {
    return this.morphMany(Comment, 'commentable');
  }
  thumbnailRelation(): MorphOne<Video, Image> {
    return this.morphOne(Image, 'imageable');
  }
}

export class Comment extends Model<CommentAttributes> {
  static override table = 'comments';

  commentableRelation(): MorphTo<Comment, Post | Video> {
    return this.morphTo('commentable', [Post, Video]);
  }
}

export class Image extends Model<ImageAttributes> {
  static override table = 'images';

  imageableRelation(): MorphTo<Image, Video> {
    return this.morphTo('imageable', [Video]);
  }
}

export class Country extends Model<CountryAttributes> {
  static override table = 'countries';

  postsRelation(): HasManyThrough<Country, Post, User> {
    return this.hasManyThrough(Post, User);
  }
  firstPostRelation(): HasOneThrough<Country, Post, User> {
    return this.hasOneThrough(Post, User);
  }
}

export class Tag extends Model<TagAttributes> {
  static override table = 'tags';

  postsRelation(): BelongsToMany<Tag, Post, PostTagAttributes> {
    return this.belongsToMany(Post);
  }
}

export const BLOG_MODELS: readonly ModelClass[] = [User, Post, Tag, Video, Comment, Image, Country];

let databases = 0;

/** A new, empty database of the blog models, under a name no other test uses. */
export function blogDatabase(models: readonly ModelClass[] = BLOG_MODELS): Database {
  databases += 1;
  return new Database(`dexorm-blog-${databases}-${Math.random().toString(36).slice(2)}`, {
    models,
  });
}
