import { parse as parseYaml } from 'yaml';
import { ChronoqError } from './errors.js';

/**
 * The workflow a file holds, as plain data (validate it next with `parseWorkflowSpec`): JSON
 * when the name ends in `.json` or the text starts with `{`, YAML otherwise.
 */
export function readWorkflowText(text: string, fileName = ''): unknown {
  const json = fileName.toLowerCase().endsWith('.json') || text.trimStart().startsWith('{');
  try {
    return json
      ? (JSON.parse(text) as unknown)
      : (parseYaml(text, { maxAliasCount: 100 }) as unknown);
  } catch (err) {
    const what = json ? 'JSON' : 'YAML';
    throw new ChronoqError(
      'invalid',
      `${fileName || 'workflow'} is not valid ${what}: ${(err as Error).message.split('\n')[0]}`,
    );
  }
}
