/* SPDX-License-Identifier: BSD-2-Clause */
/* snap_save.c - `doctor snapshot DIR`: save this host's state as files */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "doctor/doctor.h"
#include "lib/timeutil.h"

#define CAPTURE_MAX (64u << 20)

/* Run @argv (PATH search, no shell) with stdout to @fd, stderr discarded.
 * Return: the exit status, or -errno when it could not run. */
static int run_to_fd(char *const argv[], int fd)
{
	int pipefd[2], status, e = 0;
	pid_t pid;
	ssize_t n;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		e = errno;
		close(pipefd[0]);
		close(pipefd[1]);
		return -e;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		dup2(fd, 1);
		if (devnull >= 0)
			dup2(devnull, 2);
		signal(SIGPIPE, SIG_DFL);
		execvp(argv[0], argv);
		e = errno;
		n = write(pipefd[1], &e, sizeof(e));
		(void)n;
		_exit(127);
	}
	close(pipefd[1]);
	n = read(pipefd[0], &e, sizeof(e));
	close(pipefd[0]);
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	if (n == (ssize_t)sizeof(e) && e)
		return -e;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

int dr_run_capture(char *const argv[], char **out, size_t *len)
{
	char tmpl[] = "/tmp/wanscope-doctor-XXXXXX";
	struct stat st;
	size_t got = 0;
	ssize_t n;
	char *buf;
	int fd, r;

	*out = NULL;
	*len = 0;
	fd = mkstemp(tmpl);
	if (fd < 0)
		return -errno;
	unlink(tmpl);
	r = run_to_fd(argv, fd);
	if (r != 0) {
		close(fd);
		return r < 0 ? r : -EIO;
	}
	if (fstat(fd, &st) < 0 || (size_t)st.st_size > CAPTURE_MAX) {
		close(fd);
		return -EFBIG;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	lseek(fd, 0, SEEK_SET);
	while (got < (size_t)st.st_size && (n = read(fd, buf + got, (size_t)st.st_size - got)) > 0)
		got += (size_t)n;
	close(fd);
	buf[got] = '\0';
	*out = buf;
	*len = got;
	return 0;
}

static const struct {
	const char *file;
	const char *argv[8];
	bool required;
} save_cmds[] = {
	{ "link.json", { "ip", "-j", "-d", "link", NULL }, true },
	{ "addr.json", { "ip", "-j", "addr", NULL }, true },
	{ "route4.json", { "ip", "-j", "route", "show", "table", "all", NULL }, true },
	{ "route6.json", { "ip", "-j", "-6", "route", "show", "table", "all", NULL }, false },
	{ "rule4.json", { "ip", "-j", "rule", NULL }, true },
	{ "rule6.json", { "ip", "-j", "-6", "rule", NULL }, false },
	{ "sysctl.txt", { "sysctl", "-a", NULL }, false },
	{ "nft.json", { "nft", "-j", "list", "ruleset", NULL }, false },
};

int dr_snap_save(const char *dir, char *err, size_t errlen)
{
	char path[4096], ts[TIME_ISO_LEN], host[256] = "";
	size_t i;
	FILE *f;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	for (i = 0; i < sizeof(save_cmds) / sizeof(save_cmds[0]); i++) {
		int fd, r;

		snprintf(path, sizeof(path), "%s/%s", dir, save_cmds[i].file);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			return -1;
		}
		r = run_to_fd((char *const *)save_cmds[i].argv, fd);
		close(fd);
		/* sysctl -a exits non-zero for unreadable keys but prints the rest */
		if (r != 0 && !(r > 0 && !strcmp(save_cmds[i].file, "sysctl.txt"))) {
			unlink(path);
			if (save_cmds[i].required) {
				snprintf(err, errlen, "`%s ...` for %s failed: %s", save_cmds[i].argv[0],
					 save_cmds[i].file, r < 0 ? strerror(-r) : "non-zero exit status");
				return -1;
			}
			fprintf(stderr, "wanscope doctor snapshot: %s skipped (`%s` %s)\n",
				save_cmds[i].file, save_cmds[i].argv[0],
				r == -ENOENT ? "not installed" : "failed");
		}
	}
	snprintf(path, sizeof(path), "%s/wanscope-snapshot.txt", dir);
	f = fopen(path, "w");
	if (f) {
		gethostname(host, sizeof(host) - 1);
		time_fmt_iso_ms(time_real_ms(), ts);
		fprintf(f, "wanscope %s doctor snapshot\nhost %s\ntime %s\n", WANSCOPE_VERSION, host, ts);
		fclose(f);
	}
	return 0;
}
