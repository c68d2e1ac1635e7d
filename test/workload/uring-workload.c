/*
 * A deterministic io_uring workload for iouringtop's end-to-end tests.
 *
 * Usage: uring-workload DIR [vectored|inflight|diag]
 * Prints "pid <pid>" and waits for a line on stdin (the tracer is attached by then), performs a
 * fixed set of operations one at a time, and prints one JSON line per completion it received:
 *   {"op":"WRITE","fd":5,"off":0,"len":16384,"res":16384,"ring":"normal"}
 * then "done". "len" is what the tracer should report as length: the bytes asked for (for
 * vectored operations, the sum of the iovecs). With "vectored", the set is vectored operations
 * of known sizes instead: READV/WRITEV of one and of many iovecs, SENDMSG/RECVMSG, and
 * READV_FIXED/WRITEV_FIXED where the kernel has them. With "inflight", a POLL_ADD on a pipe is
 * submitted before "pid" is printed (so it is in flight when the tracer attaches) and completed
 * after "go" by a write to the pipe, followed by one NOP. With "diag", the set provokes each
 * diagnostic a known number of times (see diag() for the counts), prints a JSON line per
 * completion the kernel traces as such, and then "expect {...}": the exact counts.
 * Exits non-zero (with a message on stderr) if any operation's result is not what it expects.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "workload.h"

static struct io_uring ring;
static char buf[65536];

static void report(const char *op, long fd, long long off, long len, int res, const char *ringname) {
  printf("{\"op\":\"%s\",\"fd\":%ld,\"off\":%lld,\"len\":%ld,\"res\":%d,\"ring\":\"%s\"}\n", op, fd, off,
         len, res, ringname);
  fflush(stdout);
}

/* One operation, one completion, one report line. */
static int one(struct io_uring *r, const char *op, long fd, long long off, long len, int want,
               const char *ringname) {
  int res = complete_one(r, NULL);
  if (want != 0x7fffffff) expect(op, res, want);
  report(op, fd, off, len, res, ringname);
  return res;
}

#define ANY 0x7fffffff

/* liburing 2.3 predates these (kernel 6.15) */
#define OP_READV_FIXED 60
#define OP_WRITEV_FIXED 61

/* N iovecs of `each` bytes over buf + start */
static struct iovec *iovecs(struct iovec *v, int n, size_t each, size_t start) {
  for (int i = 0; i < n; i++) {
    v[i].iov_base = buf + start + i * each;
    v[i].iov_len = each;
  }
  return v;
}

/* A poll submitted before the tracer attaches; it completes after "go". */
static int pipe_fds[2];

static void inflight_submit(void) {
  if (pipe(pipe_fds) < 0) die("pipe", errno);
  struct io_uring_sqe *sqe = sqe_of(&ring);
  io_uring_prep_poll_add(sqe, pipe_fds[0], POLLIN);
  int ret = io_uring_submit(&ring);
  if (ret != 1) die("submit poll", ret < 0 ? ret : EIO);
}

static int inflight(void) {
  if (write(pipe_fds[1], "a", 1) != 1) die("pipe write", errno);
  one(&ring, "POLL_ADD", pipe_fds[0], 0, 0, POLLIN, "inflight");
  io_uring_prep_nop(sqe_of(&ring));
  one(&ring, "NOP", 0, 0, 0, 0, "normal");
  io_uring_queue_exit(&ring);
  printf("done\n");
  fflush(stdout);
  return failures == 0 ? 0 : 1;
}

static int vectored(const char *dir) {
  char path[4096];
  snprintf(path, sizeof path, "%s/vec.bin", dir);
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) die("open", errno);
  struct iovec v[20];

  /* one iovec, and several of different sizes */
  io_uring_prep_writev(sqe_of(&ring), fd, iovecs(v, 1, 1000, 0), 1, 0);
  one(&ring, "WRITEV", fd, 0, 1000, 1000, "normal");
  struct iovec w3[3] = {{buf, 100}, {buf + 100, 200}, {buf + 300, 300}};
  io_uring_prep_writev(sqe_of(&ring), fd, w3, 3, 1000);
  one(&ring, "WRITEV", fd, 1000, 600, 600, "normal");
  io_uring_prep_readv(sqe_of(&ring), fd, iovecs(v, 1, 1000, 0), 1, 0);
  one(&ring, "READV", fd, 0, 1000, 1000, "normal");
  io_uring_prep_readv(sqe_of(&ring), fd, iovecs(v, 4, 250, 0), 4, 0);
  one(&ring, "READV", fd, 0, 1000, 1000, "normal");
  io_uring_prep_readv(sqe_of(&ring), fd, iovecs(v, 20, 50, 0), 20, 0);
  one(&ring, "READV", fd, 0, 1000, 1000, "normal");

  /* READV_FIXED / WRITEV_FIXED: iovecs inside a registered buffer (6.15+) */
  struct io_uring_probe *probe = io_uring_get_probe_ring(&ring);
  if (probe && io_uring_opcode_supported(probe, OP_WRITEV_FIXED) &&
      io_uring_opcode_supported(probe, OP_READV_FIXED)) {
    struct iovec reg = {buf, sizeof buf};
    int ret = io_uring_register_buffers(&ring, &reg, 1);
    if (ret < 0) die("io_uring_register_buffers", ret);
    struct io_uring_sqe *sqe = sqe_of(&ring);
    io_uring_prep_rw(OP_WRITEV_FIXED, sqe, fd, iovecs(v, 2, 1500, 0), 2, 4096);
    sqe->buf_index = 0;
    one(&ring, "WRITEV_FIXED", fd, 4096, 3000, 3000, "normal");
    sqe = sqe_of(&ring);
    io_uring_prep_rw(OP_READV_FIXED, sqe, fd, iovecs(v, 3, 1000, 0), 3, 4096);
    sqe->buf_index = 0;
    one(&ring, "READV_FIXED", fd, 4096, 3000, 3000, "normal");
    io_uring_unregister_buffers(&ring);
  }
  if (probe) io_uring_free_probe(probe);

  /* SENDMSG / RECVMSG of two iovecs each on a socketpair */
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) die("socketpair", errno);
  struct iovec s2[2] = {{buf, 300}, {buf + 300, 700}};
  struct msghdr sm = {.msg_iov = s2, .msg_iovlen = 2};
  io_uring_prep_sendmsg(sqe_of(&ring), sv[0], &sm, 0);
  one(&ring, "SENDMSG", sv[0], 0, 1000, 1000, "normal");
  struct iovec r2[2] = {{buf, 400}, {buf + 400, 600}};
  struct msghdr rm = {.msg_iov = r2, .msg_iovlen = 2};
  io_uring_prep_recvmsg(sqe_of(&ring), sv[1], &rm, MSG_WAITALL);
  one(&ring, "RECVMSG", sv[1], 0, 1000, 1000, "normal");

  close(sv[0]);
  close(sv[1]);
  close(fd);
  io_uring_queue_exit(&ring);
  printf("done\n");
  fflush(stdout);
  return failures == 0 ? 0 : 1;
}

/*
 * Each diagnostic a known number of times, on one ring (the overflow on a second, tiny one).
 * Expected, for this process:
 *   punted   WRITE 1        a buffered write forced to io-wq (IOSQE_ASYNC)
 *   poll     READ 1         a read of an empty pipe: not ready, so the kernel arms a poll; a
 *                           write to the pipe then completes it
 *   short    READ 1         4096 bytes asked of a 1000-byte file
 *   failed   READ EINVAL 1  an SQE flag the kernel does not know: fails at init (req_failed)
 *   links    READ 2         a READ of a closed descriptor (-EBADF) heading a chain of two
 *                           linked NOPs: both cancelled (-ECANCELED), fail_link fires for each
 *   overflow 4              8 NOPs on a ring of 4 CQEs before reaping: 4 do not fit (NODROP
 *                           kernels keep them; they are reaped after)
 *   fixed    READ 1         a READ of a registered file (IOSQE_FIXED_FILE, index 0)
 * Only completions the kernel traces as io_uring_complete are printed as JSON lines: the
 * overflowed ones are not (io_uring_cqe_overflow fires instead).
 */
static int diag(const char *dir) {
  char path[4096];
  snprintf(path, sizeof path, "%s/diag.bin", dir);
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) die("open", errno);
  if (write(fd, buf, 1000) != 1000) die("write", errno);

  /* punted: a buffered WRITE forced to an io-wq worker */
  struct io_uring_sqe *sqe = sqe_of(&ring);
  io_uring_prep_write(sqe, fd, buf, 4096, 4096);
  sqe->flags |= IOSQE_ASYNC;
  one(&ring, "WRITE", fd, 4096, 4096, 4096, "async");

  /* short: a READ past the end of the first 1000 bytes... of a file 1000 bytes long */
  int sfd = open(path, O_RDONLY);
  if (sfd < 0) die("open", errno);
  if (ftruncate(fd, 1000) < 0) die("ftruncate", errno);
  io_uring_prep_read(sqe_of(&ring), sfd, buf, 4096, 0);
  one(&ring, "READ", sfd, 0, 4096, 1000, "normal");

  /* poll: a READ of an empty pipe arms a poll; a write completes it */
  int pf[2];
  if (pipe(pf) < 0) die("pipe", errno);
  io_uring_prep_read(sqe_of(&ring), pf[0], buf, 64, 0);
  int ret = io_uring_submit(&ring);
  if (ret != 1) die("submit read", ret < 0 ? ret : EIO);
  if (write(pf[1], buf, 64) != 64) die("pipe write", errno);
  one(&ring, "READ", pf[0], 0, 64, 64, "normal");

  /* failed: an unknown SQE flag fails the request at init, with -EINVAL */
  sqe = sqe_of(&ring);
  io_uring_prep_read(sqe, sfd, buf, 100, 0);
  sqe->flags |= 0x80;
  one(&ring, "READ", sfd, 0, 100, -EINVAL, "normal");

  /* links: a failing READ heading two linked NOPs, which are cancelled */
  sqe = sqe_of(&ring);
  io_uring_prep_read(sqe, 1000, buf, 100, 0);
  sqe->flags |= IOSQE_IO_LINK;
  sqe = sqe_of(&ring);
  io_uring_prep_nop(sqe);
  sqe->flags |= IOSQE_IO_LINK;
  io_uring_prep_nop(sqe_of(&ring));
  ret = io_uring_submit_and_wait(&ring, 3);
  if (ret != 3) die("submit chain", ret < 0 ? ret : EIO);
  for (int i = 0; i < 3; i++) {
    struct io_uring_cqe *cqe;
    ret = io_uring_wait_cqe(&ring, &cqe);
    if (ret < 0) die("io_uring_wait_cqe", ret);
    int res = cqe->res;
    io_uring_cqe_seen(&ring, cqe);
    if (i == 0) {
      expect("READ", res, -EBADF);
      report("READ", 1000, 0, 100, res, "normal");
    } else {
      expect("NOP", res, -ECANCELED);
      report("NOP", 0, 0, 0, res, "normal");
    }
  }

  /* fixed: a READ of a registered file, by its index */
  ret = io_uring_register_files(&ring, &sfd, 1);
  if (ret < 0) die("io_uring_register_files", ret);
  sqe = sqe_of(&ring);
  io_uring_prep_read(sqe, 0, buf, 500, 0);
  sqe->flags |= IOSQE_FIXED_FILE;
  one(&ring, "READ", 0, 0, 500, 500, "fixed");
  io_uring_unregister_files(&ring);

  /* overflow: 8 NOPs, 4 at a time, on a ring with room for 4 CQEs, then reaped */
  struct io_uring small;
  struct io_uring_params p;
  memset(&p, 0, sizeof p);
  p.flags = IORING_SETUP_CQSIZE;
  p.cq_entries = 4;
  ret = io_uring_queue_init_params(4, &small, &p);
  if (ret < 0) die("io_uring_queue_init_params", ret);
  if (!(p.features & IORING_FEAT_NODROP)) die("no IORING_FEAT_NODROP", EOPNOTSUPP);
  if (p.cq_entries != 4) die("CQ size", EINVAL);
  for (int round = 0; round < 2; round++) {
    for (int i = 0; i < 4; i++) io_uring_prep_nop(sqe_of(&small));
    ret = io_uring_submit(&small);
    if (ret != 4) die("submit nops", ret < 0 ? ret : EIO);
  }
  for (int i = 0; i < 8; i++) {
    struct io_uring_cqe *cqe;
    ret = io_uring_wait_cqe(&small, &cqe);
    if (ret < 0) die("io_uring_wait_cqe", ret);
    expect("NOP", cqe->res, 0);
    io_uring_cqe_seen(&small, cqe);
    /* the first 4 fitted in the ring: io_uring_complete; the rest overflowed */
    if (i < 4) report("NOP", 0, 0, 0, 0, "small");
  }
  io_uring_queue_exit(&small);

  close(pf[0]);
  close(pf[1]);
  close(sfd);
  close(fd);
  io_uring_queue_exit(&ring);
  printf("expect {\"punted\":{\"WRITE\":1},\"poll\":{\"READ\":1},\"short\":{\"READ\":1},"
         "\"failed\":{\"READ\":{\"EINVAL\":1}},\"links\":{\"READ\":2},\"overflow\":4,"
         "\"fixed\":{\"READ\":1}}\n");
  printf("done\n");
  fflush(stdout);
  return failures == 0 ? 0 : 1;
}

int main(int argc, char **argv) {
  const char *mode = argc == 3 ? argv[2] : "";
  if (argc != 2 && !(argc == 3 && (strcmp(mode, "vectored") == 0 || strcmp(mode, "inflight") == 0 ||
                                    strcmp(mode, "diag") == 0))) {
    fprintf(stderr, "usage: uring-workload DIR [vectored|inflight|diag]\n");
    return 2;
  }
  char path[4096], path2[4096];
  snprintf(path, sizeof path, "%s/data.bin", argv[1]);
  snprintf(path2, sizeof path2, "%s/sqpoll.bin", argv[1]);
  memset(buf, 'x', sizeof buf);

  int ret = io_uring_queue_init(16, &ring, 0);
  if (ret < 0) die("io_uring_queue_init", ret);

  if (strcmp(mode, "inflight") == 0) inflight_submit();
  printf("pid %d\n", getpid());
  fflush(stdout);
  char line[64];
  if (!fgets(line, sizeof line, stdin)) return 1;
  if (strcmp(mode, "vectored") == 0) return vectored(argv[1]);
  if (strcmp(mode, "inflight") == 0) return inflight();
  if (strcmp(mode, "diag") == 0) return diag(argv[1]);

  /* NOP x3 */
  for (int i = 0; i < 3; i++) {
    io_uring_prep_nop(sqe_of(&ring));
    one(&ring, "NOP", 0, 0, 0, 0, "normal");
  }

  /* OPENAT (dfd AT_FDCWD = -100) */
  io_uring_prep_openat(sqe_of(&ring), AT_FDCWD, path, O_RDWR | O_CREAT | O_TRUNC, 0600);
  int fd = one(&ring, "OPENAT", AT_FDCWD, 0, 0, ANY, "normal");
  if (fd < 0) die("openat", fd);

  /* WRITE / READ at known offsets */
  io_uring_prep_write(sqe_of(&ring), fd, buf, 16384, 0);
  one(&ring, "WRITE", fd, 0, 16384, 16384, "normal");
  io_uring_prep_write(sqe_of(&ring), fd, buf, 4096, 16384);
  one(&ring, "WRITE", fd, 16384, 4096, 4096, "normal");
  io_uring_prep_read(sqe_of(&ring), fd, buf, 4096, 4096);
  one(&ring, "READ", fd, 4096, 4096, 4096, "normal");
  io_uring_prep_read(sqe_of(&ring), fd, buf, 8192, 12288);
  one(&ring, "READ", fd, 12288, 8192, 8192, "normal");

  /* WRITEV (2 iovecs, 3000 bytes) and READV (3 iovecs) at offset 20480 */
  struct iovec wv[2] = {{buf, 1000}, {buf + 1000, 2000}};
  io_uring_prep_writev(sqe_of(&ring), fd, wv, 2, 20480);
  one(&ring, "WRITEV", fd, 20480, 3000, 3000, "normal");
  struct iovec rv[3] = {{buf, 1000}, {buf + 1000, 1000}, {buf + 2000, 1000}};
  io_uring_prep_readv(sqe_of(&ring), fd, rv, 3, 20480);
  one(&ring, "READV", fd, 20480, 3000, 3000, "normal");

  /* A READ forced to the io-wq worker (IOSQE_ASYNC): runs in an iou-wrk thread */
  struct io_uring_sqe *sqe = sqe_of(&ring);
  io_uring_prep_read(sqe, fd, buf, 2048, 8192);
  sqe->flags |= IOSQE_ASYNC;
  one(&ring, "READ", fd, 8192, 2048, 2048, "async");

  /* FSYNC */
  io_uring_prep_fsync(sqe_of(&ring), fd, 0);
  one(&ring, "FSYNC", fd, 0, 0, 0, "normal");

  /* STATX */
  static struct statx stx;
  io_uring_prep_statx(sqe_of(&ring), AT_FDCWD, path, 0, STATX_SIZE, &stx);
  one(&ring, "STATX", AT_FDCWD, 0, 0, 0, "normal");

  /* CLOSE */
  io_uring_prep_close(sqe_of(&ring), fd);
  one(&ring, "CLOSE", fd, 0, 0, 0, "normal");

  /* A READ on a descriptor that is not open: -EBADF */
  io_uring_prep_read(sqe_of(&ring), 1000, buf, 100, 0);
  one(&ring, "READ", 1000, 0, 100, -EBADF, "normal");

  /* SEND / RECV on a socketpair */
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) die("socketpair", errno);
  io_uring_prep_send(sqe_of(&ring), sv[0], buf, 100, 0);
  one(&ring, "SEND", sv[0], 0, 100, 100, "normal");
  io_uring_prep_recv(sqe_of(&ring), sv[1], buf, 100, 0);
  one(&ring, "RECV", sv[1], 0, 100, 100, "normal");

  /* ACCEPT / CONNECT on loopback */
  int lfd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t alen = sizeof addr;
  if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0) die("bind", errno);
  if (listen(lfd, 4) < 0) die("listen", errno);
  getsockname(lfd, (struct sockaddr *)&addr, &alen);
  int cfd = socket(AF_INET, SOCK_STREAM, 0);
  io_uring_prep_connect(sqe_of(&ring), cfd, (struct sockaddr *)&addr, sizeof addr);
  one(&ring, "CONNECT", cfd, 0, 0, 0, "normal");
  io_uring_prep_accept(sqe_of(&ring), lfd, NULL, NULL, 0);
  int afd = one(&ring, "ACCEPT", lfd, 0, 0, ANY, "normal");
  if (afd < 0) die("accept", afd);

  /* TIMEOUT of 10 ms that expires: -ETIME */
  struct __kernel_timespec ts = {.tv_sec = 0, .tv_nsec = 10 * 1000 * 1000};
  io_uring_prep_timeout(sqe_of(&ring), &ts, 0, 0);
  one(&ring, "TIMEOUT", 0, 0, 0, -ETIME, "normal");

  /* Multishot POLL_ADD on a pipe: two wakeups (CQEs with F_MORE), then POLL_REMOVE ends it */
  int pfd[2];
  if (pipe(pfd) < 0) die("pipe", errno);
  sqe = sqe_of(&ring);
  io_uring_prep_poll_multishot(sqe, pfd[0], POLLIN);
  sqe->user_data = 0x5eed;
  io_uring_submit(&ring);
  for (int i = 0; i < 2; i++) {
    if (write(pfd[1], "a", 1) != 1) die("pipe write", errno);
    unsigned cflags = 0;
    int res = complete_one(&ring, &cflags);
    if (!(cflags & IORING_CQE_F_MORE)) {
      fprintf(stderr, "uring-workload: multishot poll CQE %d lacks F_MORE\n", i);
      failures++;
    }
    report("POLL_ADD", pfd[0], 0, 0, res, "multishot");
  }
  sqe = sqe_of(&ring);
  io_uring_prep_poll_remove(sqe, 0x5eed);
  sqe->user_data = 0x5eee;
  for (int i = 0; i < 2; i++) {
    struct io_uring_cqe *cqe;
    if (i == 0) io_uring_submit(&ring);
    ret = io_uring_wait_cqe(&ring, &cqe);
    if (ret < 0) die("wait poll remove", ret);
    if (cqe->user_data == 0x5eed) report("POLL_ADD", pfd[0], 0, 0, cqe->res, "multishot");
    else report("POLL_REMOVE", 0, 0, 0, cqe->res, "normal");
    io_uring_cqe_seen(&ring, cqe);
  }

  /* An SQPOLL ring: submissions run in the kernel's iou-sqp thread, with no io_uring_enter */
  struct io_uring sq;
  sqpoll_ring(&sq, 8, 2000);
  int sfd = open(path2, O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (sfd < 0) die("open sqpoll file", errno);
  for (int i = 0; i < 2; i++) {
    io_uring_prep_write(sqe_of(&sq), sfd, buf, 512, 512 * i);
    one(&sq, "WRITE", sfd, 512 * i, 512, 512, "sqpoll");
  }
  io_uring_queue_exit(&sq);
  close(sfd);

  close(sv[0]);
  close(sv[1]);
  close(lfd);
  close(cfd);
  close(afd);
  close(pfd[0]);
  close(pfd[1]);
  io_uring_queue_exit(&ring);
  printf("done\n");
  fflush(stdout);
  return failures == 0 ? 0 : 1;
}
