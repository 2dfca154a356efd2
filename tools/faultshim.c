/* An LD_PRELOAD shim for hoso's fault-injection tests (built by the tests and `make crash-stress` with cc).
 *
 * Counts calls to write, pwrite, pwrite64, fsync, fdatasync, syncfs, rename and renameat, and makes the k-th
 * fail with EIO or ENOSPC, as a failing disk or a full one would:
 *   HOSO_FAULT_AT=k          the call to fail (1-based; 0 or unset: none, only count)
 *   HOSO_FAULT_ERRNO=ENOSPC  or EIO (the default)
 *   HOSO_FAULT_COUNT=path    at exit, the number of calls counted is written there (how many k there are)
 *   HOSO_FAULT_KILL=1        instead of failing, the process is killed (SIGKILL) just before the k-th call: a crash
 * Writes to standard output and standard error are not counted: they are the report, not the archive. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static long fault_at = 0;
static int fault_errno = EIO;
static int fault_kill = 0;
static atomic_long calls = 0;
static atomic_int done = 0;

__attribute__((constructor)) static void fault_init(void) {
    const char *at = getenv("HOSO_FAULT_AT");
    const char *e = getenv("HOSO_FAULT_ERRNO");
    if (at) fault_at = atol(at);
    if (e && strcmp(e, "ENOSPC") == 0) fault_errno = ENOSPC;
    const char *k = getenv("HOSO_FAULT_KILL");
    fault_kill = k && strcmp(k, "1") == 0;
}

__attribute__((destructor)) static void fault_report(void) {
    atomic_store(&done, 1);
    const char *path = getenv("HOSO_FAULT_COUNT");
    if (!path) return;
    FILE *f = fopen(path, "w");
    if (!f) return;
    fprintf(f, "%ld\n", atomic_load(&calls));
    fclose(f);
}

/* True when this call is the one to fail. */
static int fault_here(void) {
    if (atomic_load(&done)) return 0;
    long n = atomic_fetch_add(&calls, 1) + 1;
    if (fault_at > 0 && n == fault_at && fault_kill) raise(SIGKILL);
    return fault_at > 0 && n == fault_at;
}

#define REAL(fn)                       \
    static __typeof__(&fn) real = NULL; \
    if (!real) real = (__typeof__(&fn))dlsym(RTLD_NEXT, #fn)

ssize_t write(int fd, const void *buf, size_t n) {
    REAL(write);
    if (fd > 2 && fault_here()) { errno = fault_errno; return -1; }
    return real(fd, buf, n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off) {
    REAL(pwrite);
    if (fault_here()) { errno = fault_errno; return -1; }
    return real(fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off64_t off) {
    REAL(pwrite64);
    if (fault_here()) { errno = fault_errno; return -1; }
    return real(fd, buf, n, off);
}

int fsync(int fd) {
    REAL(fsync);
    if (fault_here()) { errno = fault_errno == ENOSPC ? ENOSPC : EIO; return -1; }
    return real(fd);
}

int fdatasync(int fd) {
    REAL(fdatasync);
    if (fault_here()) { errno = fault_errno; return -1; }
    return real(fd);
}

int syncfs(int fd) {
    REAL(syncfs);
    if (fault_here()) { errno = fault_errno; return -1; }
    return real(fd);
}

int rename(const char *a, const char *b) {
    REAL(rename);
    if (fault_here()) { errno = fault_errno; return -1; }
    return real(a, b);
}

int renameat(int da, const char *a, int db, const char *b) {
    REAL(renameat);
    if (fault_here()) { errno = fault_errno; return -1; }
    return real(da, a, db, b);
}
