import { UsageError } from './exit.js';

/**
 * Split a command line the way a POSIX shell would, without expanding anything:
 * whitespace separates words; 'single quotes' keep everything literally; "double quotes" keep
 * spaces and honour \" \\ \$ and \` escapes; a backslash outside quotes escapes the next
 * character. `cmd "a b" c` → `['cmd', 'a b', 'c']`.
 */
export function splitCommand(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote === "'") {
      if (c === "'") quote = null;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === '\\' && i + 1 < text.length && '"\\$`'.includes(text[i + 1]!))
        word += text[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\') {
      if (i + 1 >= text.length)
        throw new UsageError('--exec: the command ends with a lone backslash', '--exec');
      word += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) throw new UsageError(`--exec: unterminated ${quote} quote`, '--exec');
  if (inWord) words.push(word);
  return words;
}

/** Reads a file named by `@file`. */
export type ReadFile = (path: string) => string;

/**
 * The value of `--payload`: JSON text, or `@path` for a file holding JSON.
 * Throws a `UsageError` when the file cannot be read or the text is not JSON.
 */
export function parsePayload(text: string, readFile: ReadFile): unknown {
  let json = text;
  let source = '--payload';
  if (text.startsWith('@')) {
    const path = text.slice(1);
    if (path === '')
      throw new UsageError('--payload: @ must be followed by a file name', '--payload');
    try {
      json = readFile(path);
    } catch (err) {
      const reason = (err as { code?: string }).code ?? (err as Error).message;
      throw new UsageError(`--payload: cannot read ${path} (${reason})`, '--payload');
    }
    source = `--payload ${text}`;
  }
  try {
    return JSON.parse(json) as unknown;
  } catch (err) {
    throw new UsageError(`${source} is not JSON: ${(err as Error).message}`, '--payload');
  }
}
