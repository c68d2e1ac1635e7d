/**
 * What view 6 can show (every operation through the filter, then the processes, then the
 * opcodes) and its title: the heatmap of the chosen row, or a wait for it.
 */
import { describe, expect, it } from 'vitest';
import { Model } from '../../source/model/model.js';
import { heatmapLines, heatTargets } from '../../source/ui/heatmapScreen.js';
import { ev, SEC, T } from '../model/helpers.js';

function model(): Model {
  const m = new Model();
  for (let s = 0; s < 3; s++) {
    m.push(ev({ tsUs: T + s * SEC, pid: 1, comm: 'quiet', opcode: 22 }));
    for (let i = 0; i < 5; i++)
      m.push(ev({ tsUs: T + s * SEC + i, pid: 2, comm: 'busy\u001b', opcode: 23, latencyNs: 5e6 }));
  }
  m.advance(T + 4 * SEC);
  return m;
}

describe('heatTargets', () => {
  it('lists every operation, then the processes and the opcodes, busiest first, names escaped', () => {
    const snap = model().snapshot();
    const t = heatTargets(snap, {});
    expect(t.map((x) => x.name)).toEqual([
      'every operation',
      'PID 2 busy\\x1b',
      'PID 1 quiet',
      'WRITE (every process)',
      'READ (every process)',
    ]);
    expect(t[0].key).toBe('total');
    expect(heatTargets(snap, { pids: [1] }).map((x) => x.name)).toEqual([
      'every operation through the filter',
      'PID 1 quiet',
      'WRITE (every process)',
      'READ (every process)',
    ]);
  });

  it('draws the heatmap of the chosen row, and waits for one of another', () => {
    const m = model();
    const snap = m.snapshot();
    const busy = heatTargets(snap, {})[1];
    const withMap = m.snapshot({ heatmap: { key: busy.key, columns: 73 } });
    const lines = heatmapLines(withMap, busy, 80, 20, false).map((l) =>
      l.map((r) => r.text).join(''),
    );
    expect(lines[0]).toMatch(/^ latency of PID 2 busy\\x1b {2}15 operations in 73 s/);
    // 5 ms: the 4.10 ms band (4.096 to 8.192 ms), in the three seconds' columns at the right
    const band = lines.find((l) => l.startsWith('4.10ms'))!;
    expect(band.trimEnd().endsWith('███')).toBe(true);
    expect(
      heatmapLines(snap, busy, 80, 20, false)[0]
        .map((r) => r.text)
        .join(''),
    ).toMatch(/ …$/);
  });
});
