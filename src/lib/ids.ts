import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

let lastMs = -1;
let lastRandom: number[] = [];

/**
 * A time-ordered, 26-character id (ULID layout: 48 bits of milliseconds, 80 random bits).
 * Ids made by one process in the same millisecond still sort in the order they were made.
 */
export function newId(now: number = Date.now()): string {
  if (now <= lastMs) {
    increment(lastRandom);
    now = lastMs;
  } else {
    lastMs = now;
    lastRandom = [...randomBytes(16)].map((b) => b & 31);
  }
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32]! + time;
    t = Math.floor(t / 32);
  }
  return time + lastRandom.map((d) => ALPHABET[d]).join('');
}

function increment(digits: number[]): void {
  for (let i = digits.length - 1; i >= 0; i--) {
    if (digits[i]! < 31) {
      digits[i]! += 1;
      return;
    }
    digits[i] = 0;
  }
}
