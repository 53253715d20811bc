import { createHash, randomBytes, randomUUID } from 'node:crypto';

/** Deterministic PRNG (mulberry32): fault rates and batch answer order repeat from run to run. */
export function seededRandom(seed: number): () => number {
    let state = seed >>> 0;
    return () => {
        state = (state + 0x6d2b79f5) >>> 0;
        let t = state;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

/** Fisher-Yates with the given PRNG; never returns the input order when it has more than one item. */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
    const result = [...items];
    for (let i = result.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [result[i], result[j]] = [result[j] as T, result[i] as T];
    }
    if (result.length > 1 && result.every((item, index) => item === items[index])) result.reverse();
    return result;
}

/** A stable GUID for a fixture label, so fixture ids are constants and not random per run. */
export function labelGuid(label: string): string {
    const hex = createHash('sha256').update(label).digest('hex');
    const variant = ((parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** An opaque bearer token: clients must not rely on access tokens being JWTs. */
export function opaqueToken(): string {
    return randomBytes(36).toString('base64url');
}

export const newRequestId = (): string => randomUUID();
