/**
 * A dense table for the live views: one pre-padded, pre-truncated `<Text>` per row.
 *
 * Why not ink-table: ink-table@3 is CommonJS and `require`s Ink 6 (ESM with top-level await), which
 * crashes with ERR_REQUIRE_ASYNC_MODULE; its ESM fork draws a separator between every two rows (half
 * the rows fit on a screen) and builds a Box per cell, ~100× the layout work of one Text per row.
 * Here Yoga lays out one node per line and React skips every row whose text did not change (`memo`).
 */
import React, { memo } from 'react';
import { Box, Text } from 'ink';
import { escape } from '../escape.js';
import type { Column } from '../render/columns.js';
import { fit } from './text.js';

export type { Column } from '../render/columns.js';

/** Columns with their final widths. */
export interface LaidOutColumn<R> extends Column<R> {
  w: number;
}

/** One cell for the selection marker, then one space between columns. */
const GUTTER = 1;

/** The least width a column takes: a flexible one's minWidth, a fixed one's width. */
const leastWidth = <R,>(c: Column<R>): number =>
  (c.flex ?? 0) > 0 ? Math.min(c.width, c.minWidth ?? Math.min(c.width, 4)) : c.width;

/**
 * Give every column its width for a terminal `total` cells wide. First, while the columns do not
 * fit even at their least width, those marked `drop` leave, the highest first (what a user reads
 * last: the sparkline before the figures); then spare width goes to flexible columns in
 * proportion to `flex` (up to maxWidth); when still too narrow, flexible columns shrink to
 * minWidth, then columns are dropped from the right. The result never exceeds `total`.
 */
export function layoutColumns<R>(columns: readonly Column<R>[], total: number): LaidOutColumn<R>[] {
  let kept = columns.slice();
  const least = () =>
    GUTTER + kept.reduce((s, c) => s + leastWidth(c), 0) + Math.max(0, kept.length - 1);
  while (least() > total) {
    let victim: Column<R> | undefined;
    for (const c of kept) if (c.drop !== undefined && c.drop > (victim?.drop ?? 0)) victim = c;
    if (!victim) break;
    kept = kept.filter((c) => c !== victim);
  }
  const cols = kept.map((c) => ({ ...c, w: c.width }));
  const used = () => GUTTER + cols.reduce((s, c) => s + c.w, 0) + Math.max(0, cols.length - 1);
  let spare = total - used();
  if (spare > 0) {
    let flexible = cols.filter((c) => (c.flex ?? 0) > 0 && c.w < (c.maxWidth ?? Infinity));
    while (spare > 0 && flexible.length > 0) {
      const shares = flexible.reduce((s, c) => s + (c.flex ?? 0), 0);
      let given = 0;
      for (const c of flexible) {
        const room = (c.maxWidth ?? Infinity) - c.w;
        const add = Math.min(room, Math.max(1, Math.floor((spare * (c.flex ?? 0)) / shares)));
        const take = Math.min(add, spare - given);
        c.w += take;
        given += take;
      }
      spare -= given;
      if (given === 0) break;
      flexible = flexible.filter((c) => c.w < (c.maxWidth ?? Infinity));
    }
  } else if (spare < 0) {
    for (const c of cols) {
      if (spare >= 0) break;
      if ((c.flex ?? 0) > 0) {
        const give = Math.min(c.w - (c.minWidth ?? Math.min(c.w, 4)), -spare);
        c.w -= give;
        spare += give;
      }
    }
    while (used() > total && cols.length > 1) cols.pop();
  }
  return cols;
}

/** The key of the column at screen column `x` (0-based) of a table `total` wide, or undefined. */
export function columnAt<R>(
  columns: readonly Column<R>[],
  total: number,
  x: number,
): string | undefined {
  let at = GUTTER;
  for (const c of layoutColumns(columns, total)) {
    if (x >= at && x < at + c.w) return c.key;
    at += c.w + 1;
  }
  return undefined;
}

/** The header line: titles aligned like their cells, the sort column marked ▼ (desc) or ▲ (asc). */
export function headerLine<R>(
  cols: readonly LaidOutColumn<R>[],
  sortKey?: string,
  sortDesc = true,
): string {
  let line = ' '.repeat(GUTTER);
  cols.forEach((c, i) => {
    let title = c.title;
    if (c.key === sortKey) {
      // the marker always shows: it replaces the title's last letter when the column is too narrow
      const marker = sortDesc ? '▼' : '▲';
      title =
        title.length + 1 <= c.w ? title + marker : title.slice(0, Math.max(0, c.w - 1)) + marker;
    }
    line += (i > 0 ? ' ' : '') + fit(title, c.w, c.align ?? 'left');
  });
  return line;
}

/** One row's text, exactly as wide as the layout; every cell passes through `escape`. */
export function rowLine<R>(cols: readonly LaidOutColumn<R>[], row: R, selected: boolean): string {
  let line = selected ? '>' : ' ';
  cols.forEach((c, i) => {
    line += (i > 0 ? ' ' : '') + fit(escape(c.format(row, c.w)), c.w, c.align ?? 'left');
  });
  return line;
}

/** First visible row: the selection stays in view, centred once the list scrolls. */
export function windowStart(count: number, visible: number, selected: number): number {
  if (count <= visible || visible <= 0) return 0;
  const top = selected - Math.floor(visible / 2);
  return Math.max(0, Math.min(top, count - visible));
}

const Row = memo(function Row({
  text,
  selected,
  color,
}: {
  text: string;
  selected: boolean;
  color?: string;
}) {
  return (
    <Text wrap="truncate" inverse={selected} color={color}>
      {text}
    </Text>
  );
});

const HeaderRow = memo(function HeaderRow({ text }: { text: string }) {
  return (
    <Text wrap="truncate" bold>
      {text}
    </Text>
  );
});

/** Where a table is drawn and what it marks: what every view hands its table. */
export interface TableFrame {
  /** Total width available (the terminal's columns). */
  width: number;
  /** Lines available, header included. */
  height: number;
  /** Index of the selected row, or -1 for none. */
  selected: number;
  /** The sorted column and its direction, marked ▼/▲ in the header. */
  sort?: { key: string; desc: boolean };
  /** Shown under the header when there are no rows. */
  emptyText?: string;
}

export interface TableProps<R> extends TableFrame {
  columns: readonly Column<R>[];
  rows: readonly R[];
  /**
   * A React key, stable per row: by default the row's `key` field, else its position in `rows`
   * (rows without an identity).
   */
  rowKey?: (row: R, index: number) => string | number;
  /** A colour for a row (e.g. red for errors); ignored when colours are off. */
  rowColor?: (row: R) => string | undefined;
}

/**
 * Which rows a table `height` lines tall shows: from `start`, `visible` of them, and whether its
 * last line says how many more there are (a list longer than the room gives that line up).
 */
export function tableWindow(
  count: number,
  height: number,
  selected: number,
): { start: number; visible: number; more: boolean } {
  const room = Math.max(0, height - 1);
  const more = count > room && room >= 2;
  const visible = more ? room - 1 : room;
  return { start: windowStart(count, visible, selected), visible, more };
}

function keyField(row: unknown, index: number): string | number {
  const key = (row as { key?: unknown }).key;
  return typeof key === 'string' || typeof key === 'number' ? key : index;
}

export function Table<R>(props: TableProps<R>): React.JSX.Element {
  const { columns, rows, rowKey = keyField, width, height, selected, sort, emptyText } = props;
  const cols = layoutColumns(columns, width);
  const { start, visible, more } = tableWindow(rows.length, height, selected);
  const shown = rows.slice(start, start + visible);
  const below = rows.length - start - shown.length;
  return (
    <Box flexDirection="column" width={width}>
      {height > 0 && <HeaderRow text={headerLine(cols, sort?.key, sort?.desc)} />}
      {shown.length === 0 && visible > 0 ? (
        <Text wrap="truncate" dimColor>
          {' ' + (emptyText ?? 'nothing to show')}
        </Text>
      ) : (
        shown.map((row, i) => (
          <Row
            key={rowKey(row, start + i)}
            text={rowLine(cols, row, start + i === selected)}
            selected={start + i === selected}
            color={props.rowColor?.(row)}
          />
        ))
      )}
      {more && (
        <Text wrap="truncate" dimColor>
          {fit(moreLine(start, below), width)}
        </Text>
      )}
    </Box>
  );
}

/** `  ↑ 3 above  ↓ 31 below (PgUp PgDn Home End)`: what a long list keeps off screen. */
export function moreLine(above: number, below: number): string {
  const parts: string[] = [];
  if (above > 0) parts.push(`↑ ${above} above`);
  if (below > 0) parts.push(`↓ ${below} below`);
  return `  ${parts.join('  ')} (PgUp PgDn Home End)`;
}
