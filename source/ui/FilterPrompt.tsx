/** The filter prompt (`/`): the draft with a cursor, then the error or a syntax hint. Two lines. */
import React from 'react';
import { Box, Text } from 'ink';
import { escape } from '../escape.js';
import { fit } from './text.js';

export interface FilterPromptProps {
  draft: string;
  error?: string;
  width: number;
  color: boolean;
}

export const FILTER_HINT = 'pid:1234 comm:postgres op:READ,WRITE — Enter apply, Esc cancel';

export function FilterPrompt({ draft, error, width, color }: FilterPromptProps): React.JSX.Element {
  const prompt = ' filter: ';
  // keep the end of a long draft (where the cursor is) in view
  const room = Math.max(1, width - prompt.length - 1);
  const shown = [...escape(draft)].slice(-room).join('');
  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate">{fit(`${prompt}${shown}█`, width)}</Text>
      {error !== undefined ? (
        <Text wrap="truncate" color={color ? 'red' : undefined} bold>
          {fit(` ✗ ${escape(error)}`, width)}
        </Text>
      ) : (
        <Text wrap="truncate" dimColor>
          {fit(` ${FILTER_HINT}`, width)}
        </Text>
      )}
    </Box>
  );
}
