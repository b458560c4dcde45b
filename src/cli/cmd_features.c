/* Placeholder for `r2r features` until its module lands in this same change. */
#include <stdio.h>
#include "cli/cli.h"
int cmd_features(int argc, char **argv)
{
    (void)argc; (void)argv;
    fprintf(stderr, "r2r features: not built yet\n");
    return EXIT_INTERNAL;
}
