// Requires the given entry points as the Functions worker does with package.json `main`, then reports how long that
// took inside the process. Runs in a fresh process per measurement.
const path = require('node:path');

const started = process.hrtime.bigint();
for (const file of process.argv.slice(2)) require(path.resolve(file));
const requireInMs = Number(process.hrtime.bigint() - started) / 1e6;
process.stdout.write(`${JSON.stringify({ requireInMs })}\n`);
