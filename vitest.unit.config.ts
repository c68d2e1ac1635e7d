import { defineConfig } from 'vitest/config';
import { common, unitFiles } from './vitest.config.js';

// `npm run test:unit`, the edit-test loop: every test but the end-to-end ones (test/e2e: root,
// bpftrace, workloads), files in parallel. No lint and no build; the few tests that run the built
// command (dist/cli.js) say so when it is missing. `npm test` runs the whole suite, as CI does.
export default defineConfig({
  test: {
    ...common,
    include: unitFiles,
    fileParallelism: true,
    // vitest's default is one worker fewer than the cores: none in parallel on 2 cores
    maxWorkers: 2,
  },
});
