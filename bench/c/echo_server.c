/*
 * Reference echo server for the benchmarks: the machine's limit for the 0x03-framed
 * protocol. One thread, level-triggered epoll, memchr over new bytes only, a growing
 * input buffer per connection, and EPOLLIN switched off while output is pending
 * (backpressure). Answers each message without parsing it (see take_messages).
 *
 * usage: echo_server SOCKET_PATH   (prints "READY" on stdout once listening)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

struct conn {
  int fd;
  char *in;       /* received bytes not yet echoed */
  size_t in_len, in_cap, scanned;
  char *out;      /* bytes waiting to be written */
  size_t out_len, out_cap, out_off;
};

static int ep;

static void grow(char **buf, size_t *cap, size_t need) {
  if (need <= *cap) return;
  size_t c = *cap ? *cap : 65536;
  while (c < need) c *= 2;
  char *p = realloc(*buf, c);
  if (!p) { perror("realloc"); exit(1); }
  *buf = p;
  *cap = c;
}

static void drop(struct conn *c) {
  epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
  free(c->in);
  free(c->out);
  free(c);
}

static void set_events(struct conn *c) {
  struct epoll_event ev = {0};
  ev.events = c->out_len > c->out_off ? EPOLLOUT : EPOLLIN;
  ev.data.ptr = c;
  epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Writes pending output; returns -1 when the connection failed. */
static int flush_out(struct conn *c) {
  while (c->out_off < c->out_len) {
    ssize_t n = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) return 0;
      return -1;
    }
    c->out_off += (size_t)n;
  }
  c->out_off = c->out_len = 0;
  return 0;
}

static const char ARGS_KEY[] = "\"args\":";
static const char RESULT_HEAD[] = "{\"success\":true,\"result\":";

/*
 * Answers every complete message, as a Ganeti server would shape it but without parsing:
 * a request {"method":M,"args":X} becomes {"success":true,"result":X}; anything else is
 * echoed unchanged. The key is looked up in the first bytes only (method comes first).
 */
static void take_messages(struct conn *c) {
  char *start = c->in;
  char *p = c->in + c->scanned;
  char *end = c->in + c->in_len;
  while (p < end) {
    char *e = memchr(p, 3, (size_t)(end - p));
    if (!e) break;
    size_t len = (size_t)(e - start);
    char *args = memmem(start, len < 256 ? len : 256, ARGS_KEY, sizeof ARGS_KEY - 1);
    if (args) {
      char *body = args + sizeof ARGS_KEY - 1;
      size_t blen = (size_t)(e + 1 - body);
      grow(&c->out, &c->out_cap, c->out_len + sizeof RESULT_HEAD - 1 + blen);
      memcpy(c->out + c->out_len, RESULT_HEAD, sizeof RESULT_HEAD - 1);
      c->out_len += sizeof RESULT_HEAD - 1;
      memcpy(c->out + c->out_len, body, blen);
      c->out_len += blen;
    } else {
      grow(&c->out, &c->out_cap, c->out_len + len + 1);
      memcpy(c->out + c->out_len, start, len + 1);
      c->out_len += len + 1;
    }
    start = p = e + 1;
  }
  size_t done = (size_t)(start - c->in);
  if (done > 0) {
    memmove(c->in, start, c->in_len - done);
    c->in_len -= done;
  }
  c->scanned = c->in_len;
}

static void on_readable(struct conn *c) {
  for (;;) {
    grow(&c->in, &c->in_cap, c->in_len + 65536);
    ssize_t n = read(c->fd, c->in + c->in_len, c->in_cap - c->in_len);
    if (n == 0) { drop(c); return; }
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) break;
      drop(c);
      return;
    }
    c->in_len += (size_t)n;
    if ((size_t)n < 65536) break;
  }
  take_messages(c);
  if (flush_out(c) < 0) { drop(c); return; }
  set_events(c);
}

int main(int argc, char **argv) {
  if (argc != 2) { fprintf(stderr, "usage: %s SOCKET_PATH\n", argv[0]); return 2; }
  signal(SIGPIPE, SIG_IGN);
  int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
  struct sockaddr_un addr = {0};
  addr.sun_family = AF_UNIX;
  strncpy(addr.sun_path, argv[1], sizeof addr.sun_path - 1);
  unlink(argv[1]);
  if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(lfd, 4096) < 0) {
    perror("bind/listen");
    return 1;
  }
  ep = epoll_create1(0);
  struct epoll_event ev = {0};
  ev.events = EPOLLIN;
  ev.data.ptr = NULL;
  epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
  printf("READY\n");
  fflush(stdout);
  struct epoll_event events[256];
  for (;;) {
    int n = epoll_wait(ep, events, 256, -1);
    for (int i = 0; i < n; i++) {
      struct conn *c = events[i].data.ptr;
      if (c == NULL) {
        int fd;
        while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
          struct conn *nc = calloc(1, sizeof *nc);
          nc->fd = fd;
          struct epoll_event cev = {0};
          cev.events = EPOLLIN;
          cev.data.ptr = nc;
          epoll_ctl(ep, EPOLL_CTL_ADD, fd, &cev);
        }
        continue;
      }
      if (events[i].events & EPOLLOUT) {
        if (flush_out(c) < 0) { drop(c); continue; }
        if (c->out_len == 0) {
          /* Output done: handle input that arrived meanwhile, then read again. */
          take_messages(c);
          if (flush_out(c) < 0) { drop(c); continue; }
        }
        set_events(c);
      } else if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
        on_readable(c);
      }
    }
  }
}
