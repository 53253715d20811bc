import type { AuditEvent } from '../../../src/core/ports/auditStore';
import { canonicalJson, eventHash, findChainBreak, GENESIS_HASH } from '../../../src/clients/audit/hashChain';
import { signingKeyFrom } from '../../../src/clients/audit/signingKey';

const KEY = signingKeyFrom('an-audit-signing-key-for-the-unit-tests');

/** Events 1..count; those from `keyedFrom` on are signed with KEY. */
function chain(count: number, keyedFrom = count + 1): AuditEvent[] {
    const events: AuditEvent[] = [];
    let previousHash = GENESIS_HASH;
    for (let sequence = 1; sequence <= count; sequence++) {
        const content = { requestId: 'r1', sequence, at: `2024-01-01T00:00:0${sequence}.000Z`, type: 'step-outcome' };
        const key = sequence >= keyedFrom ? KEY : undefined;
        const hash = eventHash(content, previousHash, key);
        events.push({ ...content, previousHash, hash, ...(key && { keyId: key.id }) });
        previousHash = hash;
    }
    return events;
}

describe('canonicalJson', () => {
    it('sorts keys at every level and drops undefined members', () => {
        expect(canonicalJson({ b: 1, a: { d: [3, { f: 1, e: 2 }], c: undefined } })).toBe(
            '{"a":{"d":[3,{"e":2,"f":1}]},"b":1}',
        );
    });

    it('does not depend on property order', () => {
        const a = { requestId: 'r', sequence: 1, at: 'x', type: 't', data: { x: 1, y: 2 } };
        const b = { data: { y: 2, x: 1 }, type: 't', at: 'x', sequence: 1, requestId: 'r' };
        expect(eventHash(a, GENESIS_HASH)).toBe(eventHash(b, GENESIS_HASH));
    });
});

describe('findChainBreak', () => {
    it('accepts an intact chain', () => {
        expect(findChainBreak(chain(4))).toBeUndefined();
        expect(findChainBreak([])).toBeUndefined();
    });

    it('names an edited event', () => {
        const events = chain(4);
        events[2] = { ...events[2]!, detail: 'edited' };
        expect(findChainBreak(events)).toMatchObject({
            sequence: 3,
            problem: expect.stringContaining('hash mismatch'),
        });
    });

    it('names a gap', () => {
        const events = chain(4);
        events.splice(1, 1);
        expect(findChainBreak(events)).toMatchObject({ sequence: 2, problem: expect.stringContaining('gap') });
    });

    it('names a re-hashed event whose successor still points at the original', () => {
        const events = chain(3);
        const edited = { ...events[1]!, detail: 'edited' };
        events[1] = { ...edited, hash: eventHash(edited, edited.previousHash) };
        expect(findChainBreak(events)).toMatchObject({ sequence: 3, problem: expect.stringContaining('previousHash') });
    });

    it('uses the anchor to catch events deleted from the end', () => {
        const events = chain(4);
        const anchor = { sequence: 4, hash: events[3]!.hash };
        expect(findChainBreak(events, anchor)).toBeUndefined();
        expect(findChainBreak(events.slice(0, 3), anchor)).toMatchObject({ sequence: 4 });
    });

    it('checks keyed events with the key, and names a key it does not have', () => {
        const events = chain(4, 3);
        expect(findChainBreak(events, undefined, KEY)).toBeUndefined();
        expect(findChainBreak(events)).toMatchObject({
            sequence: 3,
            problem: expect.stringContaining('cannot verify'),
        });
        const other = signingKeyFrom('another-audit-signing-key-for-the-tests');
        expect(findChainBreak(events, undefined, other)).toMatchObject({ sequence: 3 });
    });

    it('names an unkeyed event after a keyed one: a rewrite by someone without the key', () => {
        const events = chain(3, 1);
        const { keyId: _keyId, ...unkeyed } = events[2]!;
        events[2] = { ...unkeyed, hash: eventHash(unkeyed, unkeyed.previousHash) };
        expect(findChainBreak(events, undefined, KEY)).toMatchObject({
            sequence: 3,
            problem: expect.stringContaining('not keyed, although event 1 before it is'),
        });
    });
});
