/*
 * Multishot requests: one submission, many CQEs. Their intermediate CQEs (F_MORE) come with no
 * request pointer in io_uring_complete; they are known by their ring and user data. Here:
 * multishot accept on a loopback listener (three clients connect), multishot recv on one of
 * the accepted sockets with a ring of provided buffers (IORING_REGISTER_PBUF_RING), ended by
 * the client's shutdown (res 0, no F_MORE), multishot read of a pipe with buffers provided by
 * IORING_OP_PROVIDE_BUFFERS, ended by the writer's close, and multishot poll of an eventfd,
 * removed; the accept is cancelled.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <liburing.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include "corpus.h"

#ifndef IORING_OP_READ_MULTISHOT
#define IORING_OP_READ_MULTISHOT 49 /* enum io_uring_op, kernel 6.7+ */
#endif

#define UD_ACCEPT 1
#define UD_RECV 2
#define UD_READ 3
#define UD_POLL 4
#define NBUF 8
#define BUFSZ 64

/* A multishot CQE: must carry `ud` and F_MORE (or not, for the last, `last`). */
static struct cqe shot(struct io_uring *r, struct tally *t, unsigned long long ud, int last) {
  struct cqe c = next_cqe(r);
  t->cqes++;
  if (c.user_data != ud || !(c.flags & IORING_CQE_F_MORE) != !!last) {
    fprintf(stderr, "multishot: CQE %llu res %d flags %x, expected %llu%s\n", c.user_data, c.res,
            c.flags, ud, last ? " (last)" : "");
    failures++;
  }
  return c;
}

static void submit1(struct io_uring *r, const char *what) {
  int ret = io_uring_submit(r);
  if (ret != 1) die(what, ret < 0 ? ret : EIO);
}

int main(void) {
  struct tally t;
  tally_init(&t, 0);
  struct io_uring r;
  int ret = io_uring_queue_init(64, &r, 0);
  if (ret < 0) die("io_uring_queue_init", ret);

  // accept, multishot
  int lfd = socket(AF_INET, SOCK_STREAM, 0);
  if (lfd < 0) die("socket", errno);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t alen = sizeof addr;
  if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0) die("bind", errno);
  if (listen(lfd, 8) < 0) die("listen", errno);
  if (getsockname(lfd, (struct sockaddr *)&addr, &alen) < 0) die("getsockname", errno);
  struct io_uring_sqe *sqe = sqe_of(&r);
  io_uring_prep_multishot_accept(sqe, lfd, NULL, NULL, 0);
  io_uring_sqe_set_data64(sqe, UD_ACCEPT);
  submit1(&r, "io_uring_submit(accept)");
  int clients[3], accepted[3];
  for (int i = 0; i < 3; i++) {
    clients[i] = socket(AF_INET, SOCK_STREAM, 0);
    if (clients[i] < 0) die("socket", errno);
    if (connect(clients[i], (struct sockaddr *)&addr, sizeof addr) < 0) die("connect", errno);
    struct cqe c = shot(&r, &t, UD_ACCEPT, 0);
    if (c.res < 0) die("accept", c.res);
    accepted[i] = c.res;
  }

  // recv, multishot, into a ring of provided buffers (group 1)
  size_t brsz = NBUF * sizeof(struct io_uring_buf);
  struct io_uring_buf_ring *br =
      mmap(NULL, brsz, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
  if (br == MAP_FAILED) die("mmap", errno);
  struct io_uring_buf_reg reg = {.ring_addr = (unsigned long)br, .ring_entries = NBUF, .bgid = 1};
  ret = io_uring_register_buf_ring(&r, &reg, 0);
  if (ret < 0) die("io_uring_register_buf_ring", ret);
  static char bufs[NBUF][BUFSZ];
  io_uring_buf_ring_init(br);
  for (int i = 0; i < NBUF; i++)
    io_uring_buf_ring_add(br, bufs[i], BUFSZ, i, io_uring_buf_ring_mask(NBUF), i);
  io_uring_buf_ring_advance(br, NBUF);
  sqe = sqe_of(&r);
  io_uring_prep_recv_multishot(sqe, accepted[0], NULL, 0, 0);
  sqe->flags |= IOSQE_BUFFER_SELECT;
  sqe->buf_group = 1;
  io_uring_sqe_set_data64(sqe, UD_RECV);
  submit1(&r, "io_uring_submit(recv)");
  for (int i = 0; i < 4; i++) {
    if (send(clients[0], "message!", 8, 0) != 8) die("send", errno);
    struct cqe c = shot(&r, &t, UD_RECV, 0);
    expect("recv", c.res, 8);
    if (!(c.flags & IORING_CQE_F_BUFFER)) {
      fprintf(stderr, "multishot: recv without a buffer\n");
      failures++;
    }
    // the buffer back to the ring
    unsigned bid = c.flags >> IORING_CQE_BUFFER_SHIFT;
    io_uring_buf_ring_add(br, bufs[bid % NBUF], BUFSZ, bid, io_uring_buf_ring_mask(NBUF), 0);
    io_uring_buf_ring_advance(br, 1);
  }
  if (shutdown(clients[0], SHUT_WR) < 0) die("shutdown", errno);
  struct cqe c = shot(&r, &t, UD_RECV, 1);
  expect("recv at end of stream", c.res, 0);

  // read, multishot, from a pipe, into buffers given by IORING_OP_PROVIDE_BUFFERS (group 2)
  static char pbufs[4][32];
  sqe = sqe_of(&r);
  io_uring_prep_provide_buffers(sqe, pbufs, 32, 4, 2, 0);
  io_uring_sqe_set_data64(sqe, 5);
  submit1(&r, "io_uring_submit(provide buffers)");
  c = next_cqe(&r);
  t.cqes++;
  note(&t, "provide_buffers_res", "%d", c.res);
  if (c.res < 0) expect("provide buffers", c.res, 0);
  int p[2];
  if (pipe(p) < 0) die("pipe", errno);
  sqe = sqe_of(&r);
  io_uring_prep_rw(IORING_OP_READ_MULTISHOT, sqe, p[0], NULL, 0, 0);
  sqe->flags |= IOSQE_BUFFER_SELECT;
  sqe->buf_group = 2;
  io_uring_sqe_set_data64(sqe, UD_READ);
  submit1(&r, "io_uring_submit(read multishot)");
  for (int i = 0; i < 3; i++) {
    if (write(p[1], "pipe data", 9) != 9) die("write", errno);
    c = shot(&r, &t, UD_READ, 0);
    expect("read multishot", c.res, 9);
  }
  close(p[1]);
  c = shot(&r, &t, UD_READ, 1);
  expect("read at end of file", c.res, 0);

  // poll, multishot, on an eventfd; removed
  int efd = eventfd(0, EFD_NONBLOCK);
  if (efd < 0) die("eventfd", errno);
  sqe = sqe_of(&r);
  io_uring_prep_poll_multishot(sqe, efd, POLLIN);
  io_uring_sqe_set_data64(sqe, UD_POLL);
  submit1(&r, "io_uring_submit(poll)");
  for (int i = 0; i < 3; i++) {
    unsigned long long one = 1, v;
    if (write(efd, &one, sizeof one) != sizeof one) die("write(eventfd)", errno);
    shot(&r, &t, UD_POLL, 0);
    if (read(efd, &v, sizeof v) != sizeof v) die("read(eventfd)", errno);
  }
  sqe = sqe_of(&r);
  io_uring_prep_poll_remove(sqe, UD_POLL);
  io_uring_sqe_set_data64(sqe, 6);
  submit1(&r, "io_uring_submit(poll remove)");
  for (int i = 0; i < 2; i++) {
    c = next_cqe(&r);
    t.cqes++;
    expect(c.user_data == UD_POLL ? "poll end" : "poll remove", c.res,
           c.user_data == UD_POLL ? -ECANCELED : 0);
  }

  // the accept, cancelled
  sqe = sqe_of(&r);
  io_uring_prep_cancel64(sqe, UD_ACCEPT, 0);
  io_uring_sqe_set_data64(sqe, 7);
  submit1(&r, "io_uring_submit(cancel)");
  for (int i = 0; i < 2; i++) {
    c = next_cqe(&r);
    t.cqes++;
    expect(c.user_data == UD_ACCEPT ? "accept end" : "cancel", c.res,
           c.user_data == UD_ACCEPT ? -ECANCELED : 0);
  }
  t.overflows = 0;
  for (int i = 0; i < 3; i++) {
    close(clients[i]);
    close(accepted[i]);
  }
  close(lfd);
  close(p[0]);
  close(efd);
  io_uring_queue_exit(&r);
  return finish("multishot", &t);
}
