import { describe, expect, it } from 'vitest';
import { parsePayload, splitCommand } from './args.js';
import { UsageError } from './exit.js';

describe('splitCommand', () => {
  it.each([
    ['echo hi', ['echo', 'hi']],
    ['  spaced   out\targs\n', ['spaced', 'out', 'args']],
    [`cmd "a b" c`, ['cmd', 'a b', 'c']],
    [`sh -c 'echo "$HOME" && ls'`, ['sh', '-c', 'echo "$HOME" && ls']],
    [`say "she said \\"hi\\"" \\$x`, ['say', 'she said "hi"', '$x']],
    [`keep "back\\slash" 'lit\\eral'`, ['keep', 'back\\slash', 'lit\\eral']],
    [`empty "" ''`, ['empty', '', '']],
    [`con"cat"'ena'ted`, ['concatenated']],
    [`a\\ b`, ['a b']],
    ['', []],
  ])('%s', (text, words) => {
    expect(splitCommand(text)).toEqual(words);
  });

  it('refuses unterminated quotes', () => {
    expect(() => splitCommand(`echo "oops`)).toThrow(UsageError);
    expect(() => splitCommand(`echo 'oops`)).toThrow(/unterminated ' quote/);
    expect(() => splitCommand(`echo \\`)).toThrow(/lone backslash/);
  });
});

describe('parsePayload', () => {
  const files: Record<string, string> = { 'p.json': '{"to":"a@b.c"}', 'bad.json': '{nope' };
  const readFile = (path: string) => {
    const t = files[path];
    if (t === undefined) throw Object.assign(new Error('missing'), { code: 'ENOENT' });
    return t;
  };

  it('reads JSON text and @file', () => {
    expect(parsePayload('{"n":1}', readFile)).toEqual({ n: 1 });
    expect(parsePayload('[1,2]', readFile)).toEqual([1, 2]);
    expect(parsePayload('"text"', readFile)).toBe('text');
    expect(parsePayload('@p.json', readFile)).toEqual({ to: 'a@b.c' });
  });

  it('names the flag when the payload is not JSON or the file is missing', () => {
    expect(() => parsePayload('{a:1}', readFile)).toThrow(/^--payload is not JSON/);
    expect(() => parsePayload('@bad.json', readFile)).toThrow(/--payload @bad.json is not JSON/);
    expect(() => parsePayload('@nope.json', readFile)).toThrow(/cannot read nope.json \(ENOENT\)/);
    expect(() => parsePayload('@', readFile)).toThrow(UsageError);
  });
});
