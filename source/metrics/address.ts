/**
 * `--metrics [ADDR:]PORT`: where the exporter listens. Strict, so a typo fails at once rather than
 * exposing the endpoint somewhere unintended: the port is a whole number from 1 to 65535; the
 * address, when given, an IPv4 address or an IPv6 one in brackets (a host name could resolve to
 * several addresses, or to another one tomorrow). Without an address: 127.0.0.1, this machine
 * only; `0.0.0.0:PORT` or `[::]:PORT` opens it to the network, on purpose.
 */
import net from 'node:net';

export interface ListenAddress {
  host: string;
  port: number;
}

export const DEFAULT_METRICS_HOST = '127.0.0.1';

const EXAMPLE = 'e.g. --metrics 9464, --metrics 127.0.0.1:9464 or --metrics [::1]:9464';

/** The address, or a one-line message saying what is wrong. */
export function parseListenAddress(text: string): ListenAddress | string {
  const bad = (why: string): string => `--metrics ${JSON.stringify(text)}: ${why} (${EXAMPLE})`;
  const t = text.trim();
  let host = DEFAULT_METRICS_HOST;
  let portText = t;
  const bracketed = /^\[([^\]]*)\]:(.*)$/.exec(t);
  if (bracketed) {
    if (!net.isIPv6(bracketed[1]))
      return bad(`${JSON.stringify(bracketed[1])} is not an IPv6 address`);
    host = bracketed[1];
    portText = bracketed[2];
  } else if (t.includes(':')) {
    const cut = t.lastIndexOf(':');
    const addr = t.slice(0, cut);
    if (addr.includes(':') || net.isIPv6(t)) return bad('put an IPv6 address in brackets');
    if (!net.isIPv4(addr)) return bad(`${JSON.stringify(addr)} is not an IPv4 address`);
    host = addr;
    portText = t.slice(cut + 1);
  }
  if (!/^[0-9]{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535)
    return bad('the port must be a whole number from 1 to 65535');
  return { host, port: Number(portText) };
}
