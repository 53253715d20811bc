import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { handleBatch, type CallOutcome } from './batch';
import { handleBcAdmin } from './bcAdminRoutes';
import { handleBcAutomation } from './bcAutomationRoutes';
import type { RecordedCall, ServiceName } from './callLog';
import type { SimulatorClock } from './clock';
import { bcAdminError, faultResponse, graphError, odataError } from './errorBodies';
import type { FaultInjector } from './faults';
import { handleGraph } from './graphRoutes';
import { decodeSegments, type SimRequest, type SimResponse } from './http';
import type { SimulatorBehaviour } from './options';
import type { RealityModel } from './reality';
import type { TenantState } from './state';
import { RESOURCE_PREFIXES, type TokenCheck, type TokenService } from './tokenService';
import type { ResourceUnitQuota, WriteQuota } from './writeQuota';

/** Everything a request may read or change. */
export interface SimulatorContext {
    state: TenantState;
    clock: SimulatorClock;
    behaviour: SimulatorBehaviour;
    faults: FaultInjector;
    calls: RecordedCall[];
    tokens: TokenService;
    reality: RealityModel;
    quota: WriteQuota;
    unitQuota: ResourceUnitQuota;
    /** Orders `$batch` answers. */
    random: () => number;
}

const CERT_DIR = path.join(__dirname, 'certs');
const MAX_BODY_BYTES = 4 * 1024 * 1024;

const CONTENT_TYPES: Record<ServiceName, string> = {
    identity: 'application/json; charset=utf-8',
    graph: 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8',
    'bc-admin': 'application/json; charset=utf-8',
    'bc-automation':
        'application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8',
};

interface Target {
    service: ServiceName;
    /** Segments after the service prefix (whole path for identity). */
    segments: string[];
}

/** The HTTPS front: routes by path prefix, checks tokens, applies faults, records every call. */
export class SimulatorServer {
    private readonly server: Server;
    private publicUrl = '';
    /** Business Central calls being served, per environment, for `bcConcurrencyPerEnvironment`. */
    private readonly bcInFlight = new Map<string, number>();

    constructor(private readonly ctx: SimulatorContext) {
        this.server = createServer(
            {
                cert: readFileSync(path.join(CERT_DIR, 'server.pem')),
                key: readFileSync(path.join(CERT_DIR, 'server.key')),
            },
            (incoming, res) => {
                this.serve(incoming, res).catch((error: unknown) => {
                    console.error('tenant simulator: request failed', error);
                    if (!res.headersSent) res.writeHead(500).end();
                    else res.destroy();
                });
            },
        );
    }

    get url(): string {
        return this.publicUrl;
    }

    async listen(port: number): Promise<string> {
        await new Promise<void>((resolve, reject) => {
            this.server.once('error', reject);
            this.server.listen(port, '127.0.0.1', () => {
                this.server.off('error', reject);
                resolve();
            });
        });
        this.publicUrl = `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
        return this.publicUrl;
    }

    async close(): Promise<void> {
        await new Promise<void>((resolve) => {
            this.server.close(() => resolve());
            this.server.closeAllConnections();
        });
    }

    private async serve(incoming: IncomingMessage, res: ServerResponse): Promise<void> {
        const body = await readBody(incoming);
        const url = new URL(incoming.url ?? '/', 'https://simulator.invalid');
        const segments = decodeSegments(url.pathname);
        if (body === undefined || !segments) {
            res.writeHead(body === undefined ? 413 : 400).end();
            return;
        }
        const target = targetOf(segments);
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(incoming.headers)) {
            if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
        }
        const req: SimRequest = {
            method: (incoming.method ?? 'GET').toUpperCase(),
            path: `/${target.segments.join('/')}`,
            segments: target.segments,
            rawQuery: url.search.slice(1),
            query: url.searchParams,
            headers,
            body,
        };
        const environment = bcEnvironmentOf(target);
        const overLimit = environment !== undefined && !this.enterBc(environment);
        try {
            if (this.ctx.behaviour.latencyMs > 0) await sleep(this.ctx.behaviour.latencyMs, undefined, { ref: false });
            if (overLimit) {
                this.record(target.service, req, 429, { viaBatch: false });
                send(res, target.service, faultResponse(target.service, 429, BC_CONCURRENCY_RETRY_AFTER_SECONDS));
                return;
            }
            await this.answer(target, req, headers, incoming, res);
        } finally {
            if (environment !== undefined && !overLimit) this.leaveBc(environment);
        }
    }

    /** Admits a Business Central call when its environment has room; false when it would exceed the limit. */
    private enterBc(environment: string): boolean {
        const limit = this.ctx.behaviour.bcConcurrencyPerEnvironment;
        const inFlight = this.bcInFlight.get(environment) ?? 0;
        if (limit !== undefined && inFlight >= limit) return false;
        this.bcInFlight.set(environment, inFlight + 1);
        return true;
    }

    private leaveBc(environment: string): void {
        this.bcInFlight.set(environment, (this.bcInFlight.get(environment) ?? 1) - 1);
    }

    private async answer(
        target: Target,
        req: SimRequest,
        headers: Record<string, string>,
        incoming: IncomingMessage,
        res: ServerResponse,
    ): Promise<void> {
        const check =
            target.service === 'identity'
                ? undefined
                : this.ctx.tokens.check(headers.authorization, target.service === 'graph' ? 'graph' : 'bc');
        const outcome = await this.run(
            target.service,
            req,
            { viaBatch: false, resource: check?.resource },
            (request) =>
                check && !check.ok
                    ? unauthorized(target.service, check)
                    : this.route(target.service, request, check?.resource),
        );
        if (outcome === 'drop') {
            incoming.socket.destroy();
            return;
        }
        send(res, target.service, outcome);
    }

    /**
     * Faults first (they stand in for the network and the service's front door), then the handler. The call is logged
     * when it arrives, so the log keeps arrival order, and completed with its status.
     */
    private async run(
        service: ServiceName,
        req: SimRequest,
        meta: { viaBatch: boolean; resource?: string },
        handler: (req: SimRequest) => SimResponse | Promise<CallOutcome>,
    ): Promise<CallOutcome> {
        const call = this.record(service, req, 0, meta);
        const decision = this.ctx.faults.decide({ service, method: req.method, path: req.path });
        if (decision.applied.length > 0) call.faults = decision.applied;
        // Unref'd: a slow answer still pending when a test ends must not keep the process alive.
        if (decision.latencyMs > 0) await sleep(decision.latencyMs, undefined, { ref: false });
        let outcome: CallOutcome;
        switch (decision.action?.kind) {
            case 'drop':
                outcome = 'drop';
                break;
            case 'status':
                outcome = faultResponse(service, decision.action.status, decision.action.retryAfterSeconds);
                break;
            case 'throttle':
                outcome = faultResponse(service, 429, decision.action.retryAfterSeconds);
                break;
            case 'truncate': {
                // A `$batch` answer is one body: cutting an item's answer cuts the batch's connection.
                const answer = await handler(req);
                outcome = meta.viaBatch || answer === 'drop' ? 'drop' : { ...answer, truncated: true };
                break;
            }
            default:
                outcome = await handler(req);
        }
        if (outcome !== 'drop') {
            call.status = outcome.status;
            if (outcome.resource !== undefined) call.resource = outcome.resource;
        }
        // Who a user call was about, however it named them (object id or UPN), for evidence in tests.
        const [version, collection, reference] = req.segments;
        if (service === 'graph' && version === 'v1.0' && collection === 'users' && reference) {
            const user = this.ctx.state.findUser(reference);
            if (user) call.userId = user.id;
        }
        return outcome;
    }

    private record(
        service: ServiceName,
        req: SimRequest,
        status: number,
        meta: { viaBatch: boolean; resource?: string },
    ): RecordedCall {
        const call: RecordedCall = {
            service,
            method: req.method,
            path: req.path,
            query: req.rawQuery,
            status,
            at: this.ctx.clock.now(),
        };
        if (meta.viaBatch) call.viaBatch = true;
        if (meta.resource !== undefined) call.resource = meta.resource;
        this.ctx.calls.push(call);
        return call;
    }

    private route(
        service: ServiceName,
        req: SimRequest,
        resource: string | undefined,
    ): SimResponse | Promise<CallOutcome> {
        const { ctx } = this;
        switch (service) {
            case 'identity':
                return ctx.tokens.handle(req);
            case 'graph': {
                const deps = { ...ctx, baseUrl: `${this.publicUrl}${RESOURCE_PREFIXES.graph}` };
                if (req.segments.length !== 2 || req.segments[0] !== 'v1.0' || req.segments[1] !== '$batch') {
                    return handleGraph(req, deps);
                }
                return handleBatch(req, {
                    random: ctx.random,
                    throttledBatchStatus: ctx.behaviour.throttledBatchStatus,
                    runItem: (item) =>
                        this.run('graph', item, { viaBatch: true, resource }, (itemReq) => handleGraph(itemReq, deps)),
                    recordItem: (item, status) => this.record('graph', item, status, { viaBatch: true, resource }),
                });
            }
            case 'bc-admin':
                return handleBcAdmin(req, { ...ctx, baseUrl: `${this.publicUrl}${RESOURCE_PREFIXES.bc}` });
            case 'bc-automation':
                return handleBcAutomation(req, { ...ctx, baseUrl: `${this.publicUrl}${RESOURCE_PREFIXES.bc}` });
        }
    }
}

/** BC's answer to a call over its concurrency limit waits this long (BC does not document its value). */
const BC_CONCURRENCY_RETRY_AFTER_SECONDS = 1;

/**
 * The Business Central environment a call is in: `admin/{v}/applications/{family}/environments/{env}/...` or
 * `v2.0/{env}/api/...`; undefined for other calls and for the environment listing.
 */
function bcEnvironmentOf(target: Target): string | undefined {
    const segments = target.segments;
    if (target.service === 'bc-automation') return segments[1]?.toUpperCase();
    if (target.service !== 'bc-admin') return undefined;
    const index = segments.indexOf('environments');
    return index >= 0 ? segments[index + 1]?.toUpperCase() : undefined;
}

/** `/graph/...` is Graph, `/bc/admin/...` the Admin Center API, `/bc/v2.0/...` the Automation API, the rest identity. */
function targetOf(segments: string[]): Target {
    const [first, second] = segments;
    if (`/${first}` === RESOURCE_PREFIXES.graph) return { service: 'graph', segments: segments.slice(1) };
    if (`/${first}` === RESOURCE_PREFIXES.bc) {
        return { service: second === 'v2.0' ? 'bc-automation' : 'bc-admin', segments: segments.slice(1) };
    }
    return { service: 'identity', segments };
}

const TOKEN_PROBLEMS: Record<Exclude<TokenCheck, { ok: true }>['reason'], string> = {
    missing: 'Access token is empty.',
    unknown: 'Access token validation failure. Invalid token.',
    expired: 'Lifetime validation failed, the token is expired.',
    'wrong-audience': 'Access token validation failure. Invalid audience.',
};

/** 401 in each service's own error shape. */
function unauthorized(service: ServiceName, check: Exclude<TokenCheck, { ok: true }>): SimResponse {
    const message = TOKEN_PROBLEMS[check.reason];
    const challenge = { 'WWW-Authenticate': `Bearer error="invalid_token", error_description="${message}"` };
    switch (service) {
        case 'graph':
            return graphError(401, 'InvalidAuthenticationToken', message, challenge);
        case 'bc-admin':
            return bcAdminError(401, 'Unauthorized', message, undefined, challenge);
        default:
            return odataError(
                401,
                'Authentication_InvalidCredentials',
                `The server has rejected the client credentials. ${message}`,
                challenge,
            );
    }
}

function send(res: ServerResponse, service: ServiceName, response: SimResponse): void {
    const headers: Record<string, string> = { ...response.headers };
    if (response.body === undefined) {
        res.writeHead(response.status, headers).end();
        return;
    }
    const payload = Buffer.from(JSON.stringify(response.body), 'utf8');
    headers['Content-Type'] ??= CONTENT_TYPES[service];
    headers['Content-Length'] = String(payload.length);
    if (!response.truncated) {
        res.writeHead(response.status, headers).end(payload);
        return;
    }
    res.writeHead(response.status, headers);
    res.write(payload.subarray(0, Math.floor(payload.length / 2)), () => res.destroy());
}

async function readBody(incoming: IncomingMessage): Promise<string | undefined> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of incoming) {
        size += (chunk as Buffer).length;
        if (size > MAX_BODY_BYTES) return undefined;
        chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks).toString('utf8');
}
