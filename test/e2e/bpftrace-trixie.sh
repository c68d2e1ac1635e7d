#!/bin/sh
# Debian 13's bpftrace (0.23) beside the system's, for the end-to-end tests that run the capture
# with another bpftrace version (test/e2e/alt-bpftrace.test.ts). Root; needs debootstrap and
# access to deb.debian.org. Idempotent: makes the chroot once, mounts what bpftrace needs in it
# (/sys with tracefs and BTF, /proc, and /tmp, where iouringtop writes its program file), and
# writes a wrapper that runs the chroot's bpftrace in place of its own process (exec, so the pid,
# the signals and the parent-death signal are bpftrace's). Prints the wrapper's path.
#
#   sh test/e2e/bpftrace-trixie.sh [DIR]      (default /opt/iouringtop-trixie)
set -eu
dir=${1:-/opt/iouringtop-trixie}
wrapper=/usr/local/bin/bpftrace-trixie
if [ ! -x "$dir/usr/bin/bpftrace" ]; then
  echo "bpftrace-trixie: debootstrap trixie (with bpftrace) into $dir" >&2
  debootstrap --variant=minbase --include=bpftrace trixie "$dir" http://deb.debian.org/debian >&2
fi
mounted() { grep -q " $1 " /proc/mounts; }
mounted "$dir/sys" || mount --rbind /sys "$dir/sys"
mounted "$dir/proc" || mount -t proc proc "$dir/proc"
mounted "$dir/tmp" || mount --bind /tmp "$dir/tmp"
cat > "$wrapper" <<WRAP
#!/bin/sh
exec chroot $dir /usr/bin/bpftrace "\$@"
WRAP
chmod 755 "$wrapper"
"$wrapper" --version >&2
echo "$wrapper"
