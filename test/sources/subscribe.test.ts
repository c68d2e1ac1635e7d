import { describe, expect, it } from 'vitest';
import { SourceBase } from '../../source/sources/source.js';
import type { NoticeLevel } from '../../source/collect/bpftrace.js';

/** SourceBase as a source uses it: it tells its listeners through the protected methods. */
class Talking extends SourceBase {
  constructor() {
    super({ bufferSeconds: 1, bufferEvents: 10, aggregate: 'counts' });
  }
  say(level: NoticeLevel, text: string): void {
    this.notice(level, text);
  }
  counted(tsUs: number): void {
    this.countsArrived({ tsUs, intervalUs: 1_000_000, rows: [] });
  }
}

describe('Source.subscribe', () => {
  it('tells every listener, each the parts it listens to, until it unsubscribes', () => {
    const s = new Talking();
    const a: string[] = [];
    const b: string[] = [];
    const stopA = s.subscribe({ notice: (level, text) => a.push(`${level} ${text}`) });
    s.subscribe({
      notice: (_level, text) => b.push(text),
      counts: (d) => b.push(`counts ${d.tsUs}`),
    });
    s.say('warning', 'one');
    s.counted(5);
    stopA();
    s.say('error', 'two');
    expect(a).toEqual(['warning one']);
    expect(b).toEqual(['one', 'counts 5', 'two']);
  });

  it('hears twice when one listener subscribes twice, and each unsubscribe stops one', () => {
    const s = new Talking();
    const heard: string[] = [];
    const listener = { notice: (_l: NoticeLevel, text: string) => void heard.push(text) };
    const stop1 = s.subscribe(listener);
    s.subscribe(listener);
    s.say('info', 'x');
    stop1();
    s.say('info', 'y');
    expect(heard).toEqual(['x', 'x', 'y']);
  });
});
