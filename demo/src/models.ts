import { type BelongsTo, Database, type HasOne, Model, ValidationError } from 'dexorm';
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

/** One database for the whole page; every tab of this origin opens the same one. */
export const db = new Database('dexorm-demo', { models: [User, Profile] });
