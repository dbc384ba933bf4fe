import { defineConfig } from 'vitest/config';

// `npm run test:chaos`: the fault suite at full size, one scenario at a time (each loads the
// machine on its own). Reports land in test-artifacts/chaos/*.json.
export default defineConfig({
  test: {
    include: ['test/chaos/**/*.chaos.ts'],
    testTimeout: 30 * 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
