import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { guardStdio, onTerminalGone, terminalGone } from '../source/stdio.js';

const fail = (code: string) => Object.assign(new Error(`write ${code}`), { code });

describe('stdio guards', () => {
  it('EPIPE is ignored, EIO marks the terminal gone (once), anything else still throws', () => {
    guardStdio();
    guardStdio(); // idempotent: one listener per stream
    expect(process.stdout.listenerCount('error')).toBeGreaterThanOrEqual(1);
    const seen: string[] = [];
    const off = onTerminalGone(() => seen.push('gone'));
    process.stdout.emit('error', fail('EPIPE'));
    expect(terminalGone()).toBe(false);
    expect(() => process.stderr.emit('error', fail('ENOSPC'))).toThrow('write ENOSPC');
    process.stdout.emit('error', fail('EIO'));
    process.stderr.emit('error', fail('EIO'));
    expect(terminalGone()).toBe(true);
    expect(seen).toEqual(['gone']);
    off();
    // a stream without the guard would crash the process on the same error
    expect(() => new PassThrough().emit('error', fail('EIO'))).toThrow('write EIO');
  });
});
