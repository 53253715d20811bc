import { createHmac } from 'node:crypto';

/**
 * The key of a keyed audit chain (`AUDIT_SIGNING_KEY`): every chain hash becomes an HMAC-SHA256, which someone with
 * write access to the tables but without the key cannot recompute. The id names the key in each event it signed
 * without revealing it, so a verifier can tell "signed with another key" from "edited".
 */
export interface SigningKey {
    readonly id: string;
    sign(text: string): string;
}

export function signingKeyFrom(secret: string): SigningKey {
    const hmac = (text: string) => createHmac('sha256', secret).update(text).digest('hex');
    return { id: hmac('bc-signout audit signing key id').slice(0, 16), sign: hmac };
}
