import fs from 'node:fs';
import path from 'node:path';
import { FIXTURE } from './fixture';

const EXAMPLE = path.join(__dirname, '..', '..', 'local.settings.example.json');

/** The fixture's protected accounts, as the app's settings name them: never touched, whatever is asked. */
export const FIXTURE_PROTECTION = {
    PROTECTED_USERS: FIXTURE.users.breakglass.userPrincipalName,
    PROTECTED_GROUP_IDS: FIXTURE.groups.protectedAdmins.id,
} as const;

export interface LocalSettingsFile {
    IsEncrypted: false;
    Values: Record<string, string>;
}

/**
 * A complete local.settings.json that points the app at a running simulator and at Azurite on its default ports
 * (`npm run azurite`): every setting of local.settings.example.json, with the simulator's endpoints and made-up
 * credentials, development storage and the fixture's protected accounts.
 */
export function localSettingsFor(simulatorSettings: Record<string, string>): LocalSettingsFile {
    const example = JSON.parse(fs.readFileSync(EXAMPLE, 'utf8')) as { Values: Record<string, string> };
    return {
        IsEncrypted: false,
        Values: {
            ...example.Values,
            ...simulatorSettings,
            AzureWebJobsStorage: 'UseDevelopmentStorage=true',
            ...FIXTURE_PROTECTION,
        },
    };
}
