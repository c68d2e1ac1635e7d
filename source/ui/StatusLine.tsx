/**
 * The bottom of the screen: in replay, a status line (play state, speed, recording time, position
 * with a progress bar); always, one line of key hints for the current mode.
 */
import React from 'react';
import { Box, Text } from 'ink';
import { hintsFor } from './bindings.js';
import { activeTable, type Mode, type UiState } from './keymap.js';
import type { SourceStatus } from './types.js';
import { fit } from './text.js';
import { dateTime, interval, span } from './time.js';

type Replay = NonNullable<SourceStatus['replay']>;

function speedText(speed: number | 'max'): string {
  if (speed === 'max') return 'max';
  return `${Number(speed.toPrecision(3))}×`;
}

/**
 * The replay's one clock, which the header and the status line both show: where playback is
 * (seconds since the session's start, and that moment's time) and the session's length (the
 * span the recording line gives; undefined while unknown). At the end of the recording the clock
 * stands at the end of the session, idle tail included.
 */
export function replayClock(r: Replay): { atSec: number; atUs: number; totalSec?: number } {
  const known = r.endUs !== undefined;
  const total = Math.max(0, ((r.endUs ?? r.positionUs) - r.startUs) / 1e6);
  const atUs = r.ended && r.endUs !== undefined ? r.endUs : r.positionUs;
  const sec = (atUs - r.startUs) / 1e6;
  return {
    atSec: Math.max(0, known ? Math.min(total, sec) : sec),
    atUs,
    totalSec: known ? total : undefined,
  };
}

/**
 * `▶ 2× 2025-01-02 12:03:04  0:12 / 1:00 ━━━━──────`, fitted to `width`; `0:12 / ?` and no bar
 * while the end is unknown (a .csv.gz is read to its end in the background first).
 */
export function replayLine(r: Replay, width: number): string {
  const clock = replayClock(r);
  const known = clock.totalSec !== undefined;
  const total = clock.totalSec ?? 0;
  const at = (us: number): number =>
    Math.max(0, known ? Math.min(total, (us - r.startUs) / 1e6) : (us - r.startUs) / 1e6);
  // a skipped stretch is said for the first seconds played after it
  const skipped =
    r.gap && r.positionUs >= r.gap.toUs && r.positionUs - r.gap.toUs < 5e6
      ? ` (skipped ${span((r.gap.toUs - r.gap.fromUs) / 1e6)} without events)`
      : '';
  const state =
    r.seekingToUs !== undefined
      ? `» SEEKING ${span(at(r.seekingToUs))}`
      : r.ended
        ? '■ END'
        : r.paused
          ? '‖ PAUSED'
          : `▶${skipped}`;
  const pos = clock.atSec;
  const head = ` REPLAY ${state} ${speedText(r.speed)}  ${dateTime(clock.atUs)}  ${span(pos)} / ${known ? span(total) : '?'} `;
  const barWidth = width - head.length - 1;
  if (barWidth < 5 || !known) return fit(head, width);
  const done = total > 0 ? Math.round((pos / total) * barWidth) : 0;
  return fit(head + '━'.repeat(done) + '─'.repeat(barWidth - done), width);
}

const TEXT_HINTS: Partial<Record<Mode, string>> = {
  filter: 'Enter:apply Esc:cancel Backspace:delete Ctrl-U:clear',
  help: '?/Esc/q:close help',
};

/** The keys that work here, from the binding table, most important first. */
export function hintLine(state: UiState, width: number): string {
  const fixed = TEXT_HINTS[state.mode];
  if (fixed !== undefined) return fit(` ${fixed}`, width);
  const hints = hintsFor({ mode: state.mode, table: activeTable(state), replay: state.replay });
  // whole hints, most important first, as many as fit; the refresh interval when there is room
  let line = '';
  for (const h of hints) {
    const next = `${line} ${h.keys}:${h.what}`;
    if (next.length > width) break;
    line = next;
  }
  const refresh = `  refresh ${interval(state.refreshMs)}`;
  return fit(line.length + refresh.length <= width ? line + refresh : line, width);
}

export interface StatusLineProps {
  state: UiState;
  status?: SourceStatus;
  width: number;
}

/** One line in live mode, two in replay. */
export function statusLineCount(state: UiState): number {
  return state.replay ? 2 : 1;
}

export function StatusLine({ state, status, width }: StatusLineProps): React.JSX.Element {
  return (
    <Box flexDirection="column" width={width}>
      {state.replay && (
        <Text wrap="truncate" inverse>
          {status?.replay ? replayLine(status.replay, width) : fit(' REPLAY loading…', width)}
        </Text>
      )}
      <Text wrap="truncate" dimColor>
        {hintLine(state, width)}
      </Text>
    </Box>
  );
}
