/**
 * What an interval's events became (latency samples, events sent, events lost) goes into the
 * counts file beside its counts, and an interval in which nothing happened is written too: a
 * replay then has every interval the live capture had, and what each one's events became.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { emptyOpCounts, type CountsDelta } from '../../source/model/counts.js';
import {
  CountsWriter,
  formatCountsLine,
  parseCountsLine,
  readCountsFile,
} from '../../source/record/countsFile.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'iouringtop-countsline-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const busy: CountsDelta = {
  tsUs: 1_800_000_000_000_000,
  intervalUs: 1_000_000,
  rows: [{ ...emptyOpCounts(7, 'nop', 0), ops: 1000 }],
  latencySamples: 40,
  sent: 200,
  lost: 3,
};
const idle: CountsDelta = { tsUs: busy.tsUs + 1_000_000, intervalUs: 1_000_000, rows: [] };

describe('counts lines', () => {
  it('carry the samples, events sent and events lost, and read them back', () => {
    const line = formatCountsLine(busy);
    expect(line).toMatch(/,"s":40,"e":200,"l":3\}\n$/);
    expect(parseCountsLine(line)).toEqual(busy);
    // none lost is no field; an older line without them reads as before
    expect(formatCountsLine({ ...busy, lost: 0 })).not.toContain('"l"');
    expect(parseCountsLine('{"t":5,"i":1,"r":[]}')).toEqual({ tsUs: 5, intervalUs: 1, rows: [] });
    expect(parseCountsLine('{"t":5,"i":1,"r":[],"l":-1}')).toBe('"l" is not a count');
    expect(parseCountsLine('{"t":5,"i":1,"r":[],"e":"x"}')).toBe('"e" is not a count');
  });
  it('are written for an interval in which nothing happened', async () => {
    const file = path.join(dir, 'a.counts.jsonl');
    const w = await CountsWriter.create(file);
    w.push(busy);
    w.push(idle);
    await w.close();
    expect(w.written).toBe(2);
    expect(readFileSync(file, 'utf8').split('\n')[1]).toBe(`{"t":${idle.tsUs},"i":1000000,"r":[]}`);
    expect(await readCountsFile(file)).toEqual([busy, idle]);
  });
});
