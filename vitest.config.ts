import { defineConfig } from 'vitest/config';

// Tests run against the TypeScript sources; end-to-end tests build and spawn dist/cli.js.
export default defineConfig({
  test: {
    include: ['test/**/*.test.{ts,tsx}'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    reporters: ['default'],
    // Ink switches to a non-interactive renderer when CI is set (is-in-ci), which the TUI tests
    // must not get. The end-to-end tests learn that they must not skip from IOURINGTOP_E2E_REQUIRED.
    env: {
      CI: 'false',
      IOURINGTOP_E2E_REQUIRED: process.env.CI && process.env.CI !== 'false' ? '1' : '',
    },
  },
});
