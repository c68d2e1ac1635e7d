#!/bin/sh
# Captures the bundled recordings again with the built iouringtop, as root, on real workloads:
#   sh recordings/make-recordings.sh        (after npm run build; needs bpftrace, fio, gcc, liburing-dev)
# Each capture runs `iouringtop --headless` with a comm filter while its workload runs, then stops
# it with SIGINT, and keeps the CSV and its .meta.json under a stable name in recordings/.
set -eu
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "make-recordings: run as root (live capture needs it)" >&2; exit 1; }
[ -x dist/cli.js ] || { echo "make-recordings: run npm run build first" >&2; exit 1; }
work=$(mktemp -d /tmp/iouringtop-rec.XXXXXX)
trap 'rm -rf "$work"' EXIT

# capture NAME COMM WORKLOAD...: records while WORKLOAD runs, as recordings/NAME.csv
capture() {
  name=$1 comm=$2
  shift 2
  out="$work/$name"
  mkdir -p "$out"
  node dist/cli.js --headless --comm "$comm" --output-dir "$out" >"$out/summary.txt" 2>"$out/log.txt" &
  cli=$!
  until grep -q '^recording to ' "$out/log.txt"; do
    kill -0 "$cli" 2>/dev/null || { cat "$out/log.txt" >&2; exit 1; }
    sleep 0.2
  done
  "$@" >/dev/null
  sleep 0.5
  kill -INT "$cli"
  wait "$cli"
  csv=$(ls "$out"/iouring/iouring_*.csv)
  cp "$csv" "recordings/$name.csv"
  # The metadata names its CSV; the bundled copy has a stable name.
  sed "s/\"csvFile\": \"[^\"]*\"/\"csvFile\": \"$name.csv\"/" "${csv%.csv}.meta.json" \
    >"recordings/$name.meta.json"
  echo "recordings/$name.csv: $(($(wc -l <"recordings/$name.csv") - 1)) rows"
}

fio --name=prep --rw=write --bs=1M --size=64M --filename="$work/fio.dat" >/dev/null
capture fio-randrw fio fio --name=randrw --ioengine=io_uring --rw=randrw --bs=4k --iodepth=16 \
  --rate_iops=1000 --time_based --runtime=4 --filename="$work/fio.dat"

capture node-sqpoll node env UV_USE_IO_URING=1 node test/workload/node-fs-workload.mjs "$work/node" 1

gcc -O2 -Wall -o "$work/uring-workload" test/workload/uring-workload.c -luring
mix() {
  for i in 1 2 3 4 5; do
    mkdir -p "$work/mix$i"
    echo go | "$work/uring-workload" "$work/mix$i"
  done
}
capture workload-mix uring-workload mix
