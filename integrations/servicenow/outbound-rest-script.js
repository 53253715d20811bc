/* global Class, gs, sn_ws, sn_cc, GlideRecord, GlideDateTime */
/**
 * ServiceNow Script Include "BcForceSignOut" (global scope, client callable: false).
 *
 * Sends a sign-out request for a ticket to the bc-force-signout request queue, and writes what happened into the
 * ticket's work notes. ES5 only: ServiceNow runs server scripts on Rhino.
 *
 * Nothing here waits: a business rule calls submit(), which only queues the event x_bcfs.signout.send; the Script
 * Action on that event makes one attempt (sendFromEvent) and, when the queue asks to retry, queues the event again
 * for later instead of sleeping on a worker thread.
 *
 * Configuration (system properties, one prefix: x_bcfs.; secrets live only in OAuth and credential records):
 *   x_bcfs.storage_account         storage account name (azd output STORAGE_ACCOUNT_NAME)
 *   x_bcfs.queue_name              request queue (default signout-requests)
 *   x_bcfs.queue_oauth_profile_id  sys_id of the OAuth Entity Profile (client credentials) of the app registration
 *                                  holding only "Storage Queue Data Message Sender"; scope https://storage.azure.com/.default
 *   x_bcfs.api_host                function app host (azd output FUNCTION_APP_HOST), to read results
 *   x_bcfs.api_oauth_profile_id    sys_id of an OAuth Entity Profile whose token holds the API's SignOut.Read role
 *   x_bcfs.api_credential_id       or: sys_id of an API Key credential holding the status function's own key
 *   x_bcfs.callback_url            this instance's Scripted REST endpoint for results (optional)
 */
var BcForceSignOut = Class.create();

// ES5 for Rhino: the repository's Prettier settings would add trailing commas to calls, which ES5 refuses.
// prettier-ignore
BcForceSignOut.prototype = {
    SEND_EVENT: 'x_bcfs.signout.send',
    STORAGE_API_VERSION: '2023-11-03',
    /** The queue service refuses messages over 64 KiB, measured on the encoded text. */
    MAX_MESSAGE_CHARS: 65536,
    /**
     * The message travels in the event's parm1, a 4,000-character field of sysevent on the instances we know of
     * (check its dictionary entry on yours): a longer message is refused rather than cut.
     */
    MAX_EVENT_PARM_CHARS: 4000,
    MAX_ATTEMPTS: 4,
    MAX_DELAY_SECONDS: 300,
    BASE64: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/',

    initialize: function (config) {
        var property = function (name, fallback) {
            return gs.getProperty(name, fallback);
        };
        config = config || {};
        this.storageAccount = config.storageAccount || property('x_bcfs.storage_account', '');
        this.queueName = config.queueName || property('x_bcfs.queue_name', 'signout-requests');
        this.queueOAuthProfileId = config.queueOAuthProfileId || property('x_bcfs.queue_oauth_profile_id', '');
        this.apiHost = config.apiHost || property('x_bcfs.api_host', '');
        this.apiOAuthProfileId = config.apiOAuthProfileId || property('x_bcfs.api_oauth_profile_id', '');
        this.apiCredentialId = config.apiCredentialId || property('x_bcfs.api_credential_id', '');
        this.callbackUrl = config.callbackUrl || property('x_bcfs.callback_url', '');
    },

    /**
     * For a business rule: builds the request for a ticket (any task: incident, sc_req_item, sn_si_incident...)
     * and queues the event that sends it. Makes no call and changes no record, so the rule neither waits nor
     * updates `current`. users: UPNs or Entra object ids. options: environments, blockSignInMinutes,
     * blockPermanently, disableBcUser ('for' minutes or true = permanent), watchMinutes, dryRun, requestedBy.
     */
    submit: function (ticket, users, options) {
        var message = this.buildMessage(ticket, users, options);
        var text = JSON.stringify(message);
        this._encode(text);
        if (text.length > this.MAX_EVENT_PARM_CHARS)
            throw new Error(
                'BcForceSignOut: the request is ' + text.length + ' characters; an event carries ' +
                    this.MAX_EVENT_PARM_CHARS + ': split the users over several requests'
            );
        gs.eventQueue(this.SEND_EVENT, ticket, text, '1');
        return message;
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

    /**
     * For the Script Action on x_bcfs.signout.send: one attempt. The outcome goes into the ticket's work notes;
     * throttling and server errors queue the event again, after Retry-After or a growing delay.
     */
    sendFromEvent: function (event, ticket) {
        var attempt = parseInt(event.parm2, 10) || 1;
        var outcome = this.send(event.parm1, attempt);
        if (outcome.status === 'queued') {
            this._note(ticket, 'BC force sign-out request queued (attempt ' + attempt + ').');
        } else if (outcome.status === 'retry' && attempt < this.MAX_ATTEMPTS) {
            var when = new GlideDateTime();
            when.addSeconds(outcome.retryAfterSeconds);
            gs.eventQueueScheduled(this.SEND_EVENT, ticket, event.parm1, String(attempt + 1), when);
        } else {
            this._note(
                ticket,
                'BC force sign-out request NOT queued: the queue answered ' + outcome.statusCode + ' (' +
                    outcome.error + ') on attempt ' + attempt + '. Nobody has been signed out by it.'
            );
        }
        return outcome;
    },

    /**
     * Puts the message (the request's JSON text) on the queue, once; attempt (1, 2, ...) sets the delay asked for
     * a retry. The token comes from the OAuth profile: ServiceNow requests and caches it, and the client secret
     * stays in the OAuth application record.
     * Answers { status: 'queued' | 'retry' | 'refused', statusCode, retryAfterSeconds, error }.
     */
    send: function (messageText, attempt) {
        var body =
            '<?xml version="1.0" encoding="utf-8"?><QueueMessage><MessageText>' +
            this._encode(messageText) +
            '</MessageText></QueueMessage>';
        var request = new sn_ws.RESTMessageV2();
        request.setEndpoint(
            'https://' + this.storageAccount + '.queue.core.windows.net/' + encodeURIComponent(this.queueName) +
                '/messages'
        );
        request.setHttpMethod('POST');
        request.setHttpTimeout(30000);
        request.setAuthenticationProfile('oauth2', this._required(this.queueOAuthProfileId, 'x_bcfs.queue_oauth_profile_id'));
        request.setRequestHeader('x-ms-version', this.STORAGE_API_VERSION);
        request.setRequestHeader('x-ms-date', new Date().toUTCString());
        request.setRequestHeader('Content-Type', 'application/xml');
        request.setRequestBody(body);
        var response = request.execute();
        var statusCode = response.getStatusCode();
        if (statusCode === 201) return { status: 'queued', statusCode: statusCode };
        return {
            status: this._retryable(statusCode) ? 'retry' : 'refused',
            statusCode: statusCode,
            retryAfterSeconds: this._retryAfterSeconds(response, attempt || 1),
            error: this._errorOf(response)
        };
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
        this._note(task, this.summarize(status.body));
        return 'recorded';
    },

    /**
     * GET /api/signouts/{id}, with a read-only identity: an Entra token holding SignOut.Read (OAuth profile), or
     * the status function's own key, which opens that route only (an App key would also let ServiceNow post
     * sign-outs).
     */
    fetchStatus: function (requestId) {
        var request = new sn_ws.RESTMessageV2();
        request.setEndpoint('https://' + this.apiHost + '/api/signouts/' + encodeURIComponent(requestId));
        request.setHttpMethod('GET');
        request.setHttpTimeout(30000);
        if (this.apiOAuthProfileId) {
            request.setAuthenticationProfile('oauth2', this.apiOAuthProfileId);
        } else {
            var credentialId = this._required(this.apiCredentialId, 'x_bcfs.api_oauth_profile_id or x_bcfs.api_credential_id');
            var credential = new sn_cc.StandardCredentialsProvider().getCredentialByID(credentialId);
            request.setRequestHeader('x-functions-key', credential.getAttribute('api_key'));
        }
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

    /** A work note on a record, written here, outside any business rule. */
    _note: function (record, text) {
        record.work_notes = text;
        record.update();
    },

    _required: function (value, name) {
        if (!value) throw new Error('BcForceSignOut: set the system property ' + name);
        return value;
    },

    /**
     * Base64 of the text's UTF-8 bytes, as the Functions host decodes queue messages (host.json messageEncoding).
     * Done here rather than with gs.base64Encode, whose character set is not documented: "Müller" must arrive as
     * "Müller". Throws when the encoded message is over the queue's limit.
     */
    _encode: function (text) {
        var bytes = [];
        for (var i = 0; i < text.length; i++) {
            var code = text.charCodeAt(i);
            if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
                var low = text.charCodeAt(i + 1);
                if (low >= 0xdc00 && low <= 0xdfff) {
                    code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
                    i++;
                }
            }
            if (code < 0x80) bytes.push(code);
            else if (code < 0x800) bytes.push(0xc0 | (code >> 6), 0x80 | (code & 63));
            else if (code < 0x10000) bytes.push(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 63), 0x80 | (code & 63));
            else
                bytes.push(
                    0xf0 | (code >> 18), 0x80 | ((code >> 12) & 63), 0x80 | ((code >> 6) & 63), 0x80 | (code & 63)
                );
        }
        var out = '';
        for (var j = 0; j < bytes.length; j += 3) {
            var chunk = (bytes[j] << 16) | ((bytes[j + 1] || 0) << 8) | (bytes[j + 2] || 0);
            out += this.BASE64.charAt((chunk >> 18) & 63) + this.BASE64.charAt((chunk >> 12) & 63);
            out += j + 1 < bytes.length ? this.BASE64.charAt((chunk >> 6) & 63) : '=';
            out += j + 2 < bytes.length ? this.BASE64.charAt(chunk & 63) : '=';
        }
        if (out.length > this.MAX_MESSAGE_CHARS)
            throw new Error('BcForceSignOut: the message is ' + out.length + ' characters encoded; the limit is 65536');
        return out;
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

    /** Retry-After (seconds) when the queue gives one, else 30 s, 60 s, 120 s...; never more than MAX_DELAY_SECONDS. */
    _retryAfterSeconds: function (response, attempt) {
        var retryAfter = parseInt(response.getHeader('Retry-After'), 10);
        var delay = retryAfter >= 0 ? retryAfter : 30 * Math.pow(2, attempt - 1);
        return Math.min(delay, this.MAX_DELAY_SECONDS);
    },

    /** The storage error code and message, never the request (the platform adds the token to it). */
    _errorOf: function (response) {
        if (response.haveError()) return response.getErrorMessage();
        var code = /<Code>([^<]*)<\/Code>/.exec(response.getBody() || '');
        return code ? code[1] : 'no error code';
    },

    type: 'BcForceSignOut'
};
