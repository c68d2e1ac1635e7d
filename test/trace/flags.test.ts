/**
 * The flags of `--export trace`: the window (--from, --to on replay's clock) and the filter
 * (--pid, --comm, --opcode) it takes, what they go with, and one-line errors for the rest.
 */
import { describe, expect, it } from 'vitest';
import { helpText } from '../../source/help.js';
import { configError as error, configOf as ok } from '../config.js';

describe('buildConfig: --export trace', () => {
  it('takes a window and a filter', () => {
    const c = ok({
      replay: 'r.csv',
      export: 'trace',
      from: '0:30',
      to: '45.5',
      pid: ['9446'],
      comm: ['demo*'],
      opcode: 'RECV,SEND',
    });
    expect(c).toMatchObject({
      mode: 'export',
      exportFormat: 'trace',
      window: { fromSec: 30, toSec: 45.5 },
      filter: { pids: [9446], comms: ['demo*'], opcodes: [27, 26] },
    });
    expect(ok({ replay: 'r.csv', export: 'Trace' }).window).toBeUndefined();
    expect(ok({ replay: 'r.csv', export: 'trace', to: '1:00:00' }).window).toEqual({ toSec: 3600 });
  });

  it('refuses a window or a filter anywhere else, and a window the wrong way round', () => {
    expect(error({ replay: 'r.csv', from: '10' })).toMatch(
      /^--from and --to cut a window .*--export trace$/,
    );
    expect(error({ replay: 'r.csv', export: 'openmetrics', to: '10' })).toMatch(/^--from and --to/);
    expect(error({ replay: 'r.csv', pid: ['1'] })).toMatch(
      /^--pid, --comm, --cgroup and --opcode filter live capture and --export trace; in replay, press \//,
    );
    expect(error({ replay: 'r.csv', export: 'trace', from: 'noon' })).toMatch(
      /^--from "noon": expected seconds/,
    );
    expect(error({ replay: 'r.csv', export: 'trace', from: '45', to: '0:30' })).toBe(
      '--to 0:30 is not after --from 45: the window would be empty',
    );
    expect(error({ replay: 'r.csv', export: 'trace', metricsLabels: 'comm' })).toMatch(
      /--metrics-labels labels the series .* not a trace/,
    );
  });

  it('is in --help', () => {
    const help = helpText();
    expect(help).toMatch(/or json; or trace: its operations as a timeline/);
    expect(help).toMatch(/--from TIME +with --export trace/);
    expect(help).toMatch(/--to TIME +with --export trace/);
  });
});
