#ifndef HOSO_SYS_H
#define HOSO_SYS_H
/* Linux calls that glibc declares only under _GNU_SOURCE, which Swift's Glibc module does not set. */

/* Flushes the whole filesystem holding fd; falls back to sync() where syncfs does not exist. Returns 0 or -1 with errno. */
int hoso_syncfs(int fd);

/* Starts write-back of a file's dirty pages without waiting, so a later syncfs has less to do. */
void hoso_start_writeback(int fd);
#endif
