/**
 * Two header lines: where and how we capture (host, kernel, tier, elapsed, refresh, PAUSED), then
 * the event flow (events/s, total, lost and dropped highlighted when non-zero, recording, filter).
 * A replay adds a third: the recording's metadata.
 */
import React from 'react';
import { Box } from 'ink';
import type { SourceStatus, TuiInfo, TuiSnapshot } from './types.js';
import { Segments, type Segment } from './Segments.js';
import { cell } from '../render/columns.js';
import { interval, span } from './time.js';
import { replayClock } from './StatusLine.js';

export interface HeaderProps {
  info: TuiInfo;
  snapshot?: TuiSnapshot;
  status?: SourceStatus;
  filterText: string;
  paused: boolean;
  refreshMs: number;
  width: number;
  color: boolean;
}

/**
 * Two lines; three when there is a line about the recording (replay always sets one), and one
 * more when a replay stands in for live capture.
 */
export const headerLines = (info: TuiInfo): number =>
  2 + (info.recordingFacts ? 1 : 0) + (info.notLive ? 1 : 0);

export function headerSegments(p: Omit<HeaderProps, 'width'>): Segment[][] {
  const { info, snapshot: s, status, filterText, paused, refreshMs, color } = p;
  const alert = (text: string): Segment =>
    color ? { text, color: 'red', bold: true } : { text, inverse: true, bold: true };
  // a replay's clock is the status line's (the session's time), live the model's
  const elapsed = status?.replay
    ? span(replayClock(status.replay).atSec)
    : s && s.startUs > 0
      ? span((s.nowUs - s.startUs) / 1e6)
      : '0:00';
  // what must stay visible at 80 columns comes first: PAUSED, then the clock, then the host
  const first: Segment[] = [{ text: ' iouringtop ', bold: true }];
  // a replay never passes for live capture: the host and tier that follow are the recording's
  if (info.mode === 'replay')
    first.push(
      color ? { text: 'REPLAY', color: 'cyan', bold: true } : { text: 'REPLAY', inverse: true },
      { text: ' ' },
    );
  if (paused) first.push(alert('PAUSED'), { text: ' ' });
  first.push(
    { text: `${info.mode === 'replay' ? 'at' : 'up'} ${elapsed}  every ${interval(refreshMs)}  ` },
    { text: `${info.host}  ${info.tier}  kernel ${info.kernel}` },
  );

  const c = s?.capture;
  const counter = (name: string, n: number | undefined): Segment =>
    n === undefined
      ? { text: `${name} ?`, dim: true } // unknown (a recording without closed metadata)
      : n > 0
        ? alert(`${name} ${cell.count(n)}`)
        : { text: `${name} 0`, dim: true };
  const known = c === null ? undefined : (c ?? { lost: 0, dropped: 0 });
  // the same measure as the rows: operations (IO_URING_ENTER calls apart)
  const second: Segment[] = [
    {
      text: ` ${cell.count(s?.totals.opsPerSec ?? 0)} ops/s  total ${cell.count(s?.totals.total.ops ?? 0)} ops`,
    },
  ];
  // the doctor's warnings over the last 10 s, and the key of the view that lists them
  const warnings = s?.findings?.filter((f) => f.severity === 'warning').length ?? 0;
  if (warnings > 0)
    second.push({ text: '  ' }, alert(`doctor: ${warnings} warning${warnings > 1 ? 's' : ''}, 7`));
  // live: the capture's counters as they grow; a replay's are the whole session's, and its
  // recording line says them (beside "total" at 0:01 they would read as this moment's)
  const live = info.mode === 'live';
  if (live)
    second.push(
      { text: '  ' },
      counter('lost', known?.lost),
      { text: '  ' },
      counter('dropped', known?.dropped),
    );
  if (info.eventKeeping) {
    second.push(
      { text: '  ' },
      color ? { text: info.eventKeeping, color: 'cyan' } : { text: info.eventKeeping, bold: true },
    );
  }
  if (status?.sampling) {
    second.push(
      { text: '  ' },
      color ? { text: status.sampling, color: 'cyan' } : { text: status.sampling, bold: true },
    );
  }
  // the rarer counters appear only when something happened
  const rare: [string, number][] = [
    ['overflow', c?.overflow ?? 0],
    ['unmatched', c?.unmatched ?? 0],
    ['malformed', c?.malformed ?? 0],
  ];
  for (const [name, n] of rare)
    if (live && n > 0) second.push({ text: '  ' }, alert(`${name} ${cell.count(n)}`));
  if (s?.windowTruncated) second.push({ text: '  ' }, alert('buffer full'));
  if (filterText !== '') {
    second.push(
      { text: '  filter ' },
      color ? { text: filterText, color: 'cyan' } : { text: filterText, bold: true },
    );
  }
  if (info.mode === 'live') {
    if (status?.recordingError) second.push({ text: '  ' }, alert(`REC ${status.recordingError}`));
    else if (status?.recording) {
      second.push({ text: '  ' }, color ? { text: '●REC', color: 'red' } : { text: '●REC' });
      const { path, bytes, bytesPerSec } = status.recording;
      const growth = bytesPerSec && bytesPerSec > 0 ? ` +${cell.bytes(bytesPerSec)}/s` : '';
      second.push({ text: ` ${cell.bytes(bytes)}${growth} ${path}` });
    } else if (status?.recordingStopped) {
      second.push({ text: `  ${status.recordingStopped}`, dim: true });
    } else if (status === undefined && info.recordingPath) {
      second.push({ text: `  REC ${info.recordingPath}` });
    }
  } else if (info.recordingPath) {
    second.push({ text: `  file ${info.recordingPath}` });
  }
  if (info.metricsUrl) second.push({ text: `  metrics ${info.metricsUrl}`, dim: true });
  if (status?.advice) second.push({ text: `  ${status.advice}`, dim: true });
  const lines = [first, second];
  if (info.recordingFacts) lines.push([{ text: ` ${info.recordingFacts}`, dim: true }]);
  if (info.notLive) lines.push([{ text: ' ' }, alert(info.notLive)]);
  return lines;
}

export function Header(props: HeaderProps): React.JSX.Element {
  const lines = headerSegments(props);
  return (
    <Box flexDirection="column" width={props.width}>
      {lines.map((segments, i) => (
        <Segments key={i} segments={segments} width={props.width} />
      ))}
    </Box>
  );
}
