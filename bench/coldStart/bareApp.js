// The reference for the cold-start benchmark: an @azure/functions app of one HTTP function and nothing else.
const { app } = require('@azure/functions');

app.http('hello', {
    route: 'hello',
    methods: ['GET'],
    authLevel: 'anonymous',
    handler: async () => ({ status: 200, body: 'ok' }),
});
