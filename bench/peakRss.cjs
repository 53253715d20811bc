// Preloaded into a bench child process (`node -r ./bench/peakRss.cjs`): at exit, writes the process's peak resident
// set size in bytes to the file BENCH_PEAK_RSS_FILE names, so a scenario measures the process it spawned.
const fs = require('node:fs');

process.on('exit', () => {
    const file = process.env.BENCH_PEAK_RSS_FILE;
    if (file) fs.writeFileSync(file, String(process.resourceUsage().maxRSS * 1024));
});
