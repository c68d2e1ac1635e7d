/*
 * Resource tags: files and buffers registered with a tag each. When a tagged resource leaves
 * the table (replaced by an update, or unregistered) and no request holds it any more, the
 * kernel posts a CQE with user_data = the tag: a CQE of no request (request-less, the ring
 * owner's). A read in flight on a fixed file holds it: the tag of that file comes only after
 * the read completes.
 *
 *   rsrc-tags          everything reaped; the tables unregistered (their tags posted)
 *   rsrc-tags exit     the tables left registered at exit: their tags are posted when the ring
 *                      is torn down, to no one (counted in `other`, and in the notes)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>
#include "corpus.h"

#define TAG(n) (0x7a6700ULL + (n)) /* tags, apart from the requests' user data (1..99) */

/* The next CQE must be the tag `tag`'s. */
static void tag_cqe(struct io_uring *r, struct tally *t, unsigned long long tag) {
  struct cqe c = next_cqe(r);
  t->other++;
  if (c.user_data != tag || c.res != 0) {
    fprintf(stderr, "rsrc-tags: CQE %llx res %d, expected tag %llx\n", c.user_data, c.res, tag);
    failures++;
  }
}

int main(int argc, char **argv) {
  int at_exit = argc > 1 && strcmp(argv[1], "exit") == 0;
  struct tally t;
  tally_init(&t, 0);
  struct io_uring r;
  int ret = io_uring_queue_init(16, &r, 0);
  if (ret < 0) die("io_uring_queue_init", ret);

  // files: two pipes' read ends and /proc/self/exe, tagged 1..3
  int p1[2], p2[2];
  if (pipe(p1) < 0 || pipe(p2) < 0) die("pipe", errno);
  int exe = open("/proc/self/exe", O_RDONLY);
  if (exe < 0) die("open", errno);
  int files[3] = {p1[0], p2[0], exe};
  unsigned long long ftags[3] = {TAG(1), TAG(2), TAG(3)};
  ret = io_uring_register_files_tags(&r, files, ftags, 3);
  if (ret < 0) die("io_uring_register_files_tags", ret);

  // a read waiting on fixed file 0; file 0 replaced meanwhile: its tag waits for the read
  static char buf[16];
  struct io_uring_sqe *sqe = sqe_of(&r);
  io_uring_prep_read(sqe, 0, buf, sizeof buf, 0);
  sqe->flags |= IOSQE_FIXED_FILE;
  io_uring_sqe_set_data64(sqe, 1);
  ret = io_uring_submit(&r);
  if (ret != 1) die("io_uring_submit(read)", ret < 0 ? ret : EIO);
  int repl[1] = {p2[0]};
  unsigned long long rtag[1] = {TAG(4)};
  ret = io_uring_register_files_update_tag(&r, 0, repl, rtag, 1);
  expect("files update", ret, 1);
  expect("CQEs while the read holds the old file", (int)io_uring_cq_ready(&r), 0);
  if (write(p1[1], "tagged", 6) != 6) die("write", errno);
  expect_cqe(&r, &t, "read on the replaced fixed file", 1, 6);
  tag_cqe(&r, &t, TAG(1));

  // file 1 replaced with no request on it: its tag at once
  repl[0] = exe;
  rtag[0] = TAG(5);
  ret = io_uring_register_files_update_tag(&r, 1, repl, rtag, 1);
  expect("files update", ret, 1);
  tag_cqe(&r, &t, TAG(2));

  // buffers, tagged 11 and 12; a fixed read into buffer 0, then buffer 0 replaced
  static char b0[64], b1[64], b2[64];
  struct iovec iov[2] = {{b0, sizeof b0}, {b1, sizeof b1}};
  unsigned long long btags[2] = {TAG(11), TAG(12)};
  ret = io_uring_register_buffers_tags(&r, iov, btags, 2);
  if (ret < 0) die("io_uring_register_buffers_tags", ret);
  sqe = sqe_of(&r);
  io_uring_prep_read_fixed(sqe, exe, b0, sizeof b0, 0, 0);
  io_uring_sqe_set_data64(sqe, 2);
  ret = io_uring_submit(&r);
  if (ret != 1) die("io_uring_submit(read fixed)", ret < 0 ? ret : EIO);
  expect_cqe(&r, &t, "read into a registered buffer", 2, 64);
  struct iovec niov[1] = {{b2, sizeof b2}};
  unsigned long long ntag[1] = {TAG(13)};
  ret = io_uring_register_buffers_update_tag(&r, 0, niov, ntag, 1);
  expect("buffers update", ret, 1);
  tag_cqe(&r, &t, TAG(11));

  if (at_exit) {
    // left registered: files tagged 4, 5, 3 and buffers 13, 12, posted at teardown
    t.other += 5;
    t.after_exit = 5;
  } else {
    ret = io_uring_unregister_files(&r);
    if (ret < 0) die("io_uring_unregister_files", ret);
    ret = io_uring_unregister_buffers(&r);
    if (ret < 0) die("io_uring_unregister_buffers", ret);
    unsigned long long left = 0;
    for (int i = 0; i < 5; i++) {
      struct cqe c = next_cqe(&r);
      t.other++;
      unsigned long long n = c.user_data - TAG(0);
      if (n >= 64 || c.res != 0) {
        fprintf(stderr, "rsrc-tags: CQE %llx res %d, expected a tag\n", c.user_data, c.res);
        failures++;
      } else {
        left |= 1ULL << n;
      }
    }
    // files 4, 5, 3 and buffers 13, 12
    expect("tags of the unregistered", left == ((1ULL << 3) | (1ULL << 4) | (1ULL << 5) |
                                                (1ULL << 12) | (1ULL << 13)),
           1);
    io_uring_queue_exit(&r);
  }
  t.overflows = 0;
  return finish("rsrc-tags", &t);
}
