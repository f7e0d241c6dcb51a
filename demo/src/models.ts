import {
  type BelongsTo,
  Database,
  type HasMany,
  type HasOne,
  Model,
  type MorphMany,
  type MorphToMany,
  ValidationError,
} from 'dexorm';
import type { Observable } from 'rxjs';

export interface UserAttributes {
  id?: number;
  name: string;
  email: string;
}

export interface ProfileAttributes {
  id?: number;
  user_id?: number | null;
  bio: string;
  website?: string;
  location?: string;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export class User extends Model<UserAttributes> {
  static override table = 'users';
  static override indexes = ['&email', 'name'];

  profileRelation(): HasOne<User, Profile> {
    return this.hasOne(Profile, 'user_id', 'id');
  }

  get profile$(): Observable<Profile | null> {
    return this.profileRelation().observe();
  }

  /** Deleting a user deletes their posts, and with them the posts' comments and tag pairs. */
  postsRelation(): HasMany<User, Post> {
    return this.hasMany(Post, 'user_id').onDelete('cascade');
  }

  /** Deleting a user deletes their videos too. */
  videosRelation(): HasMany<User, Video> {
    return this.hasMany(Video, 'user_id').onDelete('cascade');
  }

  /** Checks the form's input before it reaches IndexedDB; `create()` goes through here too. */
  override async save(): Promise<this> {
    if (typeof this.name !== 'string' || this.name.trim() === '') {
      throw new ValidationError('User (table "users"): "name" must not be empty', {
        model: 'User',
        table: 'users',
        field: 'name',
      });
    }
    if (typeof this.email !== 'string' || !EMAIL.test(this.email)) {
      throw new ValidationError(
        `User (table "users"): "email" must look like name@example.com, not "${String(this.email)}"`,
        { model: 'User', table: 'users', field: 'email' },
      );
    }
    return super.save();
  }
}

export class Profile extends Model<ProfileAttributes> {
  static override table = 'profiles';

  userRelation(): BelongsTo<Profile, User> {
    return this.belongsTo(User, 'user_id', 'id');
  }

  get user$(): Observable<User | null> {
    return this.userRelation().observe();
  }
}

/** A row of the one `taggables` pivot that tags posts and videos alike. */
export interface Tagging {
  tag_id: number;
  /** The tagged model's table: `'posts'` or `'videos'`. */
  taggable_type: string;
  taggable_id: number;
  /** Who attached the tag: a pivot attribute. */
  added_by?: string;
}

export interface PostAttributes {
  id?: number;
  user_id?: number | null;
  title: string;
  created_at?: Date;
  updated_at?: Date;
  deleted_at?: Date | null;
}

/** Posts keep timestamps, and a delete moves them to the trash (`deleted_at`) until restored. */
export class Post extends Model<PostAttributes> {
  static override table = 'posts';
  static override timestamps = true;
  static override softDeletes = true;

  /** Polymorphic many-to-many: posts and videos share one `taggables` pivot. */
  tagsRelation(): MorphToMany<Post, Tag, Tagging> {
    return this.morphToMany(Tag, 'taggable');
  }

  /** Polymorphic: a comment names the table of what it is on (`commentable_type = 'posts'`). */
  commentsRelation(): MorphMany<Post, Comment> {
    return this.morphMany(Comment, 'commentable').onDelete('cascade');
  }
}

export class Video extends Model<{ id?: number; user_id?: number | null; title: string }> {
  static override table = 'videos';

  tagsRelation(): MorphToMany<Video, Tag, Tagging> {
    return this.morphToMany(Tag, 'taggable');
  }
}

export class Tag extends Model<{ id?: number; name: string }> {
  static override table = 'tags';

  /** The inverse side of the same pivot: the posts tagged with this tag. */
  postsRelation(): MorphToMany<Tag, Post, Tagging> {
    return this.morphedByMany(Post, 'taggable');
  }

  videosRelation(): MorphToMany<Tag, Video, Tagging> {
    return this.morphedByMany(Video, 'taggable');
  }
}

export class Comment extends Model<{
  id?: number;
  body: string;
  commentable_type?: string | null;
  commentable_id?: number | null;
}> {
  static override table = 'comments';
}

/** One database for the whole page; every tab of this origin opens the same one. */
export const db = new Database('dexorm-demo', {
  models: [User, Profile, Post, Video, Tag, Comment],
});
