/* Placeholder for `r2r nam` until its module lands in this same change. */
#include <stdio.h>
#include "cli/cli.h"
int cmd_nam(int argc, char **argv)
{
    (void)argc; (void)argv;
    fprintf(stderr, "r2r nam: not built yet\n");
    return EXIT_INTERNAL;
}
