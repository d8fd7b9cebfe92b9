/*
 * rsc_cmd: external commands for resource types, with output capture and a
 * timeout (see rsc_cmd.h). Used only from resource child processes, which may
 * block.
 */
#include "rsc_cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clp_time.h"

static void close_from(int lowfd)
{
    if (close_range((unsigned)lowfd, ~0u, 0) == 0) {
        return;
    }
    long max = sysconf(_SC_OPEN_MAX);
    for (int fd = lowfd; fd < (max > 0 ? max : 1024); fd++) {
        close(fd);
    }
}

static void child_exec(char *const argv[], const char *const *env_extra, int in_fd, int out_fd)
{
    setpgid(0, 0);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    signal(SIGCHLD, SIG_DFL);
    dup2(in_fd, STDIN_FILENO);
    dup2(out_fd, STDOUT_FILENO);
    dup2(out_fd, STDERR_FILENO);
    close_from(3);
    setenv("LC_ALL", "C", 1);
    for (const char *const *e = env_extra; e && *e; e++) {
        putenv((char *)*e);
    }
    execvp(argv[0], argv);
    dprintf(STDERR_FILENO, "cannot execute %s: %s", argv[0], strerror(errno));
    _exit(127);
}

/* Appends data to the capture buffer, keeping the end when it overflows. */
static void keep(char *out, size_t n, size_t *len, const char *data, size_t k)
{
    if (!out || n < 2) {
        return;
    }
    size_t cap = n - 1;
    if (k >= cap) {
        memcpy(out, data + (k - cap), cap);
        *len = cap;
        return;
    }
    if (*len + k > cap) {
        size_t drop = *len + k - cap;
        memmove(out, out + drop, *len - drop);
        *len -= drop;
    }
    memcpy(out + *len, data, k);
    *len += k;
}

int rsc_cmd_run(char *const argv[], const char *input, const char *const *env_extra,
                long timeout_ms, char *out, size_t n)
{
    int opipe[2], ipipe[2] = {-1, -1};
    size_t len = 0;
    if (out && n) {
        out[0] = '\0';
    }
    if (pipe2(opipe, O_CLOEXEC) < 0) {
        return RSC_CMD_NOEXEC;
    }
    int in_fd;
    if (input) {
        if (pipe2(ipipe, O_CLOEXEC) < 0) {
            close(opipe[0]);
            close(opipe[1]);
            return RSC_CMD_NOEXEC;
        }
        in_fd = ipipe[0];
    } else {
        in_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    }
    pid_t pid = fork();
    if (pid == 0) {
        child_exec(argv, env_extra, in_fd, opipe[1]);
    }
    close(opipe[1]);
    if (in_fd >= 0) {
        close(in_fd);
    }
    if (pid < 0) {
        close(opipe[0]);
        if (ipipe[1] >= 0) {
            close(ipipe[1]);
        }
        return RSC_CMD_NOEXEC;
    }
    setpgid(pid, pid);
    if (input) {
        /* Small inputs (nsupdate scripts): one write fits the pipe buffer. */
        size_t left = strlen(input);
        const char *p = input;
        signal(SIGPIPE, SIG_IGN);
        while (left > 0) {
            ssize_t w = write(ipipe[1], p, left);
            if (w <= 0) {
                break;
            }
            p += w;
            left -= (size_t)w;
        }
        close(ipipe[1]);
    }
    uint64_t deadline = clp_mono_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0);
    bool timed_out = false;
    bool eof = false;
    int st = 0;
    for (;;) {
        if (!eof) {
            uint64_t now = clp_mono_ms();
            int wait = now >= deadline ? 0 : (int)(deadline - now);
            struct pollfd pfd = {.fd = opipe[0], .events = POLLIN};
            int r = poll(&pfd, 1, wait > 200 ? 200 : wait);
            if (r > 0) {
                char buf[4096];
                ssize_t k = read(opipe[0], buf, sizeof(buf));
                if (k > 0) {
                    keep(out, n, &len, buf, (size_t)k);
                } else if (k == 0 || (errno != EINTR && errno != EAGAIN)) {
                    eof = true;
                }
            }
        } else {
            usleep(10000);
        }
        pid_t w = waitpid(pid, &st, WNOHANG);
        if (w == pid && eof) {
            break;
        }
        if (w == pid) {
            /* Exited; what it left running may hold the pipe: read what is
             * there and stop. */
            char buf[4096];
            fcntl(opipe[0], F_SETFL, O_NONBLOCK);
            ssize_t k;
            while ((k = read(opipe[0], buf, sizeof(buf))) > 0) {
                keep(out, n, &len, buf, (size_t)k);
            }
            break;
        }
        if (clp_mono_ms() >= deadline) {
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            timed_out = true;
            break;
        }
    }
    close(opipe[0]);
    if (out && n) {
        while (len > 0 && (out[len - 1] == '\n' || out[len - 1] == '\r' || out[len - 1] == ' ')) {
            len--;
        }
        out[len] = '\0';
    }
    if (timed_out) {
        return RSC_CMD_TIMEOUT;
    }
    if (WIFEXITED(st)) {
        return WEXITSTATUS(st);
    }
    return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 255;
}

const char *rsc_cmd_strerror(int rc, long timeout_ms, char *buf, size_t n)
{
    if (rc == RSC_CMD_TIMEOUT) {
        snprintf(buf, n, "timed out after %ld s", (timeout_ms + 999) / 1000);
    } else if (rc == RSC_CMD_NOEXEC) {
        snprintf(buf, n, "could not be started");
    } else if (rc > 128) {
        snprintf(buf, n, "was killed by signal %d", rc - 128);
    } else {
        snprintf(buf, n, "exited with %d", rc);
    }
    return buf;
}

int rsc_cmd_split(char *s, char **words, int max)
{
    int k = 0;
    char *save = NULL;
    for (char *w = strtok_r(s, " \t\n", &save); w && k < max; w = strtok_r(NULL, " \t\n", &save)) {
        words[k++] = w;
    }
    return k;
}

char *rsc_cmd_flatten(char *s)
{
    char *w = s;
    for (const char *r = s; *r;) {
        if (*r == '\n' || *r == '\r') {
            while (*r == '\n' || *r == '\r' || *r == ' ' || *r == '\t') {
                r++;
            }
            if (w > s && *r) {
                if (w[-1] != '.' && w[-1] != ':' && w[-1] != ';') {
                    *w++ = ';';
                }
                *w++ = ' ';
            }
        } else if (*r == '\t') {
            *w++ = ' ';
            r++;
        } else {
            *w++ = *r++;
        }
    }
    *w = '\0';
    return s;
}
