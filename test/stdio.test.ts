import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { guardStdio, onTerminalGone, terminalGone } from '../source/stdio.js';

const fail = (code: string) => Object.assign(new Error(`write ${code}`), { code });

describe('stdio guards', () => {
  it('EPIPE is ignored, EIO on a terminal marks it gone (once), anything else still throws', () => {
    const tty = Object.assign(new PassThrough(), { isTTY: true }) as unknown as NodeJS.WriteStream;
    const file = new PassThrough() as unknown as NodeJS.WriteStream;
    guardStdio([tty, file]);
    guardStdio([tty, file]); // idempotent: one listener per stream
    expect(tty.listenerCount('error')).toBe(1);
    const seen: string[] = [];
    const off = onTerminalGone(() => seen.push('gone'));
    tty.emit('error', fail('EPIPE'));
    file.emit('error', fail('EPIPE'));
    expect(terminalGone()).toBe(false);
    expect(() => tty.emit('error', fail('ENOSPC'))).toThrow('write ENOSPC');
    // EIO from a file (a failing disk) is an error, not a hangup
    expect(() => file.emit('error', fail('EIO'))).toThrow('write EIO');
    expect(terminalGone()).toBe(false);
    tty.emit('error', fail('EIO'));
    tty.emit('error', fail('EIO'));
    expect(terminalGone()).toBe(true);
    expect(seen).toEqual(['gone']);
    off();
    // a stream without the guard would crash the process on the same error
    expect(() => new PassThrough().emit('error', fail('EIO'))).toThrow('write EIO');
  });
});
