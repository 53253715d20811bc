export interface TargetCheck {
    name: string;
    target: string;
    measured: string;
    pass: boolean;
}

export interface TargetInputs {
    roundTrips: number;
    bulkInMs: number;
    baselineInMs: number;
    floorInMs: number;
    coldStartAppInMs: number;
    coldStartBareInMs: number;
}

const times = (value: number) => `${value.toFixed(2)}×`;

/** The goals of issue 7; a miss is reported like a pass, never left out. */
export function checkTargets(inputs: TargetInputs): TargetCheck[] {
    const speedup = inputs.baselineInMs / inputs.bulkInMs;
    const overFloor = inputs.bulkInMs / inputs.floorInMs;
    const coldRatio = inputs.coldStartAppInMs / inputs.coldStartBareInMs;
    return [
        {
            name: 'one user: sequential round trips',
            target: '≤ 4',
            measured: String(inputs.roundTrips),
            pass: inputs.roundTrips <= 4,
        },
        {
            name: 'bulk: baseline ÷ ours',
            target: '≥ 10×',
            measured: times(speedup),
            pass: speedup >= 10,
        },
        {
            name: 'bulk: ours ÷ floor',
            target: '≤ 1.5×',
            measured: times(overFloor),
            pass: overFloor <= 1.5,
        },
        {
            name: 'cold start: app ÷ bare app',
            target: '≤ 1.5×',
            measured: times(coldRatio),
            pass: coldRatio <= 1.5,
        },
    ];
}
