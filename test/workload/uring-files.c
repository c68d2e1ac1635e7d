/*
 * An io_uring workload whose files, threads and rings are known, for the tests of what iouringtop
 * reads from /proc: file names, registered files, io-wq workers, the SQPOLL thread, rings.
 *
 * Usage: uring-files DIR [NAME]
 * Creates DIR/NAME (default "hot-file.dat"), DIR/fixed-file.dat and DIR/sqpoll-file.dat, sets up
 * a normal ring (with fixed-file.dat registered at index 0) and an SQPOLL ring, prints
 * "pid <pid>" and waits for a line on stdin. Then, one operation at a time:
 *   - 3 WRITEs and 1 READ of 4096 bytes on NAME (a plain fd);
 *   - 2 WRITEs of 4096 bytes with IOSQE_FIXED_FILE on registered index 0 (fixed-file.dat);
 *   - 1 WRITE of 4096 bytes on NAME with IOSQE_ASYNC: punted to an io-wq worker (iou-wrk-*);
 *   - 1 SEND and 1 RECV of 100 bytes on a UDP socket connected to itself on 127.0.0.1;
 *   - 2 WRITEs of 512 bytes on sqpoll-file.dat through the SQPOLL ring (thread iou-sqp-*).
 * It prints one JSON line per completion ({"op","fd","fixed","res","ring"}), then
 * "done fd <NAME's fd> udp <port>", and keeps every file, socket and ring open until its stdin
 * ends (or a second line comes).
 * Exits non-zero (with a message on stderr) if an operation's result is not what it expects.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "workload.h"

static char buf[8192];

/* Submits what is queued, waits for one completion, checks and reports it. */
static int one(struct io_uring *r, const char *op, int fd, int fixed, int want, const char *ring) {
  int res = complete_one(r, NULL);
  expect(op, res, want);
  printf("{\"op\":\"%s\",\"fd\":%d,\"fixed\":%s,\"res\":%d,\"ring\":\"%s\"}\n", op, fd,
         fixed ? "true" : "false", res, ring);
  fflush(stdout);
  return res;
}

static int open_in(const char *dir, const char *name) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) die(path, errno);
  return fd;
}

int main(int argc, char **argv) {
  if (argc < 2 || argc > 3) {
    fprintf(stderr, "usage: uring-files DIR [NAME]\n");
    return 2;
  }
  const char *name = argc == 3 ? argv[2] : "hot-file.dat";
  memset(buf, 'x', sizeof buf);

  struct io_uring ring, sq;
  int ret = io_uring_queue_init(16, &ring, 0);
  if (ret < 0) die("io_uring_queue_init", ret);
  sqpoll_ring(&sq, 8, 1000);

  int hot = open_in(argv[1], name);
  int fixed = open_in(argv[1], "fixed-file.dat");
  int sfd = open_in(argv[1], "sqpoll-file.dat");
  ret = io_uring_register_files(&ring, &fixed, 1);
  if (ret < 0) die("io_uring_register_files", ret);

  int udp = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t alen = sizeof addr;
  if (udp < 0 || bind(udp, (struct sockaddr *)&addr, sizeof addr) < 0) die("udp bind", errno);
  getsockname(udp, (struct sockaddr *)&addr, &alen);
  if (connect(udp, (struct sockaddr *)&addr, sizeof addr) < 0) die("udp connect", errno);

  printf("pid %d\n", getpid());
  fflush(stdout);
  char line[64];
  if (!fgets(line, sizeof line, stdin)) return 1;

  for (int i = 0; i < 3; i++) {
    io_uring_prep_write(sqe_of(&ring), hot, buf, 4096, 4096 * i);
    one(&ring, "WRITE", hot, 0, 4096, "normal");
  }
  io_uring_prep_read(sqe_of(&ring), hot, buf, 4096, 0);
  one(&ring, "READ", hot, 0, 4096, "normal");

  for (int i = 0; i < 2; i++) {
    struct io_uring_sqe *sqe = sqe_of(&ring);
    io_uring_prep_write(sqe, 0, buf, 4096, 4096 * i);
    sqe->flags |= IOSQE_FIXED_FILE;
    one(&ring, "WRITE", 0, 1, 4096, "normal");
  }

  struct io_uring_sqe *sqe = sqe_of(&ring);
  io_uring_prep_write(sqe, hot, buf, 4096, 16384);
  sqe->flags |= IOSQE_ASYNC;
  one(&ring, "WRITE", hot, 0, 4096, "async");

  io_uring_prep_send(sqe_of(&ring), udp, buf, 100, 0);
  one(&ring, "SEND", udp, 0, 100, "normal");
  io_uring_prep_recv(sqe_of(&ring), udp, buf, 100, 0);
  one(&ring, "RECV", udp, 0, 100, "normal");

  for (int i = 0; i < 2; i++) {
    io_uring_prep_write(sqe_of(&sq), sfd, buf, 512, 512 * i);
    one(&sq, "WRITE", sfd, 0, 512, "sqpoll");
  }

  printf("done fd %d udp %d\n", hot, ntohs(addr.sin_port));
  fflush(stdout);
  /* everything stays open until told: the tracer reads /proc meanwhile */
  if (!fgets(line, sizeof line, stdin)) {
    /* stdin ended */
  }
  io_uring_queue_exit(&sq);
  io_uring_queue_exit(&ring);
  return failures == 0 ? 0 : 1;
}
