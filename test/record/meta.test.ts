import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  describeRecording,
  isoLocal,
  META_FORMAT_VERSION,
  readSessionMeta,
  sessionSpanUs,
  type SessionMeta,
} from '../../source/record/meta.js';

const v2 = (startedAt: string, endedAt: string | null) => ({
  formatVersion: 2,
  startedAt,
  endedAt,
});

describe('sessionSpanUs', () => {
  it('is the time between start and end, in µs, whatever the offsets', () => {
    expect(
      sessionSpanUs(v2('2026-11-27T08:02:39.660+00:00', '2026-11-27T09:02:44.735+01:00')),
    ).toBe(5_075_000);
  });

  it('round-trips the live session’s own times exactly (ms precision)', () => {
    const a = new Date(1_790_000_000_123);
    const b = new Date(1_790_000_003_456);
    expect(sessionSpanUs(v2(isoLocal(a), isoLocal(b)))).toBe(3_333_000);
    expect(META_FORMAT_VERSION).toBe(2);
  });

  it('is undefined for a session that never ended, or times that do not parse or run backwards', () => {
    expect(sessionSpanUs(v2('2026-11-27T08:02:39.660+00:00', null))).toBe(undefined);
    expect(sessionSpanUs(v2('yesterday', '2026-11-27T08:02:39.660+00:00'))).toBe(undefined);
    expect(
      sessionSpanUs(v2('2026-11-27T08:02:40.000+00:00', '2026-11-27T08:02:39.000+00:00')),
    ).toBe(undefined);
  });

  it('is undefined for format 1, whose times were the recorder’s open and close', () => {
    expect(
      sessionSpanUs({
        formatVersion: 1,
        startedAt: '2026-11-27T08:02:39.660+00:00',
        endedAt: '2026-11-27T08:02:44.735+00:00',
      }),
    ).toBe(undefined);
  });
});

describe('describeRecording', () => {
  const meta: SessionMeta = {
    formatVersion: 2,
    csvFile: 'iouring_x.csv',
    host: 'db1',
    kernel: '6.1.0',
    bpftraceVersion: 'v0.17.0',
    captureTier: 'tier 1',
    filters: { pid: [], comm: 'fio', opcode: null, text: 'comm:fio' },
    startedAt: '2026-11-27T07:47:30.206+01:00',
    endedAt: '2026-11-27T07:47:39.754+01:00',
    events: 20957,
    lost: 0,
    dropped: 0,
    overflow: 0,
  };

  it('names when, how long, the events, the capture filter and the bpftrace version', () => {
    expect(describeRecording(meta)).toBe(
      'recorded 2026-11-27 07:47:30 → 07:47:39 (9.5 s)  20957 events  capture filter comm:fio  bpftrace v0.17.0',
    );
  });

  it('says when a session was never closed (and gives no count: it is written at close)', () => {
    expect(
      describeRecording({ ...meta, endedAt: null, filters: {}, bpftraceVersion: null, events: 0 }),
    ).toBe(
      'recorded from 2026-11-27 07:47:30, never closed (cut short?)  loss counts unknown  capture filter none',
    );
  });

  it('gives the end date when the session crossed midnight', () => {
    expect(describeRecording({ ...meta, endedAt: '2026-11-28T00:00:01.206+01:00' })).toMatch(
      /^recorded 2026-11-27 07:47:30 → 2026-11-28 00:00:01 \(58351\.0 s\)/,
    );
  });

  it('says "unknown" for a figure that is not a count, never 1e+308', () => {
    expect(describeRecording({ ...meta, lost: null, dropped: 3 })).toMatch(
      / {2}20957 events, lost unknown, 3 dropped {2}/,
    );
    expect(describeRecording({ ...meta, events: null })).toMatch(/ {2}unknown events {2}/);
  });

  it('says so when the times are missing or do not make sense, rather than printing them', () => {
    expect(describeRecording({ ...meta, startedAt: '' })).toMatch(/^recording times unknown {2}/);
    expect(describeRecording({ ...meta, endedAt: 'later' })).toMatch(
      /^recorded from 2026-11-27 07:47:30, end time unknown {2}/,
    );
  });
});

describe('readSessionMeta', () => {
  it('reads a count only as a whole number from 0 to 2^53: anything else is unknown (null)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'iouringtop-meta-'));
    try {
      const csv = path.join(dir, 'iouring_1.csv');
      const read = async (fields: Record<string, unknown>) => {
        writeFileSync(path.join(dir, 'iouring_1.meta.json'), JSON.stringify(fields));
        return readSessionMeta(csv);
      };
      expect(await read({ events: 12, lost: 0, dropped: 3 })).toMatchObject({
        events: 12,
        lost: 0,
        dropped: 3,
        overflow: 0, // absent: an older file, none counted
      });
      const bad = await read({ events: -1, lost: 1e308, dropped: 1.5, overflow: '7' });
      expect(bad).toMatchObject({ events: null, lost: null, dropped: null, overflow: null });
      expect(describeRecording({ ...bad!, startedAt: '', endedAt: 'x' })).not.toMatch(/e\+/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
