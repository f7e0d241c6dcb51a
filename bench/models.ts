import { Database } from '../src/index.js';
import { Profile, User } from '../test/support/models.js';

/** The fixture models of the tests, the User/Profile pair of the API contract. */
export { Profile, User };

/** A new, empty bench database under a name no earlier run used. */
export function benchDatabase(): Database {
  const suffix = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  return new Database(`dexorm-bench-${suffix}`, { models: [User, Profile] });
}
