import type { Observable } from 'rxjs';
import { type BelongsTo, Database, type HasOne, Model } from '../src/index.js';

/** The bench's own fixture models: the User/Profile pair of the API contract. */
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
}

/** A new, empty bench database under a name no earlier run used. */
export function benchDatabase(): Database {
  const suffix = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  return new Database(`dexorm-bench-${suffix}`, { models: [User, Profile] });
}
