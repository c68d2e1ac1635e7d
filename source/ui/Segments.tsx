/** One terminal line built from styled pieces, cut to the width before Ink sees it. */
import { Text } from 'ink';
import { escape } from '../escape.js';
import { displayWidth, truncate } from './text.js';

export interface Segment {
  text: string;
  color?: string;
  bold?: boolean;
  inverse?: boolean;
  dim?: boolean;
}

/** Cut segments so their total width is at most `width` (the last one kept ends in …). */
export function cutSegments(segments: readonly Segment[], width: number): Segment[] {
  const out: Segment[] = [];
  let left = width;
  for (const seg of segments) {
    if (left <= 0) break;
    const text = escape(seg.text);
    const w = displayWidth(text);
    if (w <= left) {
      out.push({ ...seg, text });
      left -= w;
    } else {
      out.push({ ...seg, text: truncate(text, left) });
      left = 0;
    }
  }
  return out;
}

export function Segments({ segments, width }: { segments: readonly Segment[]; width: number }) {
  const cut = cutSegments(segments, width);
  return (
    <Text wrap="truncate">
      {cut.map((s, i) => (
        <Text key={i} color={s.color} bold={s.bold} inverse={s.inverse} dimColor={s.dim}>
          {s.text}
        </Text>
      ))}
    </Text>
  );
}
