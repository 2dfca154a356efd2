#define _GNU_SOURCE
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
