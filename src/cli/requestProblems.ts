import type { FieldProblem } from '../core/errors';

/**
 * The option that sets each request field, so a schema problem points at what the admin typed. Users come from
 * three sources, so their problems show the value instead.
 */
const OPTION_OF_FIELD: readonly (readonly [field: string, option: string])[] = [
    ['tenantId', '--tenant'],
    ['reason', '--reason'],
    ['environmentTypes', '--env-type'],
    ['environments', '--env'],
    ['actions.blockSignIn', '--block'],
    ['actions.disableBcUser', '--disable-bc'],
    ['actions', '--no-revoke/--no-cancel'],
    ['watchMinutes', '--watch-minutes'],
    ['ticket', '--ticket'],
    ['requestId', '--request-id'],
];

export function optionOf(field: string): string | undefined {
    return OPTION_OF_FIELD.find(
        ([prefix]) => field === prefix || field.startsWith(`${prefix}.`) || field.startsWith(`${prefix}[`),
    )?.[1];
}

/**
 * One line per problem: the field, the value when it is one of the users (the index alone means little after
 * combining arguments, a file and standard input), the option that sets it, and the reason.
 */
export function formatProblems(problems: readonly FieldProblem[], input?: { users?: unknown }): string[] {
    return problems.map(({ field, reason }) => {
        const index = /^users\[(\d+)\]$/.exec(field)?.[1];
        const users = Array.isArray(input?.users) ? input.users : [];
        const value = index !== undefined ? users[Number(index)] : undefined;
        const option = optionOf(field);
        return `  ${field}${typeof value === 'string' ? ` "${value}"` : ''}${option ? ` (${option})` : ''}: ${reason}`;
    });
}

/**
 * Problems with the options themselves, then the schema's, without the schema repeating a problem an option
 * already explains (a missing `--reason` is one problem, not two).
 */
export function combineProblems(
    optionProblems: readonly FieldProblem[],
    schemaProblems: readonly FieldProblem[],
): FieldProblem[] {
    const named = new Set(optionProblems.map((problem) => problem.field));
    return [...optionProblems, ...schemaProblems.filter((problem) => !named.has(optionOf(problem.field) ?? ''))];
}
