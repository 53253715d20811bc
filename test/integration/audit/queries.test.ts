import { ValidationError } from '../../../src/core/errors';
import type { AuditEvent, RequestRecord, RequestSummary } from '../../../src/core/ports/auditStore';
import { monthPartition, timeRowKey } from '../../../src/clients/audit/keys';
import type { TableAuditStore } from '../../../src/clients/audit/tableAuditStore';
import { newRecord, openStore, rawTable, uniquePrefix } from './auditFixture';

const prefix = uniquePrefix();
let store: TableAuditStore;

/** Request `n` of the history user, one hour apart, starting 2024-01-01. */
const hourly = (n: number) => new Date(Date.UTC(2024, 0, 1, n)).toISOString();
/** Requests spread over several months for the recent list: the 10th of month `m` at `h` o'clock. */
const monthly = (m: number, h: number) => new Date(Date.UTC(2023, 9 + m, 10, h)).toISOString();

beforeAll(async () => {
    store = await openStore(prefix);
    for (let n = 0; n < 25; n++) {
        const requestId = `hist-${String(n).padStart(2, '0')}`;
        await store.claimRequest(newRecord(requestId, hourly(n)));
        await store.indexUser(requestId, ['Alice@Contoso.com', '9f8e7d6c-5b4a-3928-1706-f5e4d3c2b1a0'], hourly(n));
    }
    for (let m = 0; m < 4; m++) {
        for (let h = 0; h < 3; h++) await store.claimRequest(newRecord(`month-${m}-${h}`, monthly(m, h)));
    }
});

async function allPages(
    read: (continuationToken?: string) => Promise<{ items: RequestSummary[]; continuationToken?: string }>,
): Promise<RequestSummary[][]> {
    const pages: RequestSummary[][] = [];
    let token: string | undefined;
    do {
        const page = await read(token);
        pages.push(page.items);
        // The token travels through a URL and back.
        token = page.continuationToken && new URL(`https://x/y?t=${page.continuationToken}`).searchParams.get('t')!;
    } while (token);
    return pages;
}

describe('userHistory', () => {
    it('pages a user’s requests newest first, by UPN in any case', async () => {
        const pages = await allPages((continuationToken) =>
            store.userHistory('ALICE@contoso.COM', { pageSize: 10, ...(continuationToken && { continuationToken }) }),
        );
        expect(pages.map((page) => page.length)).toEqual([10, 10, 5]);
        const ids = pages.flat().map((item) => item.requestId);
        expect(ids).toEqual(Array.from({ length: 25 }, (_, i) => `hist-${String(24 - i).padStart(2, '0')}`));
        expect(pages[0]![0]).toMatchObject({
            requestId: 'hist-24',
            state: 'accepted',
            source: 'http',
            createdAt: hourly(24),
            reason: 'Leaver',
            ticketNumber: 'INC0012345',
            userCount: 1,
            callerId: 'itsm-connector',
        });
    });

    it('finds the same requests by object id and shows the current state', async () => {
        await store.setState('hist-24', 'failed');
        const page = await store.userHistory('9F8E7D6C-5B4A-3928-1706-F5E4D3C2B1A0', { pageSize: 1 });
        expect(page.items).toMatchObject([{ requestId: 'hist-24', state: 'failed' }]);
        expect(page.continuationToken).toMatch(/^[A-Za-z0-9_-]+$/);
    });

    it('limits to a time range, from inclusive and to exclusive', async () => {
        const page = await store.userHistory('alice@contoso.com', {
            from: new Date(hourly(5)),
            to: new Date(hourly(8)),
        });
        expect(page.items.map((item) => item.requestId)).toEqual(['hist-07', 'hist-06', 'hist-05']);
        expect(page.continuationToken).toBeUndefined();
    });

    it('answers an empty page for an unknown user and refuses a forged token', async () => {
        expect(await store.userHistory('nobody@contoso.com')).toEqual({ items: [] });
        await expect(store.userHistory('alice@contoso.com', { continuationToken: 'forged' })).rejects.toBeInstanceOf(
            ValidationError,
        );
    });
});

describe('listRecent', () => {
    it('pages every request newest first, across months', async () => {
        const pages = await allPages((continuationToken) =>
            store.listRecent({ pageSize: 7, ...(continuationToken && { continuationToken }) }),
        );
        const items = pages.flat();
        expect(items).toHaveLength(25 + 12);
        expect(pages.slice(0, -1).every((page) => page.length === 7)).toBe(true);
        const times = items.map((item) => item.createdAt);
        expect(times).toEqual([...times].sort().reverse());
        expect(items[0]?.requestId).toBe('month-3-2');
    });

    it('limits to a range spanning a month boundary', async () => {
        const page = await store.listRecent({ from: new Date(monthly(1, 1)), to: new Date(monthly(2, 1)) });
        expect(page.items.map((item) => item.requestId)).toEqual(['month-2-0', 'month-1-2', 'month-1-1']);
    });

    it('skips a timeline row whose request was never stored (a claim that crashed half-way)', async () => {
        const at = Date.parse(monthly(3, 5));
        await rawTable(`${prefix}Timeline`).createEntity({
            partitionKey: monthPartition(at),
            rowKey: timeRowKey(at, 'ghost'),
            requestId: 'ghost',
            createdAt: monthly(3, 5),
        });
        const page = await store.listRecent({ pageSize: 2 });
        expect(page.items.map((item) => item.requestId)).toEqual(['month-3-2']);
        expect(page.continuationToken).toBeDefined();
    });
});

describe('exportRange', () => {
    it('writes one JSON line per request with its record and events', async () => {
        await (await store.openTrail('month-1-0')).append([{ type: 'request-accepted' }, { type: 'attempt-started' }]);
        const lines: string[] = [];
        for await (const line of store.exportRange(new Date(monthly(1, 0)), new Date(monthly(2, 0)))) lines.push(line);
        expect(lines.every((line) => line.endsWith('\n') && !line.slice(0, -1).includes('\n'))).toBe(true);
        const parsed = lines.map(
            (line) => JSON.parse(line) as { requestId: string; record: RequestRecord; events: AuditEvent[] },
        );
        expect(parsed.map((entry) => entry.requestId)).toEqual(['month-1-2', 'month-1-1', 'month-1-0']);
        const withEvents = parsed[2]!;
        expect(withEvents.record).toEqual(await store.getRequest('month-1-0'));
        expect(withEvents.events.map((event) => event.type)).toEqual(['request-accepted', 'attempt-started']);
        expect(withEvents.events[1]?.previousHash).toBe(withEvents.events[0]?.hash);
    });
});
