/* The service's state in SQLite (WAL): projects, tasks and match results. One
 * connection behind a mutex; every call is one statement or one transaction. */
#ifndef R2R_SERVER_STORE_H
#define R2R_SERVER_STORE_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "r2r/error.h"

typedef struct store store;

typedef enum { TASK_PENDING = 0, TASK_RUNNING, TASK_COMPLETED, TASK_FAILED } task_status;

/* Opens or creates the database; tasks left pending or running by a previous run are
 * marked failed ("interrupted") and counted in *recovered. */
r2r_status store_open(const char *path, store **out, int *recovered);
void store_close(store *st);

r2r_status store_project_create(store *st, const char *id, const char *name, cJSON **out);
/* The project with its source and latest tasks; NULL when unknown. */
cJSON *store_project_get(store *st, const char *id);
cJSON *store_project_list(store *st);
r2r_status store_project_set_source(store *st, const char *id, const char *file, const char *original_name,
                                    double duration_s, int sample_rate, int channels);
/* Removes the project's rows; *found = 0 when it did not exist. */
r2r_status store_project_delete(store *st, const char *id, int *found);

/* A new pending task, unless one of the same kind is pending or running for the
 * project: then *task_id = -1 (the caller answers 409). */
r2r_status store_task_create(store *st, const char *project, const char *kind, int64_t *task_id);
/* Any task of the project pending or running. */
int store_project_busy(store *st, const char *project);
r2r_status store_task_update(store *st, int64_t id, task_status status, double progress, const char *message,
                             const char *error);
cJSON *store_task_get(store *st, const char *project, int64_t id);

r2r_status store_result_put(store *st, const char *project, const char *recipe_json);
char *store_result_get(store *st, const char *project); /* malloc'd, NULL when none */
r2r_status store_result_clear(store *st, const char *project);

const char *store_status_name(task_status s);

#endif
