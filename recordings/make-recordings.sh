#!/bin/sh
# Captures the bundled recordings again with the built iouringtop, as root, on real workloads:
#   sh recordings/make-recordings.sh [NAME...]   (after npm run build; needs bpftrace, fio, gcc,
#                                                 liburing-dev; NAME: fio-randrw node-sqpoll
#                                                 workload-mix demo; all of them by default)
# Each capture runs `iouringtop --headless` with a comm or pid filter while its workload runs,
# then stops it with SIGINT, and keeps the CSV and its .meta.json under a stable name in
# recordings/ (the demo, gzipped, with its .counts.jsonl).
set -eu
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "make-recordings: run as root (live capture needs it)" >&2; exit 1; }
[ -x dist/cli.js ] || { echo "make-recordings: run npm run build first" >&2; exit 1; }
only="$*"
for name in $only; do
  case $name in
    fio-randrw | node-sqpoll | workload-mix | demo) ;;
    *) echo "make-recordings: no recording named $name" >&2; exit 2 ;;
  esac
done
work=$(mktemp -d /tmp/iouringtop-rec.XXXXXX)
trap 'rm -rf "$work"' EXIT

# wanted NAME: whether NAME is to be captured this time
wanted() {
  [ -z "$only" ] && return 0
  case " $only " in *" $1 "*) return 0 ;; *) return 1 ;; esac
}

# start_capture DIR FILTER...: starts iouringtop recording into DIR, and waits until it records
start_capture() {
  out=$1
  shift
  mkdir -p "$out"
  node dist/cli.js --headless "$@" --output-dir "$out" >"$out/summary.txt" 2>"$out/log.txt" &
  cli=$!
  until grep -q '^recording to ' "$out/log.txt"; do
    kill -0 "$cli" 2>/dev/null || { cat "$out/log.txt" >&2; exit 1; }
    sleep 0.2
  done
}

# stop_capture: lets the last completions arrive, then stops the capture; sets csv to its file
stop_capture() {
  sleep 0.5
  kill -INT "$cli"
  wait "$cli"
  csv=$(ls "$out"/iouring/iouring_*.csv)
}

# capture NAME COMM WORKLOAD...: records while WORKLOAD runs, as recordings/NAME.csv
capture() {
  name=$1 comm=$2
  shift 2
  start_capture "$work/$name" --comm "$comm"
  "$@" >/dev/null
  stop_capture
  cp "$csv" "recordings/$name.csv"
  # The metadata names its CSV; the bundled copy has a stable name.
  sed "s/\"csvFile\": \"[^\"]*\"/\"csvFile\": \"$name.csv\"/" "${csv%.csv}.meta.json" \
    >"recordings/$name.meta.json"
  echo "recordings/$name.csv: $(($(wc -l <"recordings/$name.csv") - 1)) rows"
}

if wanted fio-randrw; then
  fio --name=prep --rw=write --bs=1M --size=64M --filename="$work/fio.dat" >/dev/null
  capture fio-randrw fio fio --name=randrw --ioengine=io_uring --rw=randrw --bs=4k --iodepth=16 \
    --rate_iops=1000 --time_based --runtime=4 --filename="$work/fio.dat"
fi

if wanted node-sqpoll; then
  capture node-sqpoll node env UV_USE_IO_URING=1 node test/workload/node-fs-workload.mjs \
    "$work/node" 1
fi

if wanted workload-mix; then
  gcc -O2 -Wall -o "$work/uring-workload" test/workload/uring-workload.c -luring
  mix() {
    for i in 1 2 3 4 5; do
      mkdir -p "$work/mix$i"
      echo go | "$work/uring-workload" "$work/mix$i"
    done
  }
  capture workload-mix uring-workload mix
fi

# demo: 75 s of four processes at once, each under a name of its own (a link to its program), so
# that nobody else's capture of `fio` or `node` sees them and this one sees nobody else's:
#   demo-db    fio, random 4 KiB reads and writes (3:1) on a 64 MiB file in the page cache;
#   demo-wal   fio, sequential 8 KiB writes, each followed by an fdatasync (a write-ahead log);
#   demo-node  Node's libuv ring (SQPOLL): opens, vectored writes and reads, fsyncs, stats;
#   demo-net   test/workload/uring-rpc.c: ACCEPT/CONNECT, then requests and replies (SEND/RECV)
#              over TCP on the loopback, 40 a second; from 30 s to 45 s the server takes 60 to
#              120 ms to answer, so the client's RECV p99 rises from ~0.1 ms to ~120 ms and the
#              exchanges fall to ~11 a second, then recover.
# Each waits in a shell until the capture records, then execs its program (the pid stays the
# one the capture filters on): the recording starts with the workloads.
if wanted demo; then
  bin="$work/bin"
  mkdir -p "$bin"
  ln -s "$(command -v fio)" "$bin/demo-db"
  ln -s "$(command -v fio)" "$bin/demo-wal"
  ln -s "$(command -v node)" "$bin/demo-node"
  gcc -O2 -Wall -o "$bin/demo-net" test/workload/uring-rpc.c -luring
  "$bin/demo-db" --name=prep --rw=write --bs=1M --size=64M --filename="$work/db.dat" >/dev/null
  gate="$work/go"
  pids=""
  gated() {
    log=$1
    shift
    sh -c 'while [ ! -e "$0" ]; do sleep 0.05; done; exec "$@"' "$gate" "$@" \
      >"$work/$log.log" 2>&1 &
    pids="$pids${pids:+,}$!"
  }
  gated db "$bin/demo-db" --name=db --ioengine=io_uring --thread --rw=randrw --rwmixread=75 \
    --bs=4k --iodepth=4 --rate_iops=200,65 --size=64m --invalidate=0 --pre_read=1 \
    --time_based --runtime=75 --filename="$work/db.dat"
  gated wal "$bin/demo-wal" --name=wal --ioengine=io_uring --thread --rw=write --bs=8k \
    --fdatasync=1 --iodepth=1 --rate_iops=40 --size=32m --time_based --runtime=75 \
    --filename="$work/wal.dat"
  gated node env UV_USE_IO_URING=1 "$bin/demo-node" test/workload/node-fs-workload.mjs \
    "$work/node" 75 8
  gated net "$bin/demo-net" 75 40 30 45
  start_capture "$work/demo" --pid "$pids"
  touch "$gate"
  failed=""
  for pid in $(echo "$pids" | tr , ' '); do wait "$pid" || failed=1; done
  stop_capture
  [ -z "$failed" ] || { tail -n 5 "$work"/*.log >&2; exit 1; }
  gzip -9 -n -c "$csv" >recordings/demo.csv.gz
  cp "${csv%.csv}.counts.jsonl" recordings/demo.counts.jsonl
  # The metadata names its CSV and counts file; the bundled copies have stable names.
  node -e '
    const fs = require("fs");
    const meta = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
    meta.csvFile = "demo.csv.gz";
    meta.counts.file = "demo.counts.jsonl";
    process.stdout.write(JSON.stringify(meta, null, 2) + "\n");
  ' "${csv%.csv}.meta.json" >recordings/demo.meta.json
  node_modules/.bin/prettier --write recordings/demo.meta.json >/dev/null
  echo "recordings/demo.csv.gz: $(($(wc -l <"$csv") - 1)) rows, $(wc -c <recordings/demo.csv.gz) bytes"
  grep -E '^(Figures|Capture|Lost)' "$out/summary.txt" || true
fi
