/** A B2B guest: revocation in this tenant is not effective (platform-facts §1). */
export function isGuest(user: { userType?: string | null; userPrincipalName?: string }): boolean {
    return user.userType?.toLowerCase() === 'guest' || (user.userPrincipalName ?? '').toUpperCase().includes('#EXT#');
}
