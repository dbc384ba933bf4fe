import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './duration.js';

describe('parseDuration', () => {
  it('reads single units', () => {
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('10s')).toBe(10_000);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('1d')).toBe(86_400_000);
    expect(parseDuration('0s')).toBe(0);
  });

  it('adds up compound durations', () => {
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('1d2h3m4s5ms')).toBe(93_784_005);
    // `m` followed by `s` is read as milliseconds, not minutes then a bare `s`
    expect(parseDuration('1ms')).toBe(1);
    expect(parseDuration('2m5ms')).toBe(120_005);
  });

  it('reads decimals and rounds to whole milliseconds', () => {
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('0.25h')).toBe(900_000);
    expect(parseDuration('1.0006s')).toBe(1001);
    expect(parseDuration('0.4ms')).toBe(0);
  });

  it('reads a bare number as milliseconds', () => {
    expect(parseDuration('42')).toBe(42);
    expect(parseDuration('0')).toBe(0);
    expect(parseDuration('007')).toBe(7);
  });

  it('ignores surrounding whitespace', () => {
    expect(parseDuration('  10s \n')).toBe(10_000);
    expect(parseDuration(' 42 ')).toBe(42);
  });

  it('returns null for anything else', () => {
    for (const text of [
      '',
      '   ',
      'abc',
      's',
      'ms',
      '-5s',
      '-5',
      '+5s',
      '10 s',
      '1h 30m',
      '10sec',
      '10S',
      '1w',
      '1.5',
      '.5s',
      '5.s',
      '1e3',
      '1e3ms',
      '1m30',
      '10s!',
      'Infinity',
      'NaN',
      '0x10',
    ]) {
      expect(parseDuration(text), JSON.stringify(text)).toBeNull();
    }
  });
});

describe('formatDuration', () => {
  it('shows under a second in milliseconds', () => {
    expect(formatDuration(0)).toBe('0ms');
    expect(formatDuration(250)).toBe('250ms');
    expect(formatDuration(999)).toBe('999ms');
    expect(formatDuration(12.4)).toBe('12ms');
  });

  it('shows longer durations in whole units, largest first, skipping zero parts', () => {
    expect(formatDuration(1000)).toBe('1s');
    expect(formatDuration(90_000)).toBe('1m30s');
    expect(formatDuration(5_400_000)).toBe('1h30m');
    expect(formatDuration(3_600_000)).toBe('1h');
    expect(formatDuration(86_400_000)).toBe('1d');
    expect(formatDuration(90_061_000)).toBe('1d1h1m1s');
    expect(formatDuration(86_401_000)).toBe('1d1s');
    expect(formatDuration(10 * 86_400_000)).toBe('10d');
  });

  it('rounds to the nearest second above one second', () => {
    expect(formatDuration(1499)).toBe('1s');
    expect(formatDuration(1500)).toBe('2s');
    expect(formatDuration(59_600)).toBe('1m');
  });

  it('round-trips through parseDuration for whole seconds', () => {
    for (const ms of [1000, 61_000, 3_661_000, 90_061_000, 250]) {
      expect(parseDuration(formatDuration(ms))).toBe(ms);
    }
  });
});
