import { describe, expect, it } from 'vitest';
import { parseReplayTime } from '../../source/trace/window.js';

describe('parseReplayTime', () => {
  it('reads seconds and the clock of the replay status line', () => {
    expect(parseReplayTime('90')).toBe(90);
    expect(parseReplayTime(' 90.5 ')).toBe(90.5);
    expect(parseReplayTime('0:30')).toBe(30);
    expect(parseReplayTime('12:05.25')).toBe(725.25);
    expect(parseReplayTime('75:00')).toBe(4500);
    expect(parseReplayTime('1:02:03')).toBe(3723);
  });

  it('says what it expects of anything else', () => {
    for (const bad of ['', '-5', '1:60', '1:5', 'noon', '1:60:00', '1e3'])
      expect(parseReplayTime(bad)).toMatch(/expected seconds|minutes above 59/);
  });
});
