/*
 * Sockets polled over and over: a RECV submitted on a stream socket before its data has come.
 * The non-blocking try finds nothing, so io_uring arms a poll on the socket
 * (io_uring_poll_arm) and retries when the peer writes. One arm per message: the doctor's
 * `poll_arms`. (A multishot RECV with provided buffers stays armed across messages.)
 *
 *   doc-poll MESSAGES
 *
 * Reports {"recvs":N,"polls":N}: each RECV armed one poll (its data was written after it was
 * submitted).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "doctor.h"

#define MSG 100

int main(int argc, char **argv) {
  long messages = arg_count(argc, argv, 1, "MESSAGES");
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) die("socketpair", errno);
  struct io_uring ring;
  int ret = io_uring_queue_init(8, &ring, 0);
  if (ret < 0) die("io_uring_queue_init", ret);
  static char out[MSG], in[MSG];
  memset(out, 'q', sizeof out);
  await_go();
  for (long m = 0; m < messages; m++) {
    io_uring_prep_recv(sqe_of(&ring), sv[0], in, sizeof in, MSG_WAITALL);
    ret = io_uring_submit(&ring);
    if (ret != 1) die("io_uring_submit", ret < 0 ? ret : EIO);
    if (write(sv[1], out, MSG) != MSG) die("write", errno);
    struct io_uring_cqe *cqe;
    ret = io_uring_wait_cqe(&ring, &cqe);
    if (ret < 0) die("io_uring_wait_cqe", ret);
    expect("RECV", cqe->res, MSG);
    io_uring_cqe_seen(&ring, cqe);
  }
  io_uring_queue_exit(&ring);
  report("\"recvs\":%ld,\"polls\":%ld", messages, messages);
  return failures ? 1 : 0;
}
