/*
 * Init failures: SQEs the kernel rejects before issuing them (an unknown opcode, an unknown SQE
 * flag) get a CQE with the error but no io_uring_submit_req (io_uring_req_failed fires instead).
 * With IORING_SETUP_SUBMIT_ALL the kernel goes on with the rest of the batch; a link with a
 * failed member fails as a whole. Without it, submission stops after the failed SQE and the
 * rest wait in the SQ for the next io_uring_enter.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "corpus.h"

#define BAD_OPCODE 250 /* no such opcode (they are below 255 and far fewer) */
#define BAD_FLAG 0x80  /* no such SQE flag on this kernel (0x40 is the last, CQE_SKIP_SUCCESS) */

struct want {
  unsigned long long ud;
  int res;
};

static void queue(struct io_uring *r, unsigned long long ud, int opcode, unsigned flags) {
  struct io_uring_sqe *sqe = sqe_of(r);
  io_uring_prep_nop(sqe);
  sqe->opcode = (unsigned char)opcode;
  sqe->flags |= (unsigned char)flags;
  io_uring_sqe_set_data64(sqe, ud);
}

/* Reaps `n` CQEs and checks each against `want` (in any order). */
static void reap(struct io_uring *r, struct tally *t, const struct want *want, unsigned n) {
  unsigned seen = 0;
  for (unsigned i = 0; i < n; i++) {
    struct cqe c = next_cqe(r);
    t->cqes++;
    unsigned j = 0;
    while (j < n && want[j].ud != c.user_data) j++;
    if (j == n || (seen & (1u << j))) {
      fprintf(stderr, "submit-all: unexpected CQE %llu (%d)\n", c.user_data, c.res);
      failures++;
      continue;
    }
    seen |= 1u << j;
    char what[32];
    snprintf(what, sizeof what, "SQE %llu", c.user_data);
    expect(what, c.res, want[j].res);
  }
}

int main(void) {
  struct tally t;
  tally_init(&t, 0);
  struct io_uring r;
  int ret = io_uring_queue_init(16, &r, IORING_SETUP_SUBMIT_ALL);
  if (ret < 0) die("io_uring_queue_init(SUBMIT_ALL)", ret);
  queue(&r, 1, IORING_OP_NOP, 0);
  queue(&r, 2, BAD_OPCODE, 0);
  queue(&r, 3, IORING_OP_NOP, 0);
  queue(&r, 4, IORING_OP_NOP, BAD_FLAG);
  queue(&r, 5, IORING_OP_NOP, 0);
  // a fixed file that is not registered: fails when issued, not at init
  struct io_uring_sqe *sqe = sqe_of(&r);
  static char buf[8];
  io_uring_prep_read(sqe, 5, buf, sizeof buf, 0);
  sqe->flags |= IOSQE_FIXED_FILE;
  io_uring_sqe_set_data64(sqe, 6);
  // a link whose middle member fails at init: the whole link fails
  queue(&r, 7, IORING_OP_NOP, IOSQE_IO_LINK);
  queue(&r, 8, BAD_OPCODE, IOSQE_IO_LINK);
  queue(&r, 9, IORING_OP_NOP, 0);
  ret = io_uring_submit(&r);
  expect("io_uring_submit(SUBMIT_ALL batch)", ret, 9);
  static const struct want all[] = {{1, 0},          {2, -EINVAL},     {3, 0},
                                    {4, -EINVAL},    {5, 0},           {6, -EBADF},
                                    {7, -ECANCELED}, {8, -EINVAL},     {9, -ECANCELED}};
  reap(&r, &t, all, 9);
  io_uring_queue_exit(&r);

  // without SUBMIT_ALL: the batch stops after the failed SQE
  ret = io_uring_queue_init(16, &r, 0);
  if (ret < 0) die("io_uring_queue_init", ret);
  queue(&r, 11, IORING_OP_NOP, 0);
  queue(&r, 12, BAD_OPCODE, 0);
  queue(&r, 13, IORING_OP_NOP, 0);
  queue(&r, 14, IORING_OP_NOP, 0);
  ret = io_uring_submit(&r);
  expect("io_uring_submit(stopped batch)", ret, 2);
  static const struct want first[] = {{11, 0}, {12, -EINVAL}};
  reap(&r, &t, first, 2);
  ret = io_uring_submit(&r);
  expect("io_uring_submit(rest of the batch)", ret, 2);
  static const struct want rest[] = {{13, 0}, {14, 0}};
  reap(&r, &t, rest, 2);
  note(&t, "init_failures", "%d", 4);
  t.overflows = 0;
  io_uring_queue_exit(&r);
  return finish("submit-all", &t);
}
