import { defineConfig } from 'vitest/config';

// Tests run against the TypeScript sources; end-to-end tests build and spawn dist/cli.js.
export default defineConfig({
  test: {
    include: ['test/**/*.test.{ts,tsx}'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    reporters: ['default'],
  },
});
