/** The key list (`?`), drawn in place of the view body from the binding table. */
import React from 'react';
import { Box, Text } from 'ink';
import { helpEntries } from './bindings.js';
import { fit } from './text.js';

export interface HelpOverlayProps {
  replay: boolean;
  width: number;
  /** Lines available. */
  height: number;
}

/**
 * The overlay's lines for `height` lines of `width`: one entry a line; when they do not fit, two
 * entries a line (each text shortened to its half), so that every key, quit included, is shown.
 */
export function helpLines(replay: boolean, width: number, height = Infinity): string[] {
  const entries = helpEntries(replay);
  const keyWidth = Math.max(...entries.map((h) => h.keys.length)) + 2;
  const entry = (h: { keys: string; what: string }, w: number) =>
    fit(` ${fit(h.keys, keyWidth)}${h.what}`, w);
  if (entries.length + 1 <= height) {
    return [fit(' Keys', width), ...entries.map((h) => entry(h, width))];
  }
  // one line short: the title goes, not a key
  if (entries.length <= height) return entries.map((h) => entry(h, width));
  // two short: the mouse line goes too (it is no key, and --help keeps it)
  const keys = entries.filter((h) => h.keys !== 'mouse');
  if (keys.length <= height) return keys.map((h) => entry(h, width));
  const half = Math.floor(width / 2);
  const rows = Math.ceil(entries.length / 2);
  const lines = [fit(' Keys (all of them: iouringtop --help)', width)];
  for (let i = 0; i < rows; i++) {
    const right = entries[i + rows];
    lines.push(fit(entry(entries[i], half) + (right ? entry(right, width - half) : ''), width));
  }
  return lines;
}

export function HelpOverlay({ replay, width, height }: HelpOverlayProps): React.JSX.Element {
  const lines = helpLines(replay, width, height).slice(0, Math.max(0, height));
  return (
    <Box flexDirection="column" width={width}>
      {lines.map((line, i) => (
        <Text key={i} wrap="truncate" bold={i === 0}>
          {line}
        </Text>
      ))}
    </Box>
  );
}
