/**
 * Prints the README's settings table from src/settings.ts, so the documentation is regenerated rather than
 * retyped: `npx tsx scripts/settings-table.ts`. A test checks the README names every setting.
 */
import { SETTINGS } from '../src/settings';

const cell = (text: string) => text.replace(/\|/g, '\\|');
for (const setting of SETTINGS) {
    const fallback = 'defaultValue' in setting && setting.defaultValue ? `\`${setting.defaultValue}\`` : '—';
    console.log(`| \`${setting.name}\` | ${fallback} | ${cell(setting.description)} |`);
}
