/**
 * The figures each reliability file prints when it ends: how many requests ran, how many faults were injected, and
 * the two numbers that must stay zero.
 */
export class SuiteFigures {
    requests = 0;
    faultsInjected = 0;
    lost = 0;
    duplicatesExecuted = 0;
    private readonly extra = new Map<string, number | string>();

    constructor(private readonly suite: string) {}

    note(name: string, value: number | string): void {
        this.extra.set(name, value);
    }

    print(): void {
        const lines = [
            `requests: ${this.requests}`,
            `faults injected: ${this.faultsInjected}`,
            `lost: ${this.lost}`,
            `duplicates executed: ${this.duplicatesExecuted}`,
            ...[...this.extra].map(([name, value]) => `${name}: ${value}`),
        ];
        console.log(`[reliability] ${this.suite}\n  ${lines.join('\n  ')}`);
    }
}
