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

export function helpLines(replay: boolean, width: number): string[] {
  const entries = helpEntries(replay);
  const keyWidth = Math.max(...entries.map((h) => h.keys.length)) + 2;
  const lines = [fit(' Keys', width)];
  for (const h of entries) lines.push(fit(` ${fit(h.keys, keyWidth)}${h.what}`, width));
  return lines;
}

export function HelpOverlay({ replay, width, height }: HelpOverlayProps): React.JSX.Element {
  const lines = helpLines(replay, width).slice(0, Math.max(0, height));
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
