/**
 * `iouringtop --help`: every flag (from the flag table, flags.ts), every key (from the key-binding
 * table), the environment, the files, the exit status: each from where it is declared.
 */
import { flagsHelp } from './flags.js';
import { RECORDING_HEADER } from './record/format.js';
import { helpEntries } from './ui/bindings.js';

const USAGE = `
  Usage
    $ sudo iouringtop [options]             live TUI (headless when stdout is not a terminal)
    $ iouringtop --replay FILE.csv[.gz]     replay a recording (no root, no bpftrace needed)
    $ sudo iouringtop --headless --no-record --no-events --metrics 9464
                                            a Prometheus exporter, until SIGTERM
    $ iouringtop --replay FILE --export openmetrics > out.om
                                            a recording for promtool tsdb create-blocks-from
`;

function keys(replay: boolean): string {
  const entries = helpEntries(replay);
  const width = Math.max(...entries.map((e) => e.keys.length)) + 2;
  return entries.map((e) => `    ${e.keys.padEnd(width)}${e.what}`).join('\n');
}

const TAIL = `
  Environment
    IOURINGTOP_BPFTRACE     the bpftrace to run (default: bpftrace on PATH or in /usr/bin, /usr/sbin, …)
    NO_COLOR                no colours in the TUI

  Files
    <output-dir>/iouring/iouring_<YYYYmmdd_HHMMSS>.csv       the recording, a row per event:
                            ${RECORDING_HEADER.replace(/,/g, ', ')}
    <output-dir>/iouring/iouring_<YYYYmmdd_HHMMSS>.meta.json  its metadata (host, tier, losses, …)
    <output-dir>/iouring/iouring_<YYYYmmdd_HHMMSS>.counts.jsonl  the in-kernel counters, per second
    <output-dir>/iouring/iouring_<YYYYmmdd_HHMMSS>.files.json  the file names (pid, fd → name,
                            first and last seen), written when the recording closes; replay
                            shows them (and works without)

  From /proc (live, for the processes seen in the last minute, once per refresh)
    file names      /proc/<pid>/fd links (paths; sockets as TCP/UDP/UNIX with addresses), in the
                    drill-down's hottest files and the summary; #N is registered file N
                    (IOSQE_FIXED_FILE), named from the ring's table
    threads         WRK (io-wq workers, ↑ when their number keeps rising) and SQP% (the SQPOLL
                    threads' CPU) in the processes view; the summary's workers: lines
    rings           the Rings view (5): /proc/<pid>/fdinfo of each ring (sizes, pending, overflow
                    list, SQPOLL thread and CPU, registered files and buffers); live only

  Exit status: 0 success, 1 failure (also: a recording that could not all be written), 2 bad usage.
`;

export function helpText(): string {
  return `${USAGE}\n${flagsHelp()}\n\n  Keys (live)\n${keys(false)}\n\n  Keys (replay)\n${keys(true)}\n${TAIL}`;
}
