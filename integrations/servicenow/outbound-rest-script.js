/* global Class, gs, sn_ws, sn_cc, GlideRecord */
/**
 * ServiceNow Script Include "BcForceSignOut" (global scope, client callable: false).
 *
 * Sends a sign-out request for a ticket to the bc-force-signout request queue, and writes the final result back into
 * the ticket's work notes. ES5 only: ServiceNow runs server scripts on Rhino.
 *
 * Configuration (system properties; secrets live only in credential records):
 *   x_bcfs.tenant_id            Entra tenant id
 *   x_bcfs.storage_account      storage account name (azd output STORAGE_ACCOUNT_NAME)
 *   x_bcfs.queue_name           request queue (default signout-requests)
 *   x_bcfs.queue_credential_id  sys_id of a Basic Auth credential: user name = client id, password = client secret
 *                               of the app registration holding only "Storage Queue Data Message Sender"
 *   x_bcfs.api_host             function app host (azd output FUNCTION_APP_HOST), to read results
 *   x_bcfs.api_credential_id    sys_id of an API Key credential holding a function key
 *   x_bcfs.callback_url         this instance's Scripted REST endpoint for results (optional)
 */
var BcForceSignOut = Class.create();

// ES5 for Rhino: the repository's Prettier settings would add trailing commas to calls, which ES5 refuses.
// prettier-ignore
BcForceSignOut.prototype = {
    STORAGE_SCOPE: 'https://storage.azure.com/.default',
    STORAGE_API_VERSION: '2023-11-03',
    /** The queue service refuses messages over 64 KiB, measured on the encoded text. */
    MAX_MESSAGE_CHARS: 65536,
    MAX_ATTEMPTS: 4,
    MAX_DELAY_MS: 30000,

    initialize: function (config) {
        var property = function (name, fallback) {
            return gs.getProperty(name, fallback);
        };
        config = config || {};
        this.tenantId = config.tenantId || property('x_bcfs.tenant_id', '');
        this.storageAccount = config.storageAccount || property('x_bcfs.storage_account', '');
        this.queueName = config.queueName || property('x_bcfs.queue_name', 'signout-requests');
        this.queueCredentialId = config.queueCredentialId || property('x_bcfs.queue_credential_id', '');
        this.apiHost = config.apiHost || property('x_bcfs.api_host', '');
        this.apiCredentialId = config.apiCredentialId || property('x_bcfs.api_credential_id', '');
        this.callbackUrl = config.callbackUrl || property('x_bcfs.callback_url', '');
    },

    /**
     * Builds and sends the request for a ticket (any task: incident, sc_req_item, sn_si_incident...).
     * users: UPNs or Entra object ids. options: environments, blockSignInMinutes, blockPermanently,
     * disableBcUser ('for' minutes or true = permanent), watchMinutes, dryRun, requestedBy.
     */
    submit: function (ticket, users, options) {
        return this.send(this.buildMessage(ticket, users, options));
    },

    buildMessage: function (ticket, users, options) {
        options = options || {};
        var number = String(ticket.getValue('number'));
        var list = [];
        for (var i = 0; i < users.length; i++) list.push(String(users[i]));
        var message = {
            users: list,
            reason: this._text(number + ': ' + (ticket.getValue('short_description') || 'forced sign-out'), 500),
            requestedBy: this._text(options.requestedBy || gs.getUserName(), 256),
            // The request id is left out on purpose: the service derives it from the ticket and the actions, so
            // a message sent twice (a retry after a lost answer) is run once.
            ticket: { system: 'servicenow', number: number, id: String(ticket.getUniqueValue()) },
            actions: {
                blockSignIn: this._hold(options.blockPermanently ? true : options.blockSignInMinutes),
                disableBcUser: this._hold(options.disableBcUser)
            }
        };
        if (options.environments && options.environments.length) message.environments = options.environments;
        if (typeof options.watchMinutes === 'number') message.watchMinutes = options.watchMinutes;
        if (options.dryRun) message.dryRun = true;
        if (this.callbackUrl) message.callbackUrl = this.callbackUrl;
        return message;
    },

    /** Puts the message on the queue; retries throttling and server errors. Returns the number of attempts. */
    send: function (message) {
        // The Functions host decodes queue messages from base64 by default (host.json messageEncoding).
        var encoded = gs.base64Encode(JSON.stringify(message));
        if (encoded.length > this.MAX_MESSAGE_CHARS)
            throw new Error(
                'BcForceSignOut: the message is ' + encoded.length + ' characters encoded; the limit is 65536'
            );
        var body =
            '<?xml version="1.0" encoding="utf-8"?><QueueMessage><MessageText>' +
            encoded +
            '</MessageText></QueueMessage>';
        var url =
            'https://' +
            this.storageAccount +
            '.queue.core.windows.net/' +
            encodeURIComponent(this.queueName) +
            '/messages';
        var token = this._storageToken();
        for (var attempt = 1; ; attempt++) {
            var request = new sn_ws.RESTMessageV2();
            request.setEndpoint(url);
            request.setHttpMethod('POST');
            request.setHttpTimeout(30000);
            request.setRequestHeader('Authorization', 'Bearer ' + token);
            request.setRequestHeader('x-ms-version', this.STORAGE_API_VERSION);
            request.setRequestHeader('x-ms-date', new Date().toUTCString());
            request.setRequestHeader('Content-Type', 'application/xml');
            request.setRequestBody(body);
            var response = request.execute();
            var status = response.getStatusCode();
            if (status === 201) return attempt;
            if (!this._retryable(status) || attempt >= this.MAX_ATTEMPTS)
                throw new Error(
                    'BcForceSignOut: the queue answered ' +
                        status +
                        ' after ' +
                        attempt +
                        ' attempt(s): ' +
                        this._errorOf(response)
                );
            gs.sleep(this._delay(response, attempt));
        }
    },

    /** Reads the request's status from the service and, once final, writes it into the ticket's work notes. */
    recordResult: function (requestId) {
        var status = this.fetchStatus(requestId);
        if (status.statusCode === 404) return 'not-found';
        if (status.statusCode === 202) return 'pending';
        if (status.statusCode !== 200)
            throw new Error('BcForceSignOut: the status of ' + requestId + ' answered ' + status.statusCode);
        var ticket = status.body.request && status.body.request.ticket;
        var task = new GlideRecord('task');
        if (!ticket || !(ticket.id ? task.get(ticket.id) : task.get('number', ticket.number))) return 'not-found';
        task.work_notes = this.summarize(status.body);
        task.update();
        return 'recorded';
    },

    fetchStatus: function (requestId) {
        var credential = new sn_cc.StandardCredentialsProvider().getCredentialByID(this.apiCredentialId);
        var request = new sn_ws.RESTMessageV2();
        request.setEndpoint('https://' + this.apiHost + '/api/signouts/' + encodeURIComponent(requestId));
        request.setHttpMethod('GET');
        request.setHttpTimeout(30000);
        request.setRequestHeader('x-functions-key', credential.getAttribute('api_key'));
        request.setRequestHeader('Accept', 'application/json');
        var response = request.execute();
        var statusCode = response.getStatusCode();
        return { statusCode: statusCode, body: statusCode === 200 ? JSON.parse(response.getBody()) : null };
    },

    /** A work note: the outcome per user and what risk remains. */
    summarize: function (status) {
        var result = status.result || {};
        var lines = [
            'BC force sign-out ' + status.requestId + ': ' + status.status + (result.dryRun ? ' (dry run)' : '')
        ];
        var users = result.users || [];
        for (var i = 0; i < users.length; i++) {
            var user = users[i];
            var systems = [];
            for (var j = 0; j < (user.systems || []).length; j++) {
                var system = user.systems[j];
                systems.push(system.system + ' ' + system.status + (system.detail ? ' (' + system.detail + ')' : ''));
            }
            lines.push(
                '- ' +
                    (user.userPrincipalName || user.user) +
                    ': ' +
                    user.outcome +
                    (systems.length ? '; ' + systems.join(', ') : '')
            );
        }
        var risk = result.residualRisk || {};
        if (risk.tokensMayReconnectUntil)
            lines.push('Tokens issued before revocation may reconnect until ' + risk.tokensMayReconnectUntil);
        if (risk.watchUntil) lines.push('Reconnects are cancelled until ' + risk.watchUntil);
        for (var k = 0; k < (risk.notes || []).length; k++) lines.push('Note: ' + risk.notes[k]);
        return lines.join('\n');
    },

    /** Client-credentials token for Azure Storage; the client id and secret come from a credential record. */
    _storageToken: function () {
        var credential = new sn_cc.StandardCredentialsProvider().getCredentialByID(this.queueCredentialId);
        var request = new sn_ws.RESTMessageV2();
        request.setEndpoint(
            'https://login.microsoftonline.com/' + encodeURIComponent(this.tenantId) + '/oauth2/v2.0/token'
        );
        request.setHttpMethod('POST');
        request.setHttpTimeout(30000);
        request.setRequestHeader('Content-Type', 'application/x-www-form-urlencoded');
        request.setRequestBody(
            'grant_type=client_credentials' +
                '&client_id=' +
                encodeURIComponent(credential.getAttribute('user_name')) +
                '&client_secret=' +
                encodeURIComponent(credential.getAttribute('password')) +
                '&scope=' +
                encodeURIComponent(this.STORAGE_SCOPE)
        );
        var response = request.execute();
        if (response.getStatusCode() !== 200)
            throw new Error('BcForceSignOut: Entra refused the token request (' + response.getStatusCode() + ')');
        return JSON.parse(response.getBody()).access_token;
    },

    /** A hold from a number of minutes (for), true (permanent) or nothing (off). */
    _hold: function (value) {
        if (value === true) return { mode: 'permanent' };
        if (typeof value === 'number' && value > 0) return { mode: 'for', minutes: Math.round(value) };
        return { mode: 'off' };
    },

    /** The service refuses control characters and over-long text: replace and cut rather than be rejected. */
    _text: function (value, max) {
        var text = String(value)
            // eslint-disable-next-line no-control-regex
            .replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ')
            .replace(/^\s+|\s+$/g, '');
        return text.length > max ? text.substring(0, max) : text;
    },

    /** 0 = no answer (time-out, connection reset). */
    _retryable: function (status) {
        return status === 0 || status === 408 || status === 429 || status >= 500;
    },

    /** Retry-After (seconds) when the queue gives one, else 2, 4, 8 s; never more than MAX_DELAY_MS. */
    _delay: function (response, attempt) {
        var retryAfter = parseInt(response.getHeader('Retry-After'), 10);
        var delay = retryAfter >= 0 ? retryAfter * 1000 : Math.pow(2, attempt) * 1000;
        return Math.min(delay, this.MAX_DELAY_MS);
    },

    /** The storage error code and message, never the request (it carries the token). */
    _errorOf: function (response) {
        if (response.haveError()) return response.getErrorMessage();
        var code = /<Code>([^<]*)<\/Code>/.exec(response.getBody() || '');
        return code ? code[1] : 'no error code';
    },

    type: 'BcForceSignOut'
};
