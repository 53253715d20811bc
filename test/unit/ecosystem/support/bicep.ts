/**
 * Just enough of Bicep's syntax to read the top-level properties of one object literal, so the app settings in
 * infra can be compared with src/settings.ts without the Bicep CLI. Assumes one property per line (what
 * `bicep format` writes) and no multi-line `'''` strings in the literal.
 */

/** The text with comments and the contents of strings (interpolations included) blanked out, newlines kept. */
export function maskStringsAndComments(text: string): string {
    const out = text.split('');
    const blank = (index: number) => {
        if (out[index] !== '\n') out[index] = ' ';
    };
    // Each open string or interpolation: an interpolation remembers how many braces it has open.
    const stack: Array<{ kind: 'string' } | { kind: 'interpolation'; braces: number }> = [];
    let i = 0;
    while (i < text.length) {
        const char = text[i];
        const top = stack[stack.length - 1];
        if (!top) {
            if (char === '/' && text[i + 1] === '/') {
                while (i < text.length && text[i] !== '\n') blank(i++);
                continue;
            }
            if (char === '/' && text[i + 1] === '*') {
                const end = text.indexOf('*/', i + 2);
                const stop = end === -1 ? text.length : end + 2;
                while (i < stop) blank(i++);
                continue;
            }
            if (char === "'") stack.push({ kind: 'string' });
            i += 1;
            continue;
        }
        if (top.kind === 'string') {
            if (char === '\\') {
                blank(i);
                blank(i + 1);
                i += 2;
                continue;
            }
            if (char === "'") {
                stack.pop();
                i += 1;
                continue;
            }
            if (char === '$' && text[i + 1] === '{') {
                stack.push({ kind: 'interpolation', braces: 0 });
                blank(i);
                blank(i + 1);
                i += 2;
                continue;
            }
            blank(i++);
            continue;
        }
        if (char === "'") stack.push({ kind: 'string' });
        else if (char === '{') top.braces += 1;
        else if (char === '}') {
            if (top.braces === 0) stack.pop();
            else top.braces -= 1;
        }
        blank(i++);
    }
    return out.join('');
}

/**
 * The top-level properties of the object literal assigned to `var <name>`, as property name -> value text.
 * Throws when the variable is missing, so a renamed block fails loudly instead of comparing nothing.
 */
export function readObjectVariable(bicep: string, name: string): Map<string, string> {
    const masked = maskStringsAndComments(bicep);
    const declaration = new RegExp(`^var\\s+${name}\\s*=\\s*\\{`, 'm').exec(masked);
    if (!declaration) throw new Error(`no "var ${name} = {" in the Bicep file`);
    const properties = new Map<string, string>();
    let depth = 0;
    for (let i = declaration.index + declaration[0].length - 1; i < masked.length; i += 1) {
        const char = masked[i];
        if (char === '{' || char === '[' || char === '(') depth += 1;
        else if (char === '}' || char === ']' || char === ')') {
            depth -= 1;
            if (depth === 0) return properties;
        } else if (char === '\n') {
            if (depth === 1) {
                const line = bicep.slice(i + 1, bicep.indexOf('\n', i + 1));
                const property = /^\s*(?:'([^']+)'|([A-Za-z_][A-Za-z0-9_]*))\s*:\s*(.*?)\s*$/.exec(line);
                if (property) properties.set(property[1] ?? property[2] ?? '', property[3] ?? '');
            }
        }
    }
    throw new Error(`"var ${name} = {" is never closed`);
}

/** `param <name> <type> = <default>` declarations: name -> default text (undefined when there is none). */
export function readParameters(bicep: string): Map<string, string | undefined> {
    const parameters = new Map<string, string | undefined>();
    for (const match of bicep.matchAll(/^param\s+(\w+)\s+\w+(?:\s*=\s*(.+?))?\s*$/gm)) {
        parameters.set(match[1] ?? '', match[2]);
    }
    return parameters;
}
