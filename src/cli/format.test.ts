import { describe, expect, it } from 'vitest';
import type { TaskView } from '../client/index.js';
import { fakeTask } from '../client/testing/fake-server.js';
import {
  createStyle,
  relativeTime,
  stripStyle,
  table,
  truncate,
  visibleWidth,
  wantsColour,
} from './format.js';
import { taskDetail, taskTable } from './render.js';

const plain = createStyle(false);
const NOW = Date.parse('2030-01-01T00:01:00.000Z');

describe('table', () => {
  it('aligns columns and leaves no trailing spaces', () => {
    const text = table(
      ['ID', 'STATE', 'NOTE'],
      [
        ['1', 'running', ''],
        ['12345', 'ok', 'x'],
      ],
    );
    expect(text.split('\n')).toEqual([
      'ID     STATE    NOTE',
      '1      running',
      '12345  ok       x',
    ]);
  });

  it('measures coloured cells by what shows', () => {
    const c = createStyle(true);
    const text = table(
      ['S', 'N'],
      [
        [c.green('ok'), '1'],
        ['failed', '2'],
      ],
    );
    const lines = text.split('\n').map(stripStyle);
    expect(lines).toEqual(['S       N', 'ok      1', 'failed  2']);
    expect(visibleWidth(c.red('abc'))).toBe(3);
  });
});

describe('relativeTime', () => {
  it.each([
    ['2030-01-01T00:01:00.000Z', 'just now'],
    ['2030-01-01T00:00:48.000Z', '12s ago'],
    ['2030-01-01T00:00:00.000Z', '1m ago'],
    ['2029-12-31T21:01:00.000Z', '3h ago'],
    ['2029-12-29T00:01:00.000Z', '3d ago'],
    ['2030-01-01T00:06:00.000Z', 'in 5m'],
  ])('%s → %s', (iso, text) => {
    expect(relativeTime(iso, NOW)).toBe(text);
  });

  it('shows - for no time', () => {
    expect(relativeTime(null, NOW)).toBe('-');
  });
});

describe('colour', () => {
  it('is off when stdout is not a terminal or NO_COLOR is set', () => {
    expect(wantsColour(false, {})).toBe(false);
    expect(wantsColour(undefined, {})).toBe(false);
    expect(wantsColour(true, { NO_COLOR: '1' })).toBe(false);
    expect(wantsColour(true, {})).toBe(true);
    expect(plain.red('x')).toBe('x');
  });
});

describe('task rendering', () => {
  const task = fakeTask({
    id: 'T1',
    state: 'failed',
    attempt: 3,
    error: { message: 'boom\nstack…' },
    createdAt: '2030-01-01T00:00:30.000Z',
  }) as unknown as TaskView;

  it('lists tasks in a table without colour', () => {
    const lines = taskTable([task], NOW, plain).split('\n');
    expect(lines[0]).toMatch(/^ID\s+TYPE\s+QUEUE\s+STATE\s+ATTEMPT\s+PRIO\s+CREATED\s+ERROR$/);
    expect(lines[1]).toMatch(/^T1\s+email\.send\s+default\s+failed\s+3\s+-\s+30s ago\s+boom$/);
    expect(lines.join('\n')).not.toContain('\u001b[');
  });

  it('shows a task with its attempts and events', () => {
    const text = taskDetail(
      {
        ...task,
        attempts: [
          {
            attempt: 1,
            workerId: 'W1',
            outcome: 'failed',
            startedAt: '2030-01-01T00:00:40.000Z',
            finishedAt: '2030-01-01T00:00:42.500Z',
            error: { message: 'boom' },
          },
        ],
        events: [
          {
            at: '2030-01-01T00:00:30.000Z',
            kind: 'submitted',
            attempt: 0,
            from: null,
            to: 'ready',
            actor: 'cli',
            detail: null,
          },
        ],
      },
      NOW,
      plain,
    );
    expect(text).toMatch(/^id:\s+T1$/m);
    expect(text).toMatch(/^state:\s+failed$/m);
    expect(text).toMatch(/^1\s+failed\s+W1\s+20s ago\s+3s\s+boom$/m);
    expect(text).toMatch(/^30s ago\s+submitted\s+- → ready\s+0\s+cli$/m);
  });

  it('truncates with an ellipsis', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abc', 4)).toBe('abc');
  });
});
