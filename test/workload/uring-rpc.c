/*
 * A paced request/response exchange over TCP on the loopback, through one io_uring: the network
 * part of the bundled demo recording (recordings/make-recordings.sh).
 *
 * Usage: uring-rpc SECONDS RATE [SLOW_FROM SLOW_UNTIL]
 * Connects to itself (ACCEPT and CONNECT through the ring), then for SECONDS, at most RATE times
 * a second: the client SENDs a 200-byte request and the server RECVs it; the server SENDs a reply
 * of 1 to 16 KiB and the client RECVs it. Each pair is one io_uring_enter that waits for both
 * completions. From SLOW_FROM to SLOW_UNTIL seconds after the start the server is slow: it takes
 * 60 to 120 ms to answer, while the client's RECV waits (submitted on its own first), so fewer
 * exchanges fit in a second; a slow exchange is not made up for afterwards. Paced with
 * clock_nanosleep, not with IORING_OP_TIMEOUT, so that no operation ends in an error.
 * Prints the number of exchanges; exits 1 with a message on any failure.
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
#include <time.h>
#include <unistd.h>

#include "workload.h"

#define REQUEST 200
#define MAX_REPLY 16384

static struct io_uring ring;
static char request[REQUEST], request_in[REQUEST];
static char reply[MAX_REPLY], reply_in[MAX_REPLY];

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void sleep_until(long long ns) {
  struct timespec ts = {.tv_sec = ns / 1000000000LL, .tv_nsec = ns % 1000000000LL};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
  }
}

/*
 * Waits for the two operations in flight (user_data 0 and 1), submitting what is queued, and
 * checks that each returned `want` (any result when want < 0); returns the result of operation 0.
 */
static int both(int want) {
  int ret = io_uring_submit_and_wait(&ring, 2);
  if (ret < 0) die("io_uring_submit_and_wait", ret);
  int first = 0;
  for (int i = 0; i < 2; i++) {
    struct io_uring_cqe *cqe;
    ret = io_uring_wait_cqe(&ring, &cqe);
    if (ret < 0) die("io_uring_wait_cqe", ret);
    if (cqe->res < 0) die(cqe->user_data == 0 ? "first operation" : "second operation", cqe->res);
    if (want >= 0 && cqe->res != want) {
      fprintf(stderr, "uring-rpc: an operation returned %d bytes, expected %d\n", cqe->res, want);
      exit(1);
    }
    if (cqe->user_data == 0) first = cqe->res;
    io_uring_cqe_seen(&ring, cqe);
  }
  return first;
}

/*
 * `size` bytes from sfd to rfd: the RECV goes first; with a delay it is submitted on its own and
 * waits that long (the sender at work) before the SEND is submitted.
 */
static void exchange(int rfd, void *rbuf, int sfd, const void *sbuf, int size, long long delay_ns) {
  struct io_uring_sqe *sqe = sqe_of(&ring);
  io_uring_prep_recv(sqe, rfd, rbuf, size, MSG_WAITALL);
  io_uring_sqe_set_data64(sqe, 0);
  if (delay_ns > 0) {
    int ret = io_uring_submit(&ring);
    if (ret != 1) die("io_uring_submit", ret < 0 ? ret : EIO);
    sleep_until(now_ns() + delay_ns);
  }
  sqe = sqe_of(&ring);
  io_uring_prep_send(sqe, sfd, sbuf, size, 0);
  io_uring_sqe_set_data64(sqe, 1);
  both(size);
}

int main(int argc, char **argv) {
  if (argc != 3 && argc != 5) {
    fprintf(stderr, "usage: uring-rpc SECONDS RATE [SLOW_FROM SLOW_UNTIL]\n");
    return 1;
  }
  double seconds = atof(argv[1]);
  double rate = atof(argv[2]);
  double slow_from = argc == 5 ? atof(argv[3]) : 0;
  double slow_until = argc == 5 ? atof(argv[4]) : 0;
  if (!(seconds > 0) || !(rate >= 1) || rate > 100000 || slow_from < 0 || slow_until < slow_from) {
    fprintf(stderr, "uring-rpc: SECONDS must be > 0, RATE from 1 to 100000, and "
                    "0 <= SLOW_FROM <= SLOW_UNTIL\n");
    return 1;
  }
  int ret = io_uring_queue_init(16, &ring, 0);
  if (ret < 0) die("io_uring_queue_init", ret);

  int listener = socket(AF_INET, SOCK_STREAM, 0);
  if (listener < 0) die("socket", errno);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof addr;
  if (bind(listener, (struct sockaddr *)&addr, sizeof addr) < 0) die("bind", errno);
  if (listen(listener, 1) < 0) die("listen", errno);
  if (getsockname(listener, (struct sockaddr *)&addr, &len) < 0) die("getsockname", errno);
  int client = socket(AF_INET, SOCK_STREAM, 0);
  if (client < 0) die("socket", errno);

  /* the server's end is the ACCEPT's result */
  struct io_uring_sqe *sqe = sqe_of(&ring);
  io_uring_prep_accept(sqe, listener, NULL, NULL, 0);
  io_uring_sqe_set_data64(sqe, 0);
  sqe = sqe_of(&ring);
  io_uring_prep_connect(sqe, client, (struct sockaddr *)&addr, sizeof addr);
  io_uring_sqe_set_data64(sqe, 1);
  int server = both(-1);

  memset(request, 'q', sizeof request);
  memset(reply, 'r', sizeof reply);
  long long start = now_ns(), next = start;
  long long end = start + (long long)(seconds * 1e9);
  long long step = (long long)(1e9 / rate);
  long long slow_start = start + (long long)(slow_from * 1e9);
  long long slow_end = start + (long long)(slow_until * 1e9);
  unsigned seed = 12345;
  long n = 0;
  for (; next < end; n++) {
    seed = seed * 1103515245 + 12345;
    int size = 1024 + (int)((seed >> 8) % (MAX_REPLY - 1024 + 1));
    long long t = now_ns();
    long long delay = t >= slow_start && t < slow_end ? (60 + (seed >> 4) % 61) * 1000000LL : 0;

    exchange(server, request_in, client, request, REQUEST, 0);
    exchange(client, reply_in, server, reply, size, delay);

    next += step;
    t = now_ns();
    if (next < t) next = t;
    sleep_until(next);
  }
  close(client);
  close(server);
  close(listener);
  io_uring_queue_exit(&ring);
  printf("%ld exchanges\n", n);
  return 0;
}
