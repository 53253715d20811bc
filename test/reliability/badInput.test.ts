import { HttpRequest } from '@azure/functions';
import { QueueClient } from '@azure/storage-queue';
import { sharedServiceDependencies } from '../../src/composition/serviceDependencies';
import { acceptSignOut } from '../../src/functions/acceptSignOut';
import { previewSignOut } from '../../src/functions/previewSignOut';
import { runQueuedSignOut } from '../../src/functions/runQueuedSignOut';
import { startAppHarness, type AppHarness } from '../support/appHarness';
import { invocationContext, plain, pumpQueue, sendQueueMessage, type CapturedLog } from '../support/hostEmulation';
import { bodyText, loadBadRequests, type BadRequestCase } from './support/badRequestCorpus';
import { SuiteFigures } from './support/figures';

/**
 * Every case of the bad-input corpus is refused on every entry point: over HTTP with a 4xx whose details name the
 * field, through the queue with an audit record `rejected`, and never with a single call to any remote service.
 */
const corpus = loadBadRequests();
let harness: AppHarness;
const figures = new SuiteFigures('bad input corpus');
let remoteCalls = 0;

beforeAll(async () => {
    harness = await startAppHarness();
    await new QueueClient(harness.connectionString, harness.queueName).createIfNotExists();
});

afterAll(async () => {
    figures.note('cases', corpus.length);
    figures.note('calls to identity, Graph or BC', remoteCalls);
    figures.print();
    await harness.close();
});

interface ErrorBody {
    error?: { code?: string; details?: { field: string; reason: string }[] };
}

function request(path: string, badCase: BadRequestCase): HttpRequest {
    const contentType = badCase.contentType === undefined ? 'application/json' : badCase.contentType;
    return new HttpRequest({
        method: 'POST',
        url: `https://bc-signout.example/api/${path}`,
        headers: contentType === null ? {} : { 'content-type': contentType },
        body: { string: bodyText(badCase) },
    });
}

/** A 400 names the field in a detail; an unknown field is named in the reason, its path being its parent. */
function namesField(body: ErrorBody, field: string): boolean {
    return (body.error?.details ?? []).some(
        (detail) =>
            detail.field === field ||
            detail.field.startsWith(`${field}.`) ||
            detail.field.startsWith(`${field}[`) ||
            detail.reason.includes(field),
    );
}

async function expectRefusedOverHttp(badCase: BadRequestCase): Promise<void> {
    for (const [path, handler] of [
        ['signouts', acceptSignOut],
        ['signouts/preview', previewSignOut],
    ] as const) {
        const response = plain(await handler(request(path, badCase), invocationContext(path)));
        figures.requests++;
        expect({ path, status: response.status }).toEqual({ path, status: badCase.expect });
        const body = response.body as ErrorBody;
        expect(body.error?.code).toEqual(expect.any(String));
        if (badCase.field)
            expect({ path, details: body.error?.details, named: namesField(body, badCase.field) }).toMatchObject({
                path,
                named: true,
            });
    }
}

async function expectRejectedFromQueue(badCase: BadRequestCase): Promise<void> {
    const logs: CapturedLog[] = [];
    await sendQueueMessage(harness.connectionString, harness.queueName, bodyText(badCase));
    figures.requests++;
    const pumped = await pumpQueue(harness.connectionString, harness.queueName, runQueuedSignOut, { logs });
    expect(pumped).toMatchObject({ handled: 1, failedAttempts: 0, poisoned: 0 });
    const requestId = logs.map((log) => /message rejected as (\S+):/.exec(log.message)?.[1]).find(Boolean);
    const record = requestId ? await (await sharedServiceDependencies()).audit.getRequest(requestId) : undefined;
    if (record?.state !== 'rejected') figures.lost++;
    expect(record?.state).toBe('rejected');
    expect(record?.problems?.length).toBeGreaterThan(0);
}

describe.each(corpus.map((badCase) => [badCase.name, badCase] as const))('%s', (_name, badCase) => {
    it(`is refused (${badCase.expect}) everywhere and calls nobody`, async () => {
        const before = harness.simulator.calls.length;
        await expectRefusedOverHttp(badCase);
        if (badCase.queue !== false) await expectRejectedFromQueue(badCase);
        const calls = harness.simulator.calls.slice(before);
        remoteCalls += calls.length;
        expect(calls).toEqual([]);
    });
});
