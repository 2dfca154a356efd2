#ifndef HOSO_SYS_H
#define HOSO_SYS_H
/* Linux calls that glibc declares only under _GNU_SOURCE, which Swift's Glibc module does not set. */

/* Flushes the whole filesystem holding fd; falls back to sync() where syncfs does not exist. Returns 0 or -1 with errno. */
int hoso_syncfs(int fd);

/* Starts write-back of a file's dirty pages without waiting, so a later syncfs has less to do. */
void hoso_start_writeback(int fd);

#include <stddef.h>

/* What became of a child started by hoso_run_limited. */
typedef struct {
    int status;        /* waitpid status */
    int timed_out;     /* killed by the wall-clock deadline */
    int overflowed;    /* wrote more than out_cap bytes; killed */
    size_t out_len;    /* bytes written to out */
} hoso_child_result;

/* Runs path (argv, envp) with stdin read from in_fd and stdout captured into out (at most out_cap bytes), stderr
   to /dev/null. In the child, before exec: empty signal mask and default signal actions, no core file, RLIMIT_CPU
   cpu_seconds and RLIMIT_AS as_bytes (each when > 0), the nice value raised by nice_inc, every other descriptor closed. The child is killed with
   SIGKILL at wall_ms (0: at once) or when its output overflows. Returns 0, or -1 with errno when it cannot start. */
int hoso_run_limited(const char *path, char *const argv[], char *const envp[], int in_fd, long cpu_seconds,
                     long as_bytes, int nice_inc, long wall_ms, unsigned char *out, size_t out_cap,
                     hoso_child_result *result);

/* hoso_run_limited in two steps, for a child started ahead of its work: starts it (stdin from in_fd, or when in_fd < 0
   from a socket pair whose other end is *to_child, for send with MSG_NOSIGNAL) and returns at once. */
int hoso_spawn_limited(const char *path, char *const argv[], char *const envp[], int in_fd, long cpu_seconds,
                       long as_bytes, int nice_inc, int *pid_out, int *to_child, int *from_child);
/* Reads the child's stdout until it ends or wall_ms passes (then kills it), closes from_child and reaps the child. */
void hoso_finish_limited(int pid, int from_child, long wall_ms, unsigned char *out, size_t out_cap,
                         hoso_child_result *result);
#endif
