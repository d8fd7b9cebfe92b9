/*
 * rsc_cmd: runs an external command for a resource type (mount, fsck, vgchange,
 * nsupdate, ...) from the resource's child process: its own process group,
 * standard input from /dev/null, standard output and error captured, every
 * other descriptor closed, LC_ALL=C so that its messages can be matched, and a
 * timeout after which the whole process group is killed.
 */
#ifndef CORE_RSC_CMD_H
#define CORE_RSC_CMD_H

#include <stddef.h>

/* Special results of rsc_cmd_run besides an exit status 0..255. */
enum {
    RSC_CMD_TIMEOUT = -1000, /* killed at the timeout */
    RSC_CMD_NOEXEC = -1001,  /* could not be started (fork or exec failed) */
};

/*
 * Runs argv (argv[0] looked up in PATH) for at most timeout_ms, with input
 * (may be NULL) written to its standard input. Its output (stdout and stderr
 * together, the end of it when longer) is copied to out (NUL-terminated,
 * trailing newlines removed) when out is not NULL. env_extra: NULL or a
 * NULL-terminated list of "NAME=value" added to its environment. Returns the
 * exit status, 128 + signal when killed by a signal, RSC_CMD_TIMEOUT or
 * RSC_CMD_NOEXEC.
 */
int rsc_cmd_run(char *const argv[], const char *input, const char *const *env_extra,
                long timeout_ms, char *out, size_t n);

/* A sentence for a result of rsc_cmd_run: "exited with 32", "timed out after 5 s",
 * "could not be started". Writes into buf and returns it. */
const char *rsc_cmd_strerror(int rc, long timeout_ms, char *buf, size_t n);

/* Makes a command's output one line for an alert's detail: every run of
 * newlines, carriage returns and tabs becomes "; " or a blank. Returns s. */
char *rsc_cmd_flatten(char *s);

/* Splits an option string on blanks into at most max words (pointers into
 * the modified string s). Returns the number of words. */
int rsc_cmd_split(char *s, char **words, int max);

#endif
