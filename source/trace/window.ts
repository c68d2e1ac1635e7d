/**
 * A time on replay's clock, as its status line writes it (`0:30`, `1:02:03`) or in seconds
 * (`90`, `90.5`): what `--from` and `--to` take to cut a window out of a recording.
 */

const CLOCK = /^(?:(\d+):)?(\d+):([0-5]\d(?:\.\d+)?)$/;
const SECONDS = /^\d+(?:\.\d+)?$/;

/** Seconds since replay's start, or a string saying what is wrong with the text. */
export function parseReplayTime(text: string): number | string {
  const t = text.trim();
  if (SECONDS.test(t)) return Number(t);
  const m = CLOCK.exec(t);
  if (m) {
    const [, h, min, s] = m;
    if (h !== undefined && Number(min) > 59) return `${JSON.stringify(text)}: minutes above 59`;
    return Number(h ?? 0) * 3600 + Number(min) * 60 + Number(s);
  }
  return `${JSON.stringify(text)}: expected seconds (90, 90.5), M:SS or H:MM:SS on replay's clock`;
}
