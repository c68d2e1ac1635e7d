/**
 * `--metrics [ADDR:]PORT`: 127.0.0.1 unless told otherwise, IP addresses only, and every bad value
 * one line that says what is wrong with an example.
 */
import { describe, expect, it } from 'vitest';
import { parseListenAddress } from '../../source/metrics/address.js';
import { formatAddress, listenError } from '../../source/metrics/server.js';

describe('parseListenAddress', () => {
  it('a port alone listens on 127.0.0.1, this machine only', () => {
    expect(parseListenAddress('9464')).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(parseListenAddress('1')).toEqual({ host: '127.0.0.1', port: 1 });
    expect(parseListenAddress('65535')).toEqual({ host: '127.0.0.1', port: 65535 });
  });

  it('takes an IPv4 address, or an IPv6 one in brackets, as given', () => {
    expect(parseListenAddress('0.0.0.0:9464')).toEqual({ host: '0.0.0.0', port: 9464 });
    expect(parseListenAddress('10.1.2.3:80')).toEqual({ host: '10.1.2.3', port: 80 });
    expect(parseListenAddress('[::1]:9464')).toEqual({ host: '::1', port: 9464 });
    expect(parseListenAddress('[::]:9464')).toEqual({ host: '::', port: 9464 });
  });

  it('refuses anything else in one line that names the value and gives examples', () => {
    const bad: [string, RegExp][] = [
      ['0', /the port must be a whole number from 1 to 65535/],
      ['65536', /the port must be/],
      ['94a64', /the port must be/],
      ['-1', /the port must be/],
      ['1e3', /the port must be/],
      ['', /the port must be/],
      ['127.0.0.1:', /the port must be/],
      ['127.0.0.1:99999', /the port must be/],
      [':9464', /"" is not an IPv4 address/],
      ['localhost:9464', /"localhost" is not an IPv4 address/],
      ['256.1.1.1:9464', /is not an IPv4 address/],
      ['127.0.0.01:9464', /is not an IPv4 address/],
      ['::1:9464', /put an IPv6 address in brackets/],
      ['::1', /put an IPv6 address in brackets/],
      ['[127.0.0.1]:9464', /is not an IPv6 address/],
      ['[::1]9464', /is not an IPv4 address|brackets/],
      ['1.2.3.4:9464\nx', /the port must be/],
    ];
    for (const [text, why] of bad) {
      const r = parseListenAddress(text);
      expect(typeof r, text).toBe('string');
      expect(r, text).toMatch(why);
      expect(r, text).toContain(`--metrics ${JSON.stringify(text)}: `);
      expect(r, text).toContain('e.g. --metrics 9464');
      expect((r as string).split('\n'), text).toHaveLength(1);
    }
  });

  it('says what went wrong when it cannot listen, in one line', () => {
    const fail = (code: string, message = code) => Object.assign(new Error(message), { code });
    const at = { host: '::1', port: 9464 };
    expect(formatAddress(at)).toBe('[::1]:9464');
    expect(listenError({ host: '127.0.0.1', port: 9464 }, fail('EADDRINUSE'))).toBe(
      '--metrics 127.0.0.1:9464: the port is in use (another exporter?); choose another port',
    );
    expect(listenError(at, fail('EADDRNOTAVAIL'))).toMatch(/no interface/);
    expect(listenError(at, fail('EACCES'))).toMatch(/below 1024 need root/);
    expect(listenError(at, fail('EX', 'odd\nthing'))).toBe(
      '--metrics [::1]:9464: cannot listen: odd\\nthing',
    );
  });
});
