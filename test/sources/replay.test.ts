import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildConfig } from '../../source/config.js';
import { ReplaySource } from '../../source/sources/replay.js';

const FILE = path.resolve(import.meta.dirname, '../../recordings/workload-mix.csv');

function source(): ReplaySource {
  const built = buildConfig({ replay: FILE }, true);
  if (!built.ok) throw new Error(built.error);
  return new ReplaySource(built.config, { asFastAsPossible: false });
}

describe('ReplaySource controls', () => {
  it('Space at the end changes nothing: g then plays, as it would have', async () => {
    const s = source();
    await s.start();
    const r = s.controls.replay!;
    await r.jump('end');
    expect(s.status().replay?.ended).toBe(true);
    r.togglePause();
    r.togglePause();
    r.togglePause();
    expect(s.status().replay?.paused).toBe(false);
    await r.jump('start');
    expect(s.status().replay).toMatchObject({ ended: false, paused: false });
    // pausing before the end is kept: the end does not undo it
    r.togglePause();
    await r.jump('end');
    await r.jump('start');
    expect(s.status().replay?.paused).toBe(true);
    await s.stop();
  });
});
