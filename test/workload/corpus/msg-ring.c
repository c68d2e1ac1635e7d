/*
 * IORING_OP_MSG_RING: a request on one ring posts a CQE on another. The sender's CQE is its
 * request's; the CQE that appears on the target ring belongs to no request there (a
 * request-less CQE, the target ring owner's). Rings: A sends; B is a plain target; D a
 * DEFER_TASKRUN + SINGLE_ISSUER target (the kernel posts to it through this task's deferred
 * work). Messages of data (IORING_MSG_DATA) and of a registered file (IORING_MSG_SEND_FD, once
 * with a CQE on the target, once with IORING_MSG_RING_CQE_SKIP: none). Then a forked child with
 * its own ring C messages B and D, rings it inherited but did not create: its CQEs are its own,
 * the deliveries are this process's (the rings' owner). The child prints its own line.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "corpus.h"

#define MSG_DATA 0    /* IORING_MSG_DATA */
#define MSG_SEND_FD 1 /* IORING_MSG_SEND_FD */

static void queue_msg(struct io_uring *from, int target_fd, unsigned len,
                      unsigned long long data, unsigned long long ud) {
  struct io_uring_sqe *sqe = sqe_of(from);
  io_uring_prep_msg_ring(sqe, target_fd, len, data, 0);
  io_uring_sqe_set_data64(sqe, ud);
}

/* Reaps `n` CQEs of messages that came to `r`: user data from `data0`, res = len (`len0` + i). */
static void deliveries(struct io_uring *r, struct tally *t, unsigned n, unsigned long long data0,
                       int len0) {
  for (unsigned i = 0; i < n; i++) {
    struct cqe c = next_cqe(r);
    t->other++;
    if (c.user_data < data0 || c.user_data >= data0 + n) {
      fprintf(stderr, "msg-ring: delivery %llu, expected %llu..\n", c.user_data, data0);
      failures++;
    } else {
      expect("delivery", c.res, len0 + (int)(c.user_data - data0));
    }
  }
}

/* The sender's CQEs for `n` messages (each res 0). */
static void sent(struct io_uring *r, struct tally *t, unsigned n) {
  for (unsigned i = 0; i < n; i++) {
    struct cqe c = next_cqe(r);
    t->cqes++;
    expect("MSG_RING", c.res, 0);
  }
}

static void ring(struct io_uring *r, unsigned flags) {
  int ret = io_uring_queue_init(16, r, flags);
  if (ret < 0) die("io_uring_queue_init", ret);
}

static int child(int b_fd, int d_fd) {
  struct tally t;
  tally_init(&t, 0);
  struct io_uring c;
  ring(&c, 0);
  for (unsigned i = 0; i < 3; i++) queue_msg(&c, b_fd, 30 + i, 3000 + i, 1 + i);
  for (unsigned i = 0; i < 3; i++) queue_msg(&c, d_fd, 40 + i, 4000 + i, 10 + i);
  int ret = io_uring_submit(&c);
  if (ret != 6) die("io_uring_submit(child's messages)", ret < 0 ? ret : EIO);
  sent(&c, &t, 6);
  t.overflows = 0;
  io_uring_queue_exit(&c);
  return finish("msg-ring-child", &t);
}

int main(void) {
  struct tally t;
  tally_init(&t, 0);
  struct io_uring a, b, d;
  ring(&a, 0);
  ring(&b, 0);
  ring(&d, IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN);

  for (unsigned i = 0; i < 4; i++) queue_msg(&a, b.ring_fd, 10 + i, 1000 + i, 1 + i);
  for (unsigned i = 0; i < 4; i++) queue_msg(&a, d.ring_fd, 20 + i, 2000 + i, 10 + i);
  int ret = io_uring_submit(&a);
  if (ret != 8) die("io_uring_submit(messages)", ret < 0 ? ret : EIO);
  sent(&a, &t, 8);
  deliveries(&b, &t, 4, 1000, 10);
  deliveries(&d, &t, 4, 2000, 20);

  // a registered file sent from A's table (slot 0) to B's (slot 2), with and without a CQE
  int p[2];
  if (pipe(p) < 0) die("pipe", errno);
  ret = io_uring_register_files(&a, p, 2);
  if (ret < 0) die("io_uring_register_files(A)", ret);
  ret = io_uring_register_files_sparse(&b, 4);
  if (ret < 0) die("io_uring_register_files_sparse(B)", ret);
  for (int skip = 0; skip < 2; skip++) {
    struct io_uring_sqe *sqe = sqe_of(&a);
    io_uring_prep_msg_ring(sqe, b.ring_fd, 0, 5000 + skip, 0);
    sqe->addr = MSG_SEND_FD;
    sqe->addr3 = (unsigned long long)skip; /* source slot */
    sqe->file_index = 2 + skip + 1;        /* target slot + 1 */
    if (skip) sqe->msg_ring_flags = IORING_MSG_RING_CQE_SKIP;
    io_uring_sqe_set_data64(sqe, 50 + skip);
    ret = io_uring_submit(&a);
    if (ret != 1) die("io_uring_submit(send fd)", ret < 0 ? ret : EIO);
    sent(&a, &t, 1);
  }
  struct cqe c = next_cqe(&b);
  t.other++;
  if (c.user_data != 5000) {
    fprintf(stderr, "msg-ring: fd delivery %llu, expected 5000\n", c.user_data);
    failures++;
  }
  note(&t, "send_fd_res", "%d", c.res);
  expect("CQEs after the skipped delivery", (int)io_uring_cq_ready(&b), 0);

  // another process's messages to rings this one created
  pid_t pid = fork();
  if (pid < 0) die("fork", errno);
  if (pid == 0) {
    _exit(child(b.ring_fd, d.ring_fd));
  }
  int status;
  if (waitpid(pid, &status, 0) != pid) die("waitpid", errno);
  expect("child's exit status", WIFEXITED(status) ? WEXITSTATUS(status) : 128, 0);
  deliveries(&b, &t, 3, 3000, 30);
  deliveries(&d, &t, 3, 4000, 40);
  note(&t, "child", "%d", (int)pid);
  t.overflows = 0;
  io_uring_queue_exit(&a);
  io_uring_queue_exit(&b);
  io_uring_queue_exit(&d);
  close(p[0]);
  close(p[1]);
  return finish("msg-ring", &t);
}
