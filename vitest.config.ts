import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Vitest's default is one worker less than the cores: a single test file at a time on CI's
    // 2 cores, whose second core then stays idle while the first loads, migrates and tests.
    // The browser tests stay one file at a time (fileParallelism below).
    maxWorkers: 2,
    projects: [
      {
        test: {
          name: 'unit',
          // The portal's tests too: data layer and components (those say `@vitest-environment happy-dom`).
          include: ['packages/*/src/**/*.test.ts', 'packages/web/src/**/*.test.tsx'],
          exclude: ['**/*.e2e.test.{ts,tsx}', '**/node_modules/**'],
          environment: 'node',
          // On PGlite: one empty data folder initialised per run, copied for each test database.
          globalSetup: ['packages/server/src/testing/pglite-template.ts'],
          testTimeout: 20_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['packages/*/src/**/*.e2e.test.ts', 'packages/*/e2e/**/*.e2e.test.ts'],
          environment: 'node',
          // PGlite: one empty data folder initialised per run, copied for each system started (harness.ts).
          globalSetup: ['packages/server/src/testing/pglite-template.ts'],
          testTimeout: 90_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
