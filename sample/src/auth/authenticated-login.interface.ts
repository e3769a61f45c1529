import type { StoredUser } from '../users/stored-user.interface';
import type { PublicProfile } from './public-profile';

/** What the login's `validateUser` hook puts on `request.user`. */
export interface AuthenticatedLogin {
  user: StoredUser;
  profile: PublicProfile;
}
