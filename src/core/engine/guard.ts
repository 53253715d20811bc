import type { DirectoryUser } from '../ports/directory';

/** A B2B guest: revocation in this tenant is not effective (platform-facts §1). */
export function isGuest(user: DirectoryUser): boolean {
    return user.userType?.toLowerCase() === 'guest' || user.userPrincipalName.toUpperCase().includes('#EXT#');
}
