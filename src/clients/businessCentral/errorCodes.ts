import { field, stringField } from './fields';

/** Admin Center errors are `{ code, message, target?, clientError? }` (platform-facts §2). */
export function adminErrorCode(body: unknown): string | undefined {
    return stringField(body, 'code');
}

/** The Automation API speaks OData: `{ error: { code, message } }`. */
export function odataErrorCode(body: unknown): string | undefined {
    return stringField(field(body, 'error'), 'code');
}
