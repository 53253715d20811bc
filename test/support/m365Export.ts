/** A user row of the Microsoft 365 admin center's "Export users" file, with the columns the tests look at. */
export interface ExportedUser {
    displayName: string;
    userPrincipalName: string;
    objectId: string;
    title?: string;
}

const csvCell = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

/**
 * Shaped like the Microsoft 365 admin center's "Export users" file (Users > Active users > Export users): UTF-8
 * with a byte-order mark, CRLF, a header line of display names, cells with commas quoted, licences joined by "+",
 * and the UPN in a late column, after the object id.
 */
export function m365UserExport(users: readonly ExportedUser[]): string {
    const header = [
        'Block credential',
        'City',
        'Country/Region',
        'Department',
        'Display name',
        'Licenses',
        'Object Id',
        'Proxy addresses',
        'Title',
        'Usage location',
        'User principal name',
        'When created',
    ];
    const rows = users.map((user) =>
        [
            'False',
            'Zürich',
            'Switzerland',
            'Finance',
            user.displayName,
            'contoso:SPE_E3+contoso:FLOW_FREE',
            user.objectId,
            `SMTP:${user.userPrincipalName}`,
            user.title ?? 'Accountant',
            'CH',
            user.userPrincipalName,
            '2024-03-01T08:00:00Z',
        ]
            .map(csvCell)
            .join(','),
    );
    return `\uFEFF${[header.join(','), ...rows].join('\r\n')}\r\n`;
}
