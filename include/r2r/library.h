/* A user's capture library on disk (LIB/nam_models, LIB/lv2_presets, LIB/cab_irs, LIB/probes,
 * LIB/metadata.json) and the acoustic index built from it under LIB/.r2r/. */
#ifndef R2R_LIBRARY_H
#define R2R_LIBRARY_H

#include <stddef.h>

#include "r2r/catalog.h"
#include "r2r/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    char *rel;      /* path relative to the library root, e.g. "nam_models/x.nam" */
    char *abs;      /* absolute (or root-joined) path to open */
    char *meta;     /* the metadata.json object for this file (JSON text), or NULL */
} r2r_lib_file;

typedef struct {
    char *root;
    r2r_lib_file *captures; /* .nam files (nam_models) and LV2 presets (lv2_presets), by path */
    size_t n_captures;
    r2r_lib_file *irs;
    size_t n_irs;
    r2r_lib_file *probes;   /* the user's own DI probes in LIB/probes (may be empty) */
    size_t n_probes;
} r2r_lib_scan;

/* Lists the library's files (symlinks followed, sorted by name). A missing
 * nam_models/ or cab_irs/ folder is an empty list; a missing root is an error.
 * A malformed metadata.json is an error naming the file. */
r2r_status r2r_library_scan(const char *root, r2r_lib_scan *out);
void r2r_library_scan_free(r2r_lib_scan *s);

/* How many files root/sub holds with extension ext, read as the scan reads its folders
 * (the extension in any case, regular files or links to them, no hidden files). */
size_t r2r_library_count_files(const char *root, const char *sub, const char *ext);

/* R2R_OK when `root` is a directory that has been indexed (LIB/.r2r/catalog.sqlite),
 * else an error that says which and what to run. Creates nothing. */
r2r_status r2r_library_check_indexed(const char *root);

/* Path of a file inside LIB/.r2r/ (created on demand): malloc'd. */
char *r2r_library_state_path(const char *root, const char *name);

#ifdef __cplusplus
}
#endif
#endif
