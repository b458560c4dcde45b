/* Helpers shared by the cmocka tests: locating ../shared (skip when absent, fail
 * under CI=true), comparing buffers, and running the r2r CLI. */
#ifndef R2R_TESTUTIL_H
#define R2R_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* Path of `rel` inside R2R_SHARED_DIR in a static buffer. When the shared folder
 * is missing: skip() the test, or fail it when CI=true. */
const char *shared_path(const char *rel);

/* True when the shared folder exists (no skip/fail side effect). */
int shared_available(void);

/* Returns a fresh temporary directory under build/test-tmp (created). */
const char *test_tmpdir(const char *name);

/* Runs the CLI (R2R_CLI env or build/r2r) with a shell-free argv; captures stdout
 * into `out` (may be NULL) and returns the exit code (-1 if it could not run). */
int run_cli(char *out, size_t outsz, const char *const *args);
/* What the last run_cli wrote to stderr (malloc'd, NUL-terminated; NULL if none kept). */
char *last_cli_stderr(void);
/* Symlinks the shared data file `rel` as lib/sub/as (replacing what is there). */
void link_shared(const char *lib, const char *rel, const char *sub, const char *as);

/* Reads a whole file into memory (malloc, NUL-terminated); NULL on failure. */
char *read_file(const char *path, size_t *len);

/* True when LV2 plugin `uri` instantiates; otherwise prints why (the caller skips), or
 * fails the test under CI=true, where the project's install script provides it. */
int have_lv2_plugin(const char *uri);

/* Max absolute difference between two float buffers. */
double max_abs_diff(const float *a, const float *b, size_t n);

#endif
