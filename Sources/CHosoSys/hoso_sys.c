#define _GNU_SOURCE
#include <stdlib.h>
#include <fcntl.h>
#include <unistd.h>
#include "hoso_sys.h"

int hoso_syncfs(int fd) {
#ifdef __linux__
    return syncfs(fd);
#else
    (void)fd;
    sync();
    return 0;
#endif
}

void hoso_start_writeback(int fd) {
#ifdef __linux__
    (void)sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
#else
    (void)fd;
#endif
}

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

static long hoso_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Only async-signal-safe calls between fork and exec: the parent has many threads. */
static void hoso_child_setup(int in_fd, int out_fd, long cpu_seconds, long as_bytes, int nice_inc) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    for (int s = 1; s < NSIG; s++) (void)sigaction(s, &dfl, NULL);
    if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0) _exit(126);
    int devnull = open("/dev/null", O_WRONLY);
    if (devnull < 0 || dup2(devnull, 2) < 0) _exit(126);
#ifdef SYS_close_range
    if (syscall(SYS_close_range, 3U, ~0U, 0U) != 0)
#endif
    {
        for (int fd = 3; fd < 65536; fd++) (void)close(fd);
    }
    struct rlimit none_core = {0, 0};
    (void)setrlimit(RLIMIT_CORE, &none_core);
    if (cpu_seconds > 0) {
        struct rlimit cpu = {(rlim_t)cpu_seconds, (rlim_t)cpu_seconds + 1};
        if (setrlimit(RLIMIT_CPU, &cpu) != 0) _exit(126);
    }
    if (as_bytes > 0) {
        struct rlimit as = {(rlim_t)as_bytes, (rlim_t)as_bytes};
        if (setrlimit(RLIMIT_AS, &as) != 0) _exit(126);
    }
    if (nice_inc > 0) {
        int now = getpriority(PRIO_PROCESS, 0);
        (void)setpriority(PRIO_PROCESS, 0, now + nice_inc > 19 ? 19 : now + nice_inc);
    }
}

int hoso_spawn_limited(const char *path, char *const argv[], char *const envp[], int in_fd, long cpu_seconds,
                       long as_bytes, int nice_inc, int *pid_out, int *to_child, int *from_child) {
    int fds[2];
    int sp[2] = {-1, -1};
    if (pipe2(fds, O_CLOEXEC) != 0) return -1;
    if (in_fd < 0 && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) != 0) {
        int e = errno;
        close(fds[0]);
        close(fds[1]);
        errno = e;
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(fds[0]);
        close(fds[1]);
        if (sp[0] >= 0) {
            close(sp[0]);
            close(sp[1]);
        }
        errno = e;
        return -1;
    }
    if (pid == 0) {
        hoso_child_setup(in_fd >= 0 ? in_fd : sp[1], fds[1], cpu_seconds, as_bytes, nice_inc);
        execve(path, argv, envp);
        _exit(127);
    }
    close(fds[1]);
    if (sp[1] >= 0) close(sp[1]);
    *pid_out = pid;
    *to_child = sp[0];
    *from_child = fds[0];
    return 0;
}

void hoso_finish_limited(int pid, int from_child, long wall_ms, unsigned char *out, size_t out_cap,
                         hoso_child_result *result) {
    memset(result, 0, sizeof *result);
    long deadline = hoso_now_ms() + (wall_ms > 0 ? wall_ms : 0);
    int kill_it = wall_ms <= 0;
    if (kill_it) result->timed_out = 1;
    while (!kill_it) {
        long left = deadline - hoso_now_ms();
        if (left <= 0) {
            result->timed_out = 1;
            break;
        }
        struct pollfd p = {from_child, POLLIN, 0};
        int r = poll(&p, 1, left > 1000000 ? 1000000 : (int)left);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) break;
        if (r == 0) continue;
        if (result->out_len == out_cap) {
            result->overflowed = 1;
            break;
        }
        ssize_t n = read(from_child, out + result->out_len, out_cap - result->out_len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break; /* end of output: the child is done or dying */
        result->out_len += (size_t)n;
    }
    int killed = result->timed_out || result->overflowed;
    if (killed) kill(pid, SIGKILL);
    close(from_child);
    /* A child that closed its output but goes on running is still bound by the deadline. */
    for (;;) {
        pid_t w = waitpid(pid, &result->status, killed ? 0 : WNOHANG);
        if (w == pid) break;
        if (w < 0 && errno != EINTR) {
            result->status = -1;
            break;
        }
        if (!killed && hoso_now_ms() >= deadline) {
            kill(pid, SIGKILL);
            result->timed_out = 1;
            killed = 1;
        } else if (!killed) {
            struct timespec pause = {0, 1000000};
            nanosleep(&pause, NULL);
        }
    }
}

int hoso_run_limited(const char *path, char *const argv[], char *const envp[], int in_fd, long cpu_seconds,
                     long as_bytes, int nice_inc, long wall_ms, unsigned char *out, size_t out_cap,
                     hoso_child_result *result) {
    int pid, to_child, from_child;
    memset(result, 0, sizeof *result);
    if (hoso_spawn_limited(path, argv, envp, in_fd, cpu_seconds, as_bytes, nice_inc, &pid, &to_child, &from_child) != 0)
        return -1;
    hoso_finish_limited(pid, from_child, wall_ms, out, out_cap, result);
    return 0;
}
