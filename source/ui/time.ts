/** Clock and duration text for the header and the replay status line. */

const pad2 = (n: number) => String(n).padStart(2, '0');

/** Local wall-clock time of a µs timestamp: `HH:MM:SS`. */
export function clockTime(tsUs: number): string {
  if (!Number.isFinite(tsUs) || tsUs <= 0) return '--:--:--';
  const d = new Date(tsUs / 1000);
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

/** Local date and time of a µs timestamp: `YYYY-MM-DD HH:MM:SS`. */
export function dateTime(tsUs: number): string {
  if (!Number.isFinite(tsUs) || tsUs <= 0) return '----------';
  const d = new Date(tsUs / 1000);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${clockTime(tsUs)}`;
}

/** A span of seconds as `M:SS`, `H:MM:SS` from an hour, `Nd HH:MM:SS` from a day. */
export function span(sec: number): string {
  if (!Number.isFinite(sec) || sec < 0) sec = 0;
  const s = Math.floor(sec);
  const days = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = `${pad2(m)}:${pad2(s % 60)}`;
  if (days > 0) return `${days}d ${pad2(h)}:${rest}`;
  if (h > 0) return `${h}:${rest}`;
  return `${m}:${pad2(s % 60)}`;
}

/** A refresh interval: `250ms`, `1s`, `2.5s`. */
export function interval(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${Number((ms / 1000).toFixed(1))}s`;
}
