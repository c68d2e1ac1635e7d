/*
 * Zero-copy sends (SEND_ZC, SENDMSG_ZC) on a loopback TCP connection: each posts its result
 * (with F_MORE) and later a notification (F_NOTIF, same user data) once the kernel is done with
 * the buffer. The result is the request's CQE; the notification is counted as request-less
 * (`other`: it comes from a request the kernel made, not one that was submitted).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <liburing.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "corpus.h"

#define SENDS 4
#define LEN 512

int main(void) {
  struct tally t;
  tally_init(&t, 0);
  struct io_uring r;
  int ret = io_uring_queue_init(16, &r, 0);
  if (ret < 0) die("io_uring_queue_init", ret);
  int lfd = socket(AF_INET, SOCK_STREAM, 0);
  if (lfd < 0) die("socket", errno);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t alen = sizeof addr;
  if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0) die("bind", errno);
  if (listen(lfd, 1) < 0) die("listen", errno);
  if (getsockname(lfd, (struct sockaddr *)&addr, &alen) < 0) die("getsockname", errno);
  int cfd = socket(AF_INET, SOCK_STREAM, 0);
  if (cfd < 0) die("socket", errno);
  if (connect(cfd, (struct sockaddr *)&addr, sizeof addr) < 0) die("connect", errno);
  int sfd = accept(lfd, NULL, NULL);
  if (sfd < 0) die("accept", errno);

  static char data[SENDS][LEN];
  static struct iovec iov[SENDS];
  static struct msghdr msg[SENDS];
  for (int i = 0; i < SENDS; i++) {
    memset(data[i], 'a' + i, LEN);
    struct io_uring_sqe *sqe = sqe_of(&r);
    if (i % 2 == 0) {
      io_uring_prep_send_zc(sqe, cfd, data[i], LEN, 0, 0);
    } else {
      iov[i].iov_base = data[i];
      iov[i].iov_len = LEN;
      msg[i].msg_iov = &iov[i];
      msg[i].msg_iovlen = 1;
      io_uring_prep_sendmsg_zc(sqe, cfd, &msg[i], 0);
    }
    io_uring_sqe_set_data64(sqe, 1 + i);
    sqe->flags |= IOSQE_IO_LINK;  // in order on the stream
  }
  ret = io_uring_submit(&r);
  if (ret != SENDS) die("io_uring_submit", ret < 0 ? ret : EIO);
  int results = 0, notifs = 0;
  while (results + notifs < 2 * SENDS) {
    struct cqe c = next_cqe(&r);
    if (c.flags & IORING_CQE_F_NOTIF) {
      notifs++;
      t.other++;
      if (c.flags & IORING_CQE_F_MORE) {
        fprintf(stderr, "send-zc: notification with F_MORE\n");
        failures++;
      }
    } else {
      results++;
      t.cqes++;
      expect("zero-copy send", c.res, LEN);
      if (!(c.flags & IORING_CQE_F_MORE)) {
        fprintf(stderr, "send-zc: result without F_MORE (no notification to come)\n");
        failures++;
      }
    }
  }
  expect("results", results, SENDS);
  expect("notifications", notifs, SENDS);
  char in[SENDS * LEN];
  size_t got = 0;
  while (got < sizeof in) {
    ssize_t k = recv(sfd, in + got, sizeof in - got, 0);
    if (k <= 0) die("recv", k < 0 ? errno : EPIPE);
    got += (size_t)k;
  }
  for (int i = 0; i < SENDS; i++)
    if (memcmp(in + i * LEN, data[i], LEN) != 0) {
      fprintf(stderr, "send-zc: data %d differs\n", i);
      failures++;
    }
  t.overflows = 0;
  close(sfd);
  close(cfd);
  close(lfd);
  io_uring_queue_exit(&r);
  return finish("send-zc", &t);
}
