import { RestError } from '@azure/data-tables';
import { ServiceError, TransientServiceError, ValidationError } from '../../../src/core/errors';
import { toStorageError } from '../../../src/clients/audit/storageErrors';

describe('toStorageError', () => {
    it.each([500, 503, 408, 429])('treats HTTP %i as transient', (statusCode) => {
        const error = toStorageError(new RestError('busy', { statusCode, code: 'ServerBusy' }), 'write');
        expect(error).toBeInstanceOf(TransientServiceError);
        expect(error).toMatchObject({ service: 'storage', statusCode, code: 'ServerBusy' });
    });

    it.each(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'REQUEST_SEND_ERROR'])('treats %s as transient', (code) => {
        const error = toStorageError(new RestError('connect failed', { code }), 'write');
        expect(error).toBeInstanceOf(TransientServiceError);
        expect(error).toMatchObject({ statusCode: undefined, code });
    });

    it('treats other statuses as permanent, keeping status and code', () => {
        const error = toStorageError(new RestError('no', { statusCode: 403, code: 'AuthorizationFailure' }), 'write');
        expect(error).toBeInstanceOf(ServiceError);
        expect(error).not.toBeInstanceOf(TransientServiceError);
        expect(error).toMatchObject({ statusCode: 403, code: 'AuthorizationFailure' });
    });

    it('keeps only the first line of a service message', () => {
        const error = toStorageError(new RestError('Bad thing\nRequestId:1\nTime:2', { statusCode: 400 }), 'write');
        expect(error.message).toBe('write: Bad thing');
    });

    it('passes typed errors through', () => {
        const validation = new ValidationError([{ field: 'x', reason: 'y' }]);
        expect(toStorageError(validation, 'write')).toBe(validation);
    });
});
