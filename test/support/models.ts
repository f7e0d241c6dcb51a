import type { Observable } from 'rxjs';
import { type BelongsTo, Database, type HasOne, Model } from '../../src/index.js';

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

export class User extends Model<UserAttributes> {
  static override table = 'users';
  static override indexes = ['&email', 'name'];

  profileRelation(): HasOne<User, Profile> {
    return this.hasOne(Profile, 'user_id', 'id');
  }

  get profile$(): Observable<Profile | null> {
    return this.profileRelation().observe();
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

let databases = 0;

/** A new, empty database with User and Profile, under a name no other test uses. */
export function freshDatabase(models = [User, Profile]): Database {
  databases += 1;
  return new Database(`dexorm-test-${databases}-${Math.random().toString(36).slice(2)}`, {
    models,
  });
}

/** Creates a user named `name`, with an email made from the name. */
export function user(name: string): Promise<User> {
  return User.create({ name, email: `${name.toLowerCase()}@example.com` });
}
