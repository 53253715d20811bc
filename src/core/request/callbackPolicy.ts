/**
 * Why a callback URL is refused, or undefined when it is allowed: https, no credentials, a host on the allow-list.
 * An entry allows the default port only, unless it names one (`hooks.example.com:8443`).
 */
export function callbackUrlProblem(value: string, allowedHosts: readonly string[]): string | undefined {
    let url: URL;
    try {
        url = new URL(value);
    } catch {
        return 'must be an absolute URL';
    }
    if (url.protocol !== 'https:') return 'must use https';
    if (url.username || url.password) return 'must not carry credentials';
    const host = url.hostname.toLowerCase();
    const port = url.port || '443';
    const allowed = allowedHosts.some((entry) => {
        const [pattern = '', entryPort = '443'] = entry.toLowerCase().split(':');
        return entryPort === port && hostMatches(host, pattern);
    });
    return allowed ? undefined : `host ${url.host} is not on the callback allow-list (CALLBACK_ALLOWED_HOSTS)`;
}

/** `*.service-now.com` allows any sub-domain, never the bare domain; anything else must match exactly. */
function hostMatches(host: string, pattern: string): boolean {
    if (pattern.startsWith('*.')) return host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1;
    return host === pattern;
}
