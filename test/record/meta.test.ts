import { describe, expect, it } from 'vitest';
import { isoLocal, sessionSpanUs } from '../../source/record/meta.js';

describe('sessionSpanUs', () => {
  it('is the time between start and end, in µs, whatever the offsets', () => {
    expect(
      sessionSpanUs({
        startedAt: '2026-11-27T08:02:39.660+00:00',
        endedAt: '2026-11-27T09:02:44.735+01:00',
      }),
    ).toBe(5_075_000);
  });

  it('round-trips the live session’s own times exactly (ms precision)', () => {
    const a = new Date(1_790_000_000_123);
    const b = new Date(1_790_000_003_456);
    expect(sessionSpanUs({ startedAt: isoLocal(a), endedAt: isoLocal(b) })).toBe(3_333_000);
  });

  it('is undefined for a session that never ended, or times that do not parse or run backwards', () => {
    expect(sessionSpanUs({ startedAt: '2026-11-27T08:02:39.660+00:00', endedAt: null })).toBe(
      undefined,
    );
    expect(
      sessionSpanUs({ startedAt: 'yesterday', endedAt: '2026-11-27T08:02:39.660+00:00' }),
    ).toBe(undefined);
    expect(
      sessionSpanUs({
        startedAt: '2026-11-27T08:02:40.000+00:00',
        endedAt: '2026-11-27T08:02:39.000+00:00',
      }),
    ).toBe(undefined);
  });
});
