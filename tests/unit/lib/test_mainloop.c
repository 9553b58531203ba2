/* SPDX-License-Identifier: BSD-2-Clause */
/* test_mainloop.c - the daemon runner on lib/evloop: fds, signals, ticks */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <signal.h>
#include <unistd.h>

#include "lib/mainloop.h"

struct seen {
	int fd_calls, hup, usr1, ticks;
	int rfd;
};

static void on_fd(void *arg, int fd, uint32_t events)
{
	struct seen *s = arg;
	char c;

	assert_int_equal(fd, s->rfd);
	assert_true(events & EPOLLIN);
	assert_int_equal(read(fd, &c, 1), 1);
	s->fd_calls++;
	raise(SIGHUP);		/* blocked: it waits in the signalfd */
}

static void on_signal(void *arg, int sig)
{
	struct seen *s = arg;

	if (sig == SIGHUP)
		s->hup++;
	else if (sig == SIGUSR1)
		s->usr1++;
}

static void on_tick(void *arg)
{
	struct seen *s = arg;

	if (++s->ticks == 2)
		raise(SIGUSR1);
	else if (s->ticks == 4)
		raise(SIGTERM);
}

static void test_run(void **state)
{
	struct mainloop m;
	struct seen s = { 0 };
	int p[2], i, fds[MAINLOOP_MAX_FDS];

	(void)state;
	assert_int_equal(pipe(p), 0);
	s.rfd = p[0];
	assert_int_equal(mainloop_init(&m, 10, on_tick, on_signal, &s), 0);
	assert_int_equal(mainloop_add_fd(&m, p[0], EPOLLIN, on_fd, &s), 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(mainloop_run(&m), SIGTERM);
	assert_int_equal(s.fd_calls, 1);
	assert_int_equal(s.hup, 1);
	assert_int_equal(s.usr1, 1);
	assert_int_equal(s.ticks, 4);
	/* the table of fds has a maximum */
	for (i = 1; i < MAINLOOP_MAX_FDS; i++) {
		fds[i] = dup(p[1]);
		assert_int_equal(mainloop_add_fd(&m, fds[i], EPOLLOUT, on_fd, &s), 0);
	}
	fds[0] = dup(p[1]);
	assert_int_equal(mainloop_add_fd(&m, fds[0], EPOLLOUT, on_fd, &s), -1);
	assert_int_equal(errno, ENOSPC);
	for (i = 0; i < MAINLOOP_MAX_FDS; i++)
		close(fds[i]);
	mainloop_free(&m);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_run),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
