/** Samples the process's resident set size while a scenario runs; `stop` answers the peak in bytes. */
export function sampleRss(everyInMs = 50): { stop(): number } {
    let peak = process.memoryUsage.rss();
    const timer = setInterval(() => {
        peak = Math.max(peak, process.memoryUsage.rss());
    }, everyInMs);
    return {
        stop() {
            clearInterval(timer);
            return Math.max(peak, process.memoryUsage.rss());
        },
    };
}
