import fs from 'node:fs';
import path from 'node:path';
import { auditTableNames } from '../../../src/clients/audit/tableNames';
import { ALL_ROLES } from '../../../src/core/callers/roles';
import { SETTINGS } from '../../../src/settings';
import { maskStringsAndComments, readObjectVariable, readParameters } from './support/bicep';

const repoRoot = path.join(__dirname, '../../..');
const infraDir = path.join(repoRoot, 'infra');
const read = (relative: string) => fs.readFileSync(path.join(repoRoot, relative), 'utf8');

/**
 * Settings Bicep may set although no code in src reads them, each with who reads it (the Application Insights
 * settings the host reads, the app reads too: src/settings.ts). Anything else Bicep sets must be in SETTINGS, so a
 * setting nobody reads cannot linger.
 */
const HOST_SETTINGS: Record<string, string> = {
    NODE_OPTIONS: "Node.js, when the host starts the worker: the worker's heap ceiling (main.bicep, workerHeapMib)",
};

/** Settings a local (Core Tools) run needs besides SETTINGS: Flex Consumption sets the runtime in Azure instead. */
const LOCAL_HOST_SETTINGS: Record<string, string> = {
    FUNCTIONS_WORKER_RUNTIME: 'Core Tools needs the language worker named locally',
};

const settingNames = new Set<string>(SETTINGS.map((setting) => setting.name));
const infraSettings = SETTINGS.filter((setting) => setting.providedBy === 'infra').map((setting) => setting.name);
const defaultOf = (name: string) => {
    const setting = SETTINGS.find((candidate) => candidate.name === name);
    return setting && 'defaultValue' in setting ? setting.defaultValue : undefined;
};

function bicepFiles(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) return bicepFiles(full);
        return entry.name.endsWith('.bicep') ? [full] : [];
    });
}

describe('the Bicep reader', () => {
    it('reads top-level keys only, past comments, nested objects and interpolations holding quotes and braces', () => {
        const bicep = [
            'var other = { A: 1 }',
            'var appSettings = {',
            "  // B: 'commented out'",
            "  'QUOTED_KEY': 'x${join(split(a, '}'), '{')}y\\'s'",
            "  PLAIN: '${concat('a', '}')}' /* C: 3 */",
            '  NESTED: {',
            '    INNER: true',
            '  }',
            '}',
            'var after = { D: 4 }',
        ].join('\n');
        expect([...readObjectVariable(bicep, 'appSettings').keys()]).toEqual(['QUOTED_KEY', 'PLAIN', 'NESTED']);
    });

    it('fails loudly when the block is missing', () => {
        expect(() => readObjectVariable('var settings = {}', 'appSettings')).toThrow('no "var appSettings = {"');
    });
});

describe('infra app settings (infra/app/functionApp.bicep) against src/settings.ts', () => {
    const functionAppBicep = read('infra/app/functionApp.bicep');
    const appSettings = readObjectVariable(functionAppBicep, 'appSettings');

    it('reads a non-empty app settings block', () => {
        expect(appSettings.size).toBeGreaterThanOrEqual(infraSettings.length);
    });

    it.each(infraSettings)('Bicep sets %s (providedBy infra in src/settings.ts)', (name) => {
        if (!appSettings.has(name))
            throw new Error(
                `${name} is providedBy 'infra' in src/settings.ts but infra/app/functionApp.bicep does not set it`,
            );
    });

    it('sets nothing that neither the code nor the host reads', () => {
        const unknown = [...appSettings.keys()].filter((name) => !settingNames.has(name) && !(name in HOST_SETTINGS));
        if (unknown.length > 0)
            throw new Error(
                `infra/app/functionApp.bicep sets ${unknown.join(', ')}: not in src/settings.ts nor an explained host setting`,
            );
    });

    it('applies the block as the app settings of the function app, and nowhere sets others', () => {
        expect(functionAppBicep).toMatch(
            /resource \w+ 'config' = \{\s*name: 'appsettings'\s*properties: appSettings\s*\}/,
        );
        expect(maskStringsAndComments(functionAppBicep)).not.toMatch(/\bappSettings\s*:/);
    });

    it('authenticates everything with the one user-assigned identity', () => {
        expect(appSettings.get('AUTH_MODE')).toBe("'managed-identity'");
        expect(appSettings.get('AzureWebJobsStorage__credential')).toBe("'managedidentity'");
        const clientId = appSettings.get('AZURE_CLIENT_ID');
        expect(clientId).toBe('identityClientId');
        expect(appSettings.get('AzureWebJobsStorage__clientId')).toBe(clientId);
        expect(appSettings.get('APPLICATIONINSIGHTS_AUTHENTICATION_STRING')).toBe(
            `'ClientId=\${${clientId}};Authorization=AAD'`,
        );
        expect(appSettings.get('SERVICE_OBJECT_ID')).toBe('identityPrincipalId');
        expect(functionAppBicep).toMatch(/type: 'UserAssigned'/);
        expect(functionAppBicep).toMatch(/type: 'UserAssignedIdentity'/);
    });

    it('does not set the settings Flex Consumption refuses', () => {
        for (const name of ['FUNCTIONS_WORKER_RUNTIME', 'FUNCTIONS_EXTENSION_VERSION', 'WEBSITE_RUN_FROM_PACKAGE'])
            expect(appSettings.has(name)).toBe(false);
    });
});

describe('infra defaults and parameters', () => {
    const mainBicep = read('infra/main.bicep');
    const parameters = readParameters(mainBicep);

    it.each([
        ['queueName', 'SIGNOUT_QUEUE_NAME'],
        ['auditTablePrefix', 'AUDIT_TABLE_PREFIX'],
        ['sweepSchedule', 'SWEEP_SCHEDULE'],
    ])('param %s defaults to the code default of %s', (parameter, setting) => {
        expect(parameters.get(parameter)).toBe(`'${defaultOf(setting)}'`);
    });

    it('creates the request queue, its poison queue and every audit table the code uses', () => {
        expect(mainBicep).toContain("queueNames: [queueName, '${queueName}-poison']");
        const suffixes = /for suffix in \[([^\]]*)\]: '\$\{auditTablePrefix\}\$\{suffix\}'/.exec(mainBicep)?.[1];
        const created = (suffixes ?? '').split(',').map((suffix) => `signout${suffix.trim().replace(/'/g, '')}`);
        expect(created.sort()).toEqual(Object.values(auditTableNames('signout')).sort());
    });

    it('main.parameters.json names only declared parameters and every parameter without a default', () => {
        const file = JSON.parse(read('infra/main.parameters.json')) as { parameters: Record<string, unknown> };
        const given = Object.keys(file.parameters);
        for (const name of given) {
            if (!parameters.has(name))
                throw new Error(`main.parameters.json sets ${name}, which main.bicep does not declare`);
        }
        for (const [name, defaultValue] of parameters) {
            if (defaultValue === undefined && !given.includes(name))
                throw new Error(`main.bicep parameter ${name} has no default and main.parameters.json does not set it`);
        }
    });

    it('grants the identity its four data-plane roles and ServiceNow only Message Sender on the queue', () => {
        const rbac = read('infra/app/rbac.bicep');
        const roleIds = {
            storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
            storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
            storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
            monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb',
            storageQueueDataMessageSender: 'c6a89b2d-59bc-44d0-9896-0f6e12d7b80a',
        };
        for (const [role, id] of Object.entries(roleIds)) {
            expect(rbac).toContain(`${role}: '${id}'`);
            expect(rbac).toContain(`roleDefinitions', roles.${role})`);
        }
        expect(rbac).toMatch(/scope: storage::queueServices::requestQueue\s/);
    });

    it('holds no keys or secrets, and turns shared keys and local telemetry auth off', () => {
        for (const file of bicepFiles(infraDir)) {
            const code = maskStringsAndComments(fs.readFileSync(file, 'utf8'));
            for (const forbidden of [/listKeys\s*\(/i, /listSecrets\s*\(/i, /AccountKey/i, /@secure\(\)/])
                if (forbidden.test(code)) throw new Error(`${path.relative(repoRoot, file)} uses ${String(forbidden)}`);
        }
        expect(read('infra/core/storage.bicep')).toMatch(/allowSharedKeyAccess: false/);
        expect(read('infra/core/monitoring.bicep')).toMatch(/DisableLocalAuth: true/i);
    });

    /** The decorators written directly above `param <name>`, without comment lines. */
    const decoratorsOf = (name: string): string => {
        const lines = mainBicep.split('\n');
        const at = lines.findIndex((line) => line.startsWith(`param ${name} `));
        if (at < 0) throw new Error(`main.bicep declares no parameter ${name}`);
        let start = at;
        while (start > 0 && /^(@|\s|\}|\)|\/\/)/.test(lines[start - 1]!) && lines[start - 1]!.trim() !== '') start -= 1;
        return lines
            .slice(start, at)
            .filter((line) => !line.trim().startsWith('//'))
            .join('\n');
    };

    it('runs on a Flex Consumption plan on Linux with Node.js 22 by default (20 is past end of life)', () => {
        const functionAppBicep = read('infra/app/functionApp.bicep');
        expect(functionAppBicep).toMatch(/tier: 'FlexConsumption'\s*name: 'FC1'/);
        expect(functionAppBicep).toMatch(/reserved: true/);
        expect(functionAppBicep).toMatch(/name: 'node'\s*version: nodeVersion/);
        expect(parameters.get('nodeVersion')).toBe("'22'");
        expect(decoratorsOf('nodeVersion')).toMatch(/@allowed\(\['20', '22'\]\)/);
    });

    it('offers every instance size Flex Consumption has: 512, 2048 and 4096 MB', () => {
        expect(decoratorsOf('instanceMemoryMB')).toMatch(/@allowed\(\[512, 2048, 4096\]\)/);
        expect(parameters.get('instanceMemoryMB')).toBe('2048');
    });

    it('marks location as an azd location, so azd offers its region picker and fills it from AZURE_LOCATION', () => {
        expect(decoratorsOf('location')).toMatch(/@metadata\(\{\s*azd: \{\s*type: 'location'\s*\}\s*\}\)/);
    });
});

describe('local.settings.example.json against src/settings.ts', () => {
    const localValues = (): Record<string, unknown> => {
        const examplePath = path.join(repoRoot, 'local.settings.example.json');
        if (!fs.existsSync(examplePath))
            throw new Error(
                'local.settings.example.json is missing at the repository root: it must list every setting',
            );
        const example = JSON.parse(fs.readFileSync(examplePath, 'utf8')) as { Values?: Record<string, unknown> };
        return example.Values ?? {};
    };

    it('names every setting of src/settings.ts under Values', () => {
        const values = localValues();
        const missing = [...settingNames].filter((name) => !(name in values));
        if (missing.length > 0)
            throw new Error(`local.settings.example.json does not name ${missing.join(', ')} under Values`);
    });

    it('names nothing that neither the code nor the local host reads', () => {
        const unknown = Object.keys(localValues()).filter(
            (name) => !settingNames.has(name) && !(name in HOST_SETTINGS) && !(name in LOCAL_HOST_SETTINGS),
        );
        if (unknown.length > 0)
            throw new Error(`local.settings.example.json names ${unknown.join(', ')}: not in src/settings.ts`);
    });
});

describe('App Service authentication (infra/app/authentication.bicep) against the code', () => {
    const bicep = read('infra/app/authentication.bicep');
    const functionsDir = path.join(repoRoot, 'src', 'functions');
    /** Each HTTP function: its route and the requirement it hands `authorize`. */
    const httpRoutes = fs
        .readdirSync(functionsDir)
        .filter((file) => file.endsWith('.ts'))
        .map((file) => fs.readFileSync(path.join(functionsDir, file), 'utf8'))
        .filter((source) => source.includes('app.http('))
        .map((source) => ({
            route: /route: '([^']+)'/.exec(source)?.[1],
            requirement: /authorize\(request, (?:ROLES\.(\w+)|'(\w+)')\)/.exec(source)?.slice(1).find(Boolean),
        }));

    it('turns authentication on for the function app: Entra ID, and 401 without a token', () => {
        expect(bicep).toMatch(
            /resource \w+ 'Microsoft\.Web\/sites\/config@[\w-]+' = \{\s*parent: functionApp\s*name: 'authsettingsV2'/,
        );
        expect(bicep).toMatch(/platform: \{\s*enabled: true\s*\}/);
        expect(bicep).toMatch(/requireAuthentication: true/);
        expect(bicep).toMatch(/unauthenticatedClientAction: 'Return401'/);
        expect(bicep).toMatch(/azureActiveDirectory: \{\s*enabled: true/);
        expect(bicep).toMatch(/clientId: api\.appId/);
        expect(bicep).toMatch(/allowedAudiences: \[api\.appId, identifierUri\]/);
    });

    it('defines every app role the code checks, for users and applications, and requires an assignment', () => {
        const values = [...bicep.matchAll(/value: '(SignOut\.\w+)'/g)].map((match) => match[1]);
        expect(values.sort()).toEqual([...ALL_ROLES].sort());
        expect(bicep).toMatch(/allowedMemberTypes: \['User', 'Application'\]/);
        expect(bicep).toMatch(/id: guid\(apiAppUniqueName, role\.value\)/);
        expect(bicep).toMatch(/appRoleAssignmentRequired: true/);
    });

    it('lets through without a token exactly the routes the code treats as public', () => {
        const excluded = /param anonymousPaths array = \[([^\]]*)\]/.exec(bicep)?.[1];
        const publicRoutes = httpRoutes
            .filter((route) => route.requirement === 'public')
            .map((route) => `'/api/${route.route}'`);
        expect(excluded?.split(',').map((item) => item.trim())).toEqual(publicRoutes);
        expect(publicRoutes).toEqual(["'/api/health'"]);
    });

    it('puts no route that needs a role under an excluded path, whether exclusions match by prefix or not', () => {
        const excluded = (/param anonymousPaths array = \[([^\]]*)\]/.exec(bicep)?.[1] ?? '')
            .split(',')
            .map((item) => item.trim().replace(/'/g, ''));
        const guarded = httpRoutes
            .filter((route) => route.requirement !== 'public')
            .map((route) => `/api/${route.route}`);
        expect(guarded).toContain('/api/doctor');
        expect(
            guarded.filter((route) => excluded.some((path) => route.startsWith(`${path}/`) || route === path)),
        ).toEqual([]);
    });

    it('has every HTTP route check its caller first', () => {
        expect(httpRoutes.length).toBeGreaterThanOrEqual(5);
        expect(httpRoutes.filter((route) => route.requirement === undefined)).toEqual([]);
    });

    it('is deployed by main.bicep for the function app, which requires authentication', () => {
        expect(read('infra/main.bicep')).toMatch(
            /module \w+ 'app\/authentication\.bicep' = \{[^}]*functionAppName: functionApp\.outputs\.name/,
        );
        expect(readObjectVariable(read('infra/app/functionApp.bicep'), 'appSettings').get('AUTH_REQUIRED')).toBe(
            "'true'",
        );
    });
});
