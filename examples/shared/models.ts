import {
  type BelongsTo,
  type BelongsToMany,
  Database,
  type HasMany,
  type HasOne,
  Model,
} from 'dexorm';

export class User extends Model<{ id?: number; name: string }> {
  static override table = 'users';
  static override modelName = 'User';
  profileRelation(): HasOne<User, Profile> {
    return this.hasOne(Profile, 'user_id').onDelete('cascade');
  }
  postsRelation(): HasMany<User, Post> {
    return this.hasMany(Post, 'user_id').onDelete('cascade');
  }
}

export class Profile extends Model<{ id?: number; user_id?: number | null; bio: string }> {
  static override table = 'profiles';
  static override modelName = 'Profile';
}

export interface PostAttributes {
  id?: number;
  user_id?: number | null;
  title: string;
  created_at?: Date;
  updated_at?: Date;
  deleted_at?: Date | null;
}

/** Posts keep timestamps, and deleting one moves it to the trash until it is restored. */
export class Post extends Model<PostAttributes> {
  static override table = 'posts';
  static override modelName = 'Post';
  static override timestamps = true;
  static override softDeletes = true;
  authorRelation(): BelongsTo<Post, User> {
    return this.belongsTo(User, 'user_id');
  }
  tagsRelation(): BelongsToMany<Post, Tag> {
    return this.belongsToMany(Tag);
  }
}

export class Tag extends Model<{ id?: number; name: string }> {
  static override table = 'tags';
  static override modelName = 'Tag';
}

/** The example's database; `name` keeps the two example apps apart in one browser. */
export function openDatabase(name: string): Database {
  return new Database(name, { models: [User, Profile, Post, Tag] });
}

/** Adds a post to `user` with tags named in `tags` (comma-separated), in one transaction. */
export async function addPost(
  db: Database,
  user: User,
  title: string,
  tags: string,
): Promise<void> {
  await db.transaction(async () => {
    const post = await user.postsRelation().create({ title });
    const names = tags
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name !== '');
    for (const name of names) {
      const tag = (await Tag.where('name', name).first()) ?? (await Tag.create({ name }));
      await post.tagsRelation().syncWithoutDetaching([tag]);
    }
  });
}
