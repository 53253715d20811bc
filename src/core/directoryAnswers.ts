import { ServiceError } from './errors';

/** Whether the directory said the user or group does not exist (not that it could not be asked). */
export const isNotFound = (error: ServiceError): boolean =>
    error.statusCode === 404 || error.code === 'Request_ResourceNotFound';

/** The error of an item a directory batch left unanswered: never taken as a yes or a no. */
export const noAnswer = (): ServiceError => new ServiceError('graph', undefined, 'no-answer', 'Graph gave no answer');
