/* Building and describing a library's acoustic index: probes rendered through every
 * capture at a gain grid, IR band responses, z-score stats and FAISS files in LIB/.r2r/. */
#ifndef R2R_INDEX_H
#define R2R_INDEX_H

#include <stddef.h>

#include "r2r/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Called from the build (any thread, serialized) after each entry. */
typedef void (*r2r_index_progress_fn)(size_t done, size_t total, const char *item, void *user);

typedef struct {
    const char *probes_dir; /* NULL: LIB/probes when it has WAVs, else the built-in set */
    int jobs;               /* worker threads; <= 0: all cores */
    r2r_index_progress_fn progress;
    void *user;
} r2r_index_options;

typedef struct {
    size_t captures_total, captures_indexed, captures_failed, captures_rendered;
    size_t irs_total, irs_indexed, irs_failed, irs_rendered;
    size_t removed;     /* catalog rows dropped because their file is gone */
    double seconds;
} r2r_index_report;

/* Builds or updates the index of the library at `root`. Incremental: only new or
 * changed files (by content hash) are analysed; renames are recognised; a killed
 * build resumes where it stopped. A capture that fails is recorded and skipped. */
r2r_status r2r_index_build(const char *root, const r2r_index_options *opt,
                           r2r_index_report *report);

/* The index state as JSON (malloc'd): {"captures": {"indexed", "failed": [{"path",
 * "error"}], "pending"}, "irs": {...}, "probes": {...}, "gains_db": [...]}. */
r2r_status r2r_index_info_json(const char *root, char **json);

#ifdef __cplusplus
}
#endif
#endif
