/** Plain-text tables of the headless reports (summary, intervals). */

export type Align = 'l' | 'r';

/** Rows under a header, columns two spaces apart, each aligned left or right. */
export function table(
  header: readonly string[],
  align: readonly Align[],
  rows: readonly string[][],
): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (align[i] === 'l' ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}
