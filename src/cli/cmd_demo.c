/* `r2r demo`: the embedded default. Until the LV2 library and matcher land
 * (issues 6 and 9) it says so plainly instead of pretending. */
#include <stdio.h>

#include "cli/cli.h"

int cmd_demo(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "r2r demo: the end-to-end demo needs the matcher, which is not built yet\n");
    return EXIT_INTERNAL;
}
