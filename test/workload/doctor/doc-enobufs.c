/*
 * A multishot receive without enough provided buffers: a multishot RECV on a stream socket,
 * selecting from a ring of 2 provided buffers of 64 bytes (IORING_REGISTER_PBUF_RING), while
 * the peer writes 256 bytes at a time. The first two buffers fill; the next CQE is -ENOBUFS
 * without IORING_CQE_F_MORE: the multishot request has ended, and the application must give the
 * buffers back and arm it again. The doctor's `enobufs` and `multishot_ends`.
 *
 *   doc-enobufs ROUNDS
 *
 * Each round: 256 bytes written; CQEs reaped until the request ends (each buffer given back at
 * once, the request armed again after each ending) and 256 bytes have come in. Reports what it
 * saw: {"cqes":…,"enobufs":…,"ends":…,"arms":…} (ends: CQEs without F_MORE; arms: RECVs
 * submitted, the first one included).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include "doctor.h"

#define NBUF 2
#define BUFSZ 64
#define CHUNK 256
#define BGID 7

static struct io_uring ring;
static struct io_uring_buf_ring *br;
static char bufs[NBUF][BUFSZ];
static long cqes, enobufs, ends, arms;

static void arm(int fd) {
  struct io_uring_sqe *sqe = sqe_of(&ring);
  io_uring_prep_recv_multishot(sqe, fd, NULL, 0, 0);
  sqe->flags |= IOSQE_BUFFER_SELECT;
  sqe->buf_group = BGID;
  int ret = io_uring_submit(&ring);
  if (ret != 1) die("io_uring_submit", ret < 0 ? ret : EIO);
  arms++;
}

static void give_back(unsigned bid) {
  io_uring_buf_ring_add(br, bufs[bid], BUFSZ, bid, io_uring_buf_ring_mask(NBUF), 0);
  io_uring_buf_ring_advance(br, 1);
}

int main(int argc, char **argv) {
  long rounds = arg_count(argc, argv, 1, "ROUNDS");
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) die("socketpair", errno);
  int ret = io_uring_queue_init(16, &ring, 0);
  if (ret < 0) die("io_uring_queue_init", ret);
  br = mmap(NULL, NBUF * sizeof(struct io_uring_buf), PROT_READ | PROT_WRITE,
            MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
  if (br == MAP_FAILED) die("mmap", errno);
  struct io_uring_buf_reg reg = {.ring_addr = (unsigned long)br, .ring_entries = NBUF, .bgid = BGID};
  ret = io_uring_register_buf_ring(&ring, &reg, 0);
  if (ret < 0) die("io_uring_register_buf_ring", ret);
  io_uring_buf_ring_init(br);
  for (unsigned i = 0; i < NBUF; i++)
    io_uring_buf_ring_add(br, bufs[i], BUFSZ, i, io_uring_buf_ring_mask(NBUF), i);
  io_uring_buf_ring_advance(br, NBUF);
  static char chunk[CHUNK];
  memset(chunk, 'e', sizeof chunk);
  await_go();
  arm(sv[0]);
  for (long r = 0; r < rounds; r++) {
    if (write(sv[1], chunk, CHUNK) != CHUNK) die("write", errno);
    long got = 0;
    while (got < CHUNK) {
      struct io_uring_cqe *cqe;
      ret = io_uring_wait_cqe(&ring, &cqe);
      if (ret < 0) die("io_uring_wait_cqe", ret);
      int res = cqe->res;
      unsigned flags = cqe->flags;
      io_uring_cqe_seen(&ring, cqe);
      cqes++;
      if (res == -ENOBUFS) enobufs++;
      else if (res <= 0) die("RECV", res < 0 ? res : EPIPE);
      else got += res;
      if (flags & IORING_CQE_F_BUFFER) give_back(flags >> IORING_CQE_BUFFER_SHIFT);
      if (!(flags & IORING_CQE_F_MORE)) {
        ends++;
        arm(sv[0]);
      }
    }
    expect("bytes in the round", (int)got, CHUNK);
  }
  /* the request still armed ends when the peer goes: a last CQE (0, no F_MORE) */
  close(sv[1]);
  struct io_uring_cqe *cqe;
  ret = io_uring_wait_cqe(&ring, &cqe);
  if (ret < 0) die("io_uring_wait_cqe", ret);
  expect("RECV at end of stream", cqe->res, 0);
  if (!(cqe->flags & IORING_CQE_F_MORE)) ends++;
  cqes++;
  io_uring_cqe_seen(&ring, cqe);
  io_uring_queue_exit(&ring);
  report("\"cqes\":%ld,\"enobufs\":%ld,\"ends\":%ld,\"arms\":%ld", cqes, enobufs, ends, arms);
  return failures ? 1 : 0;
}
