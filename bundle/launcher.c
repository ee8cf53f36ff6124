/* bin/q4tune of the relocatable bundle (cmake/bundle.cmake): a static
 * program that runs lib/q4tune through the bundle's own dynamic loader and
 * libraries, so that the bundle runs where none of them is installed (a
 * phone's shell, a minimal image, an empty chroot). Finds the bundle from
 * /proc/self/exe, or from argv[0] where /proc is missing. Q4T_LOADER: the
 * loader's file name, set by the build (ld-linux-x86-64.so.2,
 * ld-linux-aarch64.so.1). Q4T_PREDICTED, unless set, names the bundle's
 * predicted table (share/q4tune/predicted.json) where it is there, so that
 * q4tune predict finds it without /proc. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n > 0) {
        self[n] = '\0';
    } else if (argv[0] && strchr(argv[0], '/') && strlen(argv[0]) < sizeof self) {
        strcpy(self, argv[0]);
    } else {
        fprintf(stderr, "q4tune: cannot find the bundle (no /proc/self/exe; run it by its path)\n");
        return 127;
    }
    for (int up = 0; up < 2; up++) { /* <bundle>/bin/q4tune -> <bundle> */
        char *slash = strrchr(self, '/');
        if (!slash) {
            strcpy(self, ".");
            break;
        }
        *slash = '\0';
        if (!self[0])
            strcpy(self, "/");
    }
    char loader[PATH_MAX + 64], libs[PATH_MAX + 8], prog[PATH_MAX + 16], table[PATH_MAX + 40];
    snprintf(table, sizeof table, "%s/share/q4tune/predicted.json", self);
    if (access(table, R_OK) == 0)
        setenv("Q4T_PREDICTED", table, 0);
    snprintf(loader, sizeof loader, "%s/lib/%s", self, Q4T_LOADER);
    snprintf(libs, sizeof libs, "%s/lib", self);
    snprintf(prog, sizeof prog, "%s/lib/q4tune", self);
    char **args = calloc((size_t)argc + 7, sizeof *args);
    if (!args)
        return 127;
    int k = 0;
    args[k++] = loader;
    args[k++] = "--library-path";
    args[k++] = libs;
    args[k++] = "--argv0";
    args[k++] = argv[0] ? argv[0] : "q4tune";
    args[k++] = prog;
    for (int i = 1; i < argc; i++)
        args[k++] = argv[i];
    execv(loader, args);
    fprintf(stderr, "q4tune: cannot run %s: %s\n", loader, strerror(errno));
    return 127;
}
