import { readdirSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

/**
 * What every run shares. Tests run against the TypeScript sources; end-to-end tests build and
 * spawn dist/cli.js. Ink switches to a non-interactive renderer when CI is set (is-in-ci), which
 * the TUI tests must not get. The end-to-end tests learn that they must not skip from
 * IOURINGTOP_E2E_REQUIRED.
 */
export const common = {
  testTimeout: 120_000,
  hookTimeout: 120_000,
  reporters: ['default'],
  env: {
    CI: 'false',
    IOURINGTOP_E2E_REQUIRED: process.env.CI && process.env.CI !== 'false' ? '1' : '',
  },
};

/** Every test but the end-to-end ones: no root, no bpftrace, no workload. */
export const unitFiles = [
  'test/*.test.{ts,tsx}',
  ...readdirSync('test', { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== 'e2e')
    .map((d) => `test/${d.name}/**/*.test.{ts,tsx}`),
];

/**
 * End-to-end files that run no capture and no io_uring workload (replays of bundled recordings,
 * the install): they cannot disturb a capture test's counts, nor be disturbed by them, so they
 * run beside the capture tests, with the unit tests.
 */
const BESIDE = [
  'test/e2e/replay-tui.test.ts',
  'test/e2e/pictures.test.ts',
  'test/e2e/latency-tui.test.ts',
  'test/e2e/export.test.ts',
  'test/e2e/install.test.ts',
];

// Two projects: the capture lane has the end-to-end tests that trace (one at a time: their
// workloads load both CPUs, and each capture sees every io_uring program on the machine); the
// other lane has everything else. `npm test`, what CI runs, runs the two at once, one file at a
// time in each (test/lanes.ts); a plain `vitest run` runs them one after the other.
export default defineConfig({
  test: {
    ...common,
    projects: [
      {
        extends: true,
        test: {
          name: 'capture',
          include: ['test/e2e/**/*.test.{ts,tsx}'],
          exclude: BESIDE,
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: { name: 'beside', include: [...unitFiles, ...BESIDE], fileParallelism: false },
      },
    ],
  },
});
