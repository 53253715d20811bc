import { corruptEntity } from './storageErrors';

/** Typed reads of entity properties: the table returns `unknown`, and a missing required field is damage. */

export function requiredString(entity: Record<string, unknown>, name: string): string {
    const value = entity[name];
    if (typeof value !== 'string') throw corruptEntity(`${describe(entity)} has no ${name}`);
    return value;
}

export function optionalString(entity: Record<string, unknown>, name: string): string | undefined {
    const value = entity[name];
    return typeof value === 'string' ? value : undefined;
}

export function requiredNumber(entity: Record<string, unknown>, name: string): number {
    const value = entity[name];
    if (typeof value !== 'number') throw corruptEntity(`${describe(entity)} has no ${name}`);
    return value;
}

export function optionalNumber(entity: Record<string, unknown>, name: string): number | undefined {
    const value = entity[name];
    return typeof value === 'number' ? value : undefined;
}

function describe(entity: Record<string, unknown>): string {
    return `entity (${String(entity.partitionKey)}, ${String(entity.rowKey)})`;
}
