/**
 * The listed environments a request chose by type, or all of them when it names no type. The type is compared
 * without case; an environment the service lists without a type is not known to be of any, so it is never taken
 * for one.
 */
export function environmentsOfTypes<T extends { type?: string }>(
    listed: readonly T[],
    types: readonly string[] | undefined,
): T[] {
    if (!types) return [...listed];
    const wanted = new Set(types.map((type) => type.toLowerCase()));
    return listed.filter((env) => env.type !== undefined && wanted.has(env.type.toLowerCase()));
}
