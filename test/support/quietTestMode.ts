// Outside the Functions host, @azure/functions warns once per registration that it is in test mode (platform-facts
// §5). That is expected here; every other warning still shows.
const warn = console.warn.bind(console);
console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].includes('test mode')) return;
    warn(...args);
};
