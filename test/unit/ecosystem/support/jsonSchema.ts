import type { Options } from 'ajv';
import type AjvCore from 'ajv/dist/core';
import Ajv2020 from 'ajv/dist/2020';
import AjvDraft04 from 'ajv-draft-04';

/** RFC 3339 date-time with an offset, as the service's parser wants it; ajv-formats is not a dependency. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/i;

function withFormats<T extends AjvCore>(ajv: T): T {
    ajv.addFormat('date-time', DATE_TIME);
    ajv.addFormat('uri', (value: string) => URL.canParse(value));
    ajv.addFormat('uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
    // Used by the Power Platform schemas for fields of the connector documents.
    ajv.addFormat('email', /^[^\s@]+@[^\s@]+$/);
    ajv.addFormat('regex', (value: string) => {
        try {
            new RegExp(value, 'u');
            return true;
        } catch {
            return false;
        }
    });
    return ajv;
}

/** For the generated queue-message schema (zod writes draft 2020-12). */
export function draft2020(options: Options = {}): Ajv2020 {
    return withFormats(new Ajv2020({ allErrors: true, ...options }));
}

/** For the Power Platform schemas (draft-04) and the connector's own schemas. */
export function draft04(options: Options = {}): AjvDraft04 {
    const ajv = withFormats(new AjvDraft04({ allErrors: true, ...options }));
    // Swagger's integer format; Power Automate reads it to pick a number input.
    ajv.addFormat('int32', {
        type: 'number',
        validate: (value: number) => Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31,
    });
    return ajv;
}
