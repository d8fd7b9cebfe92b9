/*
 * child: everything that can block runs in a child process with a timeout,
 * and its completion is an event in the core's loop.
 *
 * A child runs either a C function (fork, then body() in the child; its return
 * value is the exit code) or a program (fork + exec). Each child gets its own
 * process group, so a timeout kills the whole tree it started; its stdout and
 * stderr are captured (the last CHILD_OUTPUT_MAX bytes) and optionally copied
 * to a log file. The core learns of the exit through a pidfd watched by
 * libevent (where pidfd_open does not exist, by polling waitpid for that pid),
 * never through SIGCHLD, so children of other modules are left alone.
 */
#ifndef CORE_CHILD_H
#define CORE_CHILD_H

#include <event2/event.h>
#include <stdbool.h>
#include <sys/types.h>

#define CHILD_OUTPUT_MAX 4096
#define CHILD_TIMED_OUT (-1000) /* status when the timeout killed it */

typedef struct child child_t;

/* status: exit code (0..255), -signal if killed by a signal, or CHILD_TIMED_OUT.
 * output: the captured tail (NUL-terminated). Runs once; the child_t is freed
 * right after it returns. */
typedef void (*child_done_fn)(void *arg, int status, const char *output, int elapsed_ms);

/* Runs in the child process. out_fd is its stdout/stderr. Returns the exit code. */
typedef int (*child_body_fn)(void *arg);

typedef struct {
    const char *log_path; /* append output here too (NULL: capture only) */
    const char *cwd;      /* chdir in the child (NULL: keep) */
    bool new_session;     /* setsid() instead of setpgid(): survives the core */
    const char *dump_path; /* at timeout, append the hung processes' state here first */
    void (*free_arg)(void *done_arg); /* after child_abandon, done does not run: this
                                         frees done_arg when the child has ended */
} child_opts_t;

/* Forks and runs body(arg) in the child. timeout_ms 0 = none. Returns NULL with
 * errno on failure (done is not called). */
child_t *child_run_fn(struct event_base *base, child_body_fn body, void *arg, int timeout_ms,
                      const child_opts_t *opts, child_done_fn done, void *done_arg);

/* Forks and executes argv[0] with argv and envp (NULL: inherit environ). */
child_t *child_run_exec(struct event_base *base, char *const argv[], char *const envp[],
                        int timeout_ms, const child_opts_t *opts, child_done_fn done,
                        void *done_arg);

/* Kills the child's process group (SIGKILL); done still runs with -SIGKILL. */
void child_kill(child_t *c);

/* Forgets the child: done will not run (opts->free_arg does, once it has
 * ended); the process is killed. */
void child_abandon(child_t *c);

pid_t child_pid(const child_t *c);

/* Children currently running (all modules). */
int child_running(void);

#endif
