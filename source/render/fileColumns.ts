/**
 * The drill-down's files table: a process's hottest files (model/files.ts: from the buffered
 * events), named from /proc (proc/files.ts) or the recording's sidecar. A registered-file index
 * shows as `#N`, never as a bare fd.
 */
import type { FileStat } from '../model/files.js';
import { fdText } from '../proc/view.js';
import { cell, type Column } from './columns.js';

export interface FileRow extends FileStat {
  readonly key: string;
  /** What it is, or why unknown (untrusted text, escaped when drawn); '' when not known yet. */
  readonly name: string;
}

export function fileColumns(): Column<FileRow>[] {
  return [
    { key: 'fd', title: 'FD', width: 5, align: 'right', format: (r) => fdText(r.fd, r.fixed) },
    { key: 'ops', title: 'OPS', width: 6, align: 'right', format: (r) => cell.count(r.ops) },
    {
      key: 'read',
      title: 'READ',
      width: 8,
      align: 'right',
      format: (r) => cell.bytes(r.readBytes),
    },
    {
      key: 'write',
      title: 'WRITTEN',
      width: 8,
      align: 'right',
      format: (r) => cell.bytes(r.writeBytes),
    },
    { key: 'p99', title: 'P99', width: 6, align: 'right', format: (r) => cell.latency(r.p99Ns) },
    { key: 'err', title: 'ERR', width: 4, align: 'right', format: (r) => cell.count(r.errors) },
    {
      key: 'name',
      title: 'FILE',
      width: 35,
      flex: 1,
      minWidth: 10,
      format: (r) => (r.fixed ? `registered: ${r.name || '?'}` : r.name || '…'),
    },
  ];
}
