/** Polls a condition every 50 ms; throws naming `what` (and `explain()`) when it is not met within `timeoutInMs`. */
export async function waitUntil(
    what: string,
    timeoutInMs: number,
    condition: () => boolean,
    explain: () => string = () => '',
): Promise<void> {
    const deadline = Date.now() + timeoutInMs;
    while (!condition()) {
        if (Date.now() > deadline)
            throw new Error(`timed out after ${timeoutInMs} ms waiting for ${what} ${explain()}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
}
