/** How the host decodes a queue message: base64 text; JSON reaches the handler parsed (platform-facts §5). */
export function decodeHostMessage(messageText: string): unknown {
    const text = Buffer.from(messageText, 'base64').toString('utf8');
    try {
        return JSON.parse(text) as unknown;
    } catch {
        return text;
    }
}
