/**
 * Writes signout-request.schema.json, the JSON Schema of a queue message from an ITSM tool, from the one request
 * schema in src (zod). Run `npx tsx integrations/servicenow/generateSchema.ts` after changing the request schema;
 * test/unit/ecosystem/servicenowKit.test.ts fails while the committed file differs from what this produces.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { REQUEST_SCHEMA_VERSION, requestInputSchema, type RequestPolicy } from '../../src/core/request/signOutRequest';
import { GUID_PATTERN, UPN_PATTERN } from '../../src/core/request/patterns';
import { SETTINGS } from '../../src/settings';

export const SCHEMA_PATH = path.join(__dirname, 'signout-request.schema.json');

type RequestField = keyof z.input<ReturnType<typeof requestInputSchema>>;

/** One per field: a new field in the request schema does not compile until it is described here. */
const DESCRIPTIONS: Record<RequestField, string> = {
    schemaVersion: `Version of this message format; ${REQUEST_SCHEMA_VERSION} when given.`,
    requestId:
        'Id of the request. Leave it out: the service derives it from the ticket and what is asked, so a message delivered twice runs once.',
    tenantId: "Entra tenant to act in, when the deployment serves several. Default: the deployment's tenant.",
    users: 'Users to sign out: user principal names (name@contoso.com) or Entra object ids.',
    environments:
        'Business Central environment names, or "all" (the default) for every active environment. Leave it out when choosing environments by type.',
    environmentTypes:
        'Instead of names: every active environment of these types ("Production", "Sandbox"). Not together with environments.',
    applicationFamily: 'Business Central application family.',
    actions:
        'What to do. Default: revoke Entra sessions and cancel Business Central sessions; no block, no disable. A hold is {"mode": "off" | "permanent"}, {"mode": "for", "minutes": n} or {"mode": "until", "until": "<ISO 8601 with offset>"}.',
    watchMinutes: 'For how many minutes reconnecting sessions keep being cancelled.',
    reason: 'Why the users are signed out; kept in the audit trail.',
    requestedBy: 'Who asked for the sign-out (e.g. the approver); kept in the audit trail.',
    ticket: 'The ticket the request belongs to. Required for ITSM messages: it names the record results go back to and makes redelivery safe.',
    callbackUrl:
        "https URL the service posts the final result to; its host must be on the deployment's CALLBACK_ALLOWED_HOSTS.",
    dryRun: 'Report what would be done without doing it.',
};

/** Deployment defaults. Tenants and callback hosts are checked by refinements, which JSON Schema cannot express. */
function defaultPolicy(): RequestPolicy {
    const maxUsers = SETTINGS.find((setting) => setting.name === 'MAX_USERS_PER_REQUEST')?.defaultValue;
    return { maxUsers: Number(maxUsers), defaultTenantId: '', allowedTenantIds: [], callbackHosts: [] };
}

type JsonSchemaObject = Record<string, unknown> & { properties: Record<string, Record<string, unknown>> };

export function buildQueueMessageSchema(): Record<string, unknown> {
    // A message from an ITSM tool must name its ticket (see DESCRIPTIONS.ticket); everything else is the API's schema.
    const messageSchema = requestInputSchema(defaultPolicy()).required({ ticket: true });
    const generated = z.toJSONSchema(messageSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchemaObject;

    const properties = generated.properties;
    for (const [name, description] of Object.entries(DESCRIPTIONS)) {
        const property = properties[name];
        if (!property) throw new Error(`the request schema has no field ${name}: update DESCRIPTIONS`);
        property.description = description;
    }
    // Refinements are lost in JSON Schema; these patterns say the same for senders. The service trims whitespace
    // before checking, so the schema is, if anything, stricter than the service.
    const users = properties.users as { items: Record<string, unknown> };
    users.items.pattern = `${GUID_PATTERN.source}|${UPN_PATTERN.source}`;
    Object.assign(properties.callbackUrl ?? {}, { format: 'uri', pattern: '^https://' });

    const { $schema, ...rest } = generated;
    return {
        $schema,
        $id: 'urn:bc-force-signout:signout-request:v1',
        title: 'bc-force-signout queue message',
        description:
            'A sign-out request put on the request queue (default signout-requests) by an ITSM tool. The message text is this JSON, UTF-8, base64-encoded; at most 64 KiB encoded. Unknown fields are rejected. Generated from src/core/request/signOutRequest.ts by integrations/servicenow/generateSchema.ts: do not edit.',
        ...rest,
    };
}

if (require.main === module) {
    fs.writeFileSync(SCHEMA_PATH, `${JSON.stringify(buildQueueMessageSchema(), null, 2)}\n`);
    console.log(`wrote ${path.relative(process.cwd(), SCHEMA_PATH)}`);
}
