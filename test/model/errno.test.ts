import { describe, expect, it } from 'vitest';
import { errnoCode, errnoName } from '../../source/model/errno.js';

describe('errno names', () => {
  it.each([
    [1, 'EPERM'],
    [9, 'EBADF'],
    [11, 'EAGAIN'],
    [22, 'EINVAL'],
    [62, 'ETIME'],
    [104, 'ECONNRESET'],
    [110, 'ETIMEDOUT'],
    [125, 'ECANCELED'],
    [133, 'EHWPOISON'],
    [512, 'ERESTARTSYS'],
    [524, 'ENOTSUPP'],
  ])('names errno %d %s', (n, name) => {
    expect(errnoName(n)).toBe(name);
    expect(errnoCode(name)).toBe(n);
  });

  it('accepts a negative result, and names unknown numbers ERRNO_<n>', () => {
    expect(errnoName(-125)).toBe('ECANCELED');
    expect(errnoName(41)).toBe('ERRNO_41');
    expect(errnoName(999)).toBe('ERRNO_999');
    expect(errnoName(70000)).toBe('ERRNO_70000');
  });

  it('reads names case-insensitively, aliases included', () => {
    expect(errnoCode('eagain')).toBe(11);
    expect(errnoCode('EWOULDBLOCK')).toBe(11);
    expect(errnoCode('EDEADLOCK')).toBe(35);
    expect(errnoCode('ENOPE')).toBeUndefined();
  });
});
