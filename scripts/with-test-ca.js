#!/usr/bin/env node
// Runs a command with the test-only CA trusted. NODE_EXTRA_CA_CERTS is read once when Node starts, so it must be
// set on a child process rather than inside the process that needs it.
'use strict';
const { spawn } = require('node:child_process');
const path = require('node:path');

const [command, ...args] = process.argv.slice(2);
if (!command) {
    console.error('usage: with-test-ca <command> [args...]');
    process.exit(64);
}
const binDir = path.join(__dirname, '..', 'node_modules', '.bin');
const child = spawn(command, args, {
    stdio: 'inherit',
    shell: process.platform === 'win32',
    env: {
        ...process.env,
        NODE_EXTRA_CA_CERTS: path.join(__dirname, '..', 'test', 'simulator', 'certs', 'ca.pem'),
        PATH: `${binDir}${path.delimiter}${process.env.PATH ?? ''}`,
    },
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
