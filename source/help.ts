/**
 * `iouringtop --help`: every flag, every key (from the key-binding table, so the two never
 * disagree), the environment, the files, the exit status.
 */
import { helpEntries } from './ui/bindings.js';

const FLAGS = `
  Usage
    $ sudo iouringtop [options]             live TUI (headless when stdout is not a terminal)
    $ iouringtop --replay FILE.csv[.gz]     replay a recording (no root, no bpftrace needed)
    $ sudo iouringtop --headless --no-record --no-events --metrics 9464
                                            a Prometheus exporter, until SIGTERM
    $ iouringtop --replay FILE --export openmetrics > out.om
                                            a recording for promtool tsdb create-blocks-from

  Live capture
    --headless              record and print a summary at the end, no TUI (runs until
                            --duration, SIGINT or SIGTERM)
    --json                  headless, with the summary as JSON (exact figures, base units)
    --duration SECONDS      stop after this long (headless)
    --interval SECONDS      headless (and replay): a report every SECONDS, then the summary;
                            with --json, JSON Lines (see docs/streams.md)
    --pid N                 only this process (repeatable, or comma-separated)
    --comm NAME             only processes with this command name (NAME* : names that begin so;
                            repeatable, or comma-separated)
    --cgroup PATH           only processes in this cgroup v2 or below it, e.g.
                            /system.slice/nginx.service (repeatable)
    --opcode LIST           only these operations, e.g. READ,WRITE,IO_URING_ENTER
    --output-dir DIR        where iouring/iouring_<stamp>.csv goes (default: current directory)
    --no-record             do not write a recording
    --compress              write the recording gzip-compressed (.csv.gz, ~5x smaller)
    --min-free SIZE|N%      stop recording before free space falls below this
                            (default: 1 GiB or 5 % of the file system, whichever is less)
    --recording-mode MODE   the recording's files' mode, 600 to 644 (default 600: only you
                            read them; its directory gets the matching 700 to 755)
    --max-events-rate N     event rows for every operation up to N a second (default 20000),
                            a sample above it, chosen in the kernel (totals stay exact)
    --all-events            event rows for every operation, whatever it costs the traced
    --sample N              event rows for 1 operation in N (totals stay exact)
    --no-events             counters only: exact totals and rates, latencies sampled, no rows
                            (the cheapest capture; nothing to record, the events view is off)
    --max-inflight N        in-flight request map size (default 65536); overruns are counted
    --tier 1|2|3            force a lower capture tier than the probe picks
    --bpftrace PATH         the bpftrace binary to run (also IOURINGTOP_BPFTRACE)
    --probe                 print what this machine supports for capture, and exit
    --print-program         print the generated bpftrace program, and exit
    --or-replay FILE        live capture where possible, else replay FILE (npm start)

  Replay
    --replay FILE           a recording (.csv or .csv.gz)
    --speed X               0.1 to 1000, or max (default 1)
    --lenient               skip rows that do not parse (they are counted), instead of stopping

  Metrics (Prometheus)
    --metrics [ADDR:]PORT   serve /metrics there during a live capture, headless or beside the
                            TUI (ADDR: an IP address, default 127.0.0.1; [::1]:PORT for IPv6)
    --metrics-labels LIST   labels of the per-process series: any of pid,comm,cgroup,opcode
                            (default comm,opcode; for fleets cgroup,opcode; pid makes series
                            per process: see README)
    --export FORMAT         with --replay FILE: the recording's series with their timestamps on
                            stdout, openmetrics (for promtool tsdb create-blocks-from openmetrics)
                            or json

  Display and model
    --refresh SECONDS       UI refresh interval, 0.25 to 10 (default 1)
    --buffer-seconds N      rolling buffer length in seconds (default 60)
    --buffer-events N       rolling buffer capacity in events (default 1000000)

  Other
    -h, --help              this text
    --version               iouringtop's version, the bpftrace found and the capture tier`;

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
    <output-dir>/iouring/iouring_<YYYYmmdd_HHMMSS>.csv       the recording (the seed's nine columns)
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
  return `${FLAGS}\n\n  Keys (live)\n${keys(false)}\n\n  Keys (replay)\n${keys(true)}\n${TAIL}`;
}
