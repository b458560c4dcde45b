/* SQLite state of `r2r serve` (see store.h). */
#include "server/store.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "r2r/catalog.h"

struct store {
    sqlite3 *db;
    pthread_mutex_t lock;
};

static const char *const schema =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA foreign_keys=ON;"
    "CREATE TABLE IF NOT EXISTS projects (id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at TEXT NOT NULL,"
    " source_file TEXT, source_name TEXT, duration_s REAL, sample_rate INTEGER, channels INTEGER);"
    "CREATE TABLE IF NOT EXISTS tasks (id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE, kind TEXT NOT NULL,"
    " status INTEGER NOT NULL, progress REAL NOT NULL DEFAULT 0, message TEXT, error TEXT,"
    " created_at TEXT NOT NULL, finished_at TEXT);"
    "CREATE INDEX IF NOT EXISTS tasks_project ON tasks(project_id);"
    "CREATE TABLE IF NOT EXISTS results (project_id TEXT PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE,"
    " recipe TEXT NOT NULL, updated_at TEXT NOT NULL);";

const char *store_status_name(task_status s)
{
    static const char *const n[] = {"pending", "running", "completed", "failed"};
    return s <= TASK_FAILED ? n[s] : "unknown";
}

static r2r_status db_fail(store *st, const char *what)
{
    return r2r_fail(R2R_ERR_IO, "store: %s: %s", what, sqlite3_errmsg(st->db));
}

r2r_status store_open(const char *path, store **out, int *recovered)
{
    *out = NULL;
    store *st = calloc(1, sizeof *st);
    if (!st) return r2r_fail(R2R_ERR_NOMEM, "out of memory");
    pthread_mutex_init(&st->lock, NULL);
    r2r_status s = r2r_sqlite_open(path, "", 5000, schema, &st->db);
    if (s != R2R_OK) {
        store_close(st);
        return s;
    }
    char *err = NULL;
    /* What a previous run left unfinished can be started again, never silently lost. */
    if (sqlite3_exec(st->db,
                     "UPDATE tasks SET status=3, error='interrupted: the server stopped while this task ran; "
                     "start it again', finished_at=strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE status IN (0,1);",
                     NULL, NULL, &err) != SQLITE_OK) {
        s = r2r_fail(R2R_ERR_IO, "%s: %s", path, err ? err : "recovery");
        sqlite3_free(err);
        store_close(st);
        return s;
    }
    if (recovered) *recovered = sqlite3_changes(st->db);
    *out = st;
    return R2R_OK;
}

void store_close(store *st)
{
    if (!st) return;
    if (st->db) sqlite3_close(st->db);
    pthread_mutex_destroy(&st->lock);
    free(st);
}

static cJSON *project_row(sqlite3_stmt *q)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", (const char *)sqlite3_column_text(q, 0));
    cJSON_AddStringToObject(o, "name", (const char *)sqlite3_column_text(q, 1));
    cJSON_AddStringToObject(o, "created_at", (const char *)sqlite3_column_text(q, 2));
    if (sqlite3_column_type(q, 3) != SQLITE_NULL) {
        cJSON *src = cJSON_AddObjectToObject(o, "source");
        cJSON_AddStringToObject(src, "name", (const char *)sqlite3_column_text(q, 4));
        cJSON_AddNumberToObject(src, "duration_s", sqlite3_column_double(q, 5));
        cJSON_AddNumberToObject(src, "sample_rate", sqlite3_column_int(q, 6));
        cJSON_AddNumberToObject(src, "channels", sqlite3_column_int(q, 7));
    } else
        cJSON_AddNullToObject(o, "source");
    return o;
}

static cJSON *task_row(sqlite3_stmt *q)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "task_id", (double)sqlite3_column_int64(q, 0));
    cJSON_AddStringToObject(o, "kind", (const char *)sqlite3_column_text(q, 1));
    cJSON_AddStringToObject(o, "status", store_status_name((task_status)sqlite3_column_int(q, 2)));
    cJSON_AddNumberToObject(o, "progress", sqlite3_column_double(q, 3));
    const unsigned char *m = sqlite3_column_text(q, 4), *e = sqlite3_column_text(q, 5), *f = sqlite3_column_text(q, 7);
    cJSON_AddStringToObject(o, "message", m ? (const char *)m : "");
    if (e) cJSON_AddStringToObject(o, "error", (const char *)e);
    else cJSON_AddNullToObject(o, "error");
    cJSON_AddStringToObject(o, "created_at", (const char *)sqlite3_column_text(q, 6));
    if (f) cJSON_AddStringToObject(o, "finished_at", (const char *)f);
    return o;
}

#define PROJECT_COLS "id, name, created_at, source_file, source_name, duration_s, sample_rate, channels"
#define TASK_COLS "id, kind, status, progress, message, error, created_at, finished_at"

r2r_status store_project_create(store *st, const char *id, const char *name, cJSON **out)
{
    pthread_mutex_lock(&st->lock);
    sqlite3_stmt *q = NULL;
    r2r_status s = R2R_OK;
    if (sqlite3_prepare_v2(st->db,
                           "INSERT INTO projects (id, name, created_at) VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%SZ','now'))"
                           " RETURNING " PROJECT_COLS,
                           -1, &q, NULL) != SQLITE_OK)
        s = db_fail(st, "create project");
    else {
        sqlite3_bind_text(q, 1, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 2, name, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(q) == SQLITE_ROW) *out = project_row(q);
        else s = db_fail(st, "create project");
    }
    sqlite3_finalize(q);
    pthread_mutex_unlock(&st->lock);
    return s;
}

cJSON *store_project_get(store *st, const char *id)
{
    pthread_mutex_lock(&st->lock);
    cJSON *o = NULL;
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(st->db, "SELECT " PROJECT_COLS " FROM projects WHERE id=?", -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_text(q, 1, id, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(q) == SQLITE_ROW) o = project_row(q);
    }
    sqlite3_finalize(q);
    q = NULL;
    if (o && sqlite3_prepare_v2(st->db, "SELECT " TASK_COLS " FROM tasks WHERE project_id=? ORDER BY id DESC LIMIT 20",
                                -1, &q, NULL) == SQLITE_OK) {
        cJSON *t = cJSON_AddArrayToObject(o, "tasks");
        sqlite3_bind_text(q, 1, id, -1, SQLITE_TRANSIENT);
        while (sqlite3_step(q) == SQLITE_ROW) cJSON_AddItemToArray(t, task_row(q));
    }
    sqlite3_finalize(q);
    q = NULL;
    if (o && sqlite3_prepare_v2(st->db, "SELECT 1 FROM results WHERE project_id=?", -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_text(q, 1, id, -1, SQLITE_TRANSIENT);
        cJSON_AddBoolToObject(o, "has_results", sqlite3_step(q) == SQLITE_ROW);
    }
    sqlite3_finalize(q);
    pthread_mutex_unlock(&st->lock);
    return o;
}

cJSON *store_project_list(store *st)
{
    pthread_mutex_lock(&st->lock);
    cJSON *a = cJSON_CreateArray();
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(st->db, "SELECT " PROJECT_COLS " FROM projects ORDER BY created_at DESC, rowid DESC", -1, &q,
                           NULL) == SQLITE_OK)
        while (sqlite3_step(q) == SQLITE_ROW) cJSON_AddItemToArray(a, project_row(q));
    sqlite3_finalize(q);
    pthread_mutex_unlock(&st->lock);
    return a;
}

/* One statement with text/number bindings ("t" text, "d" double, "i" int, "l" int64). */
static r2r_status exec_bound(store *st, const char *sql, const char *types, ...)
{
    va_list ap;
    va_start(ap, types);
    pthread_mutex_lock(&st->lock);
    sqlite3_stmt *q = NULL;
    r2r_status s = R2R_OK;
    if (sqlite3_prepare_v2(st->db, sql, -1, &q, NULL) != SQLITE_OK) s = db_fail(st, "prepare");
    for (int i = 0; s == R2R_OK && types[i]; i++) {
        switch (types[i]) {
        case 't': {
            const char *v = va_arg(ap, const char *);
            if (v) sqlite3_bind_text(q, i + 1, v, -1, SQLITE_TRANSIENT);
            else sqlite3_bind_null(q, i + 1);
            break;
        }
        case 'd': sqlite3_bind_double(q, i + 1, va_arg(ap, double)); break;
        case 'i': sqlite3_bind_int(q, i + 1, va_arg(ap, int)); break;
        default: sqlite3_bind_int64(q, i + 1, va_arg(ap, int64_t)); break;
        }
    }
    if (s == R2R_OK && sqlite3_step(q) != SQLITE_DONE) s = db_fail(st, "write");
    sqlite3_finalize(q);
    pthread_mutex_unlock(&st->lock);
    va_end(ap);
    return s;
}

r2r_status store_project_set_source(store *st, const char *id, const char *file, const char *original_name,
                                    double duration_s, int sample_rate, int channels)
{
    return exec_bound(st,
                      "UPDATE projects SET source_file=?, source_name=?, duration_s=?, sample_rate=?, channels=? WHERE id=?",
                      "ttdiit", file, original_name, duration_s, sample_rate, channels, id);
}

r2r_status store_project_delete(store *st, const char *id, int *found)
{
    r2r_status s = exec_bound(st, "DELETE FROM projects WHERE id=?", "t", id);
    pthread_mutex_lock(&st->lock);
    *found = s == R2R_OK && sqlite3_changes(st->db) > 0;
    pthread_mutex_unlock(&st->lock);
    return s;
}

r2r_status store_task_create(store *st, const char *project, const char *kind, int64_t *task_id)
{
    *task_id = -1;
    pthread_mutex_lock(&st->lock);
    sqlite3_stmt *q = NULL;
    r2r_status s = R2R_OK;
    int busy = 0;
    /* check and insert under the one lock: two requests cannot both start a task */
    if (sqlite3_prepare_v2(st->db, "SELECT 1 FROM tasks WHERE project_id=? AND kind=? AND status IN (0,1)", -1, &q,
                           NULL) != SQLITE_OK)
        s = db_fail(st, "task check");
    else {
        sqlite3_bind_text(q, 1, project, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 2, kind, -1, SQLITE_TRANSIENT);
        busy = sqlite3_step(q) == SQLITE_ROW;
    }
    sqlite3_finalize(q);
    q = NULL;
    if (s == R2R_OK && !busy) {
        if (sqlite3_prepare_v2(st->db,
                               "INSERT INTO tasks (project_id, kind, status, progress, message, created_at) VALUES "
                               "(?, ?, 0, 0, 'queued', strftime('%Y-%m-%dT%H:%M:%SZ','now'))",
                               -1, &q, NULL) != SQLITE_OK)
            s = db_fail(st, "task create");
        else {
            sqlite3_bind_text(q, 1, project, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(q, 2, kind, -1, SQLITE_TRANSIENT);
            if (sqlite3_step(q) == SQLITE_DONE) *task_id = sqlite3_last_insert_rowid(st->db);
            else s = db_fail(st, "task create");
        }
        sqlite3_finalize(q);
    }
    pthread_mutex_unlock(&st->lock);
    return s;
}

int store_project_busy(store *st, const char *project)
{
    pthread_mutex_lock(&st->lock);
    sqlite3_stmt *q = NULL;
    int busy = 0;
    if (sqlite3_prepare_v2(st->db, "SELECT 1 FROM tasks WHERE project_id=? AND status IN (0,1)", -1, &q, NULL) ==
        SQLITE_OK) {
        sqlite3_bind_text(q, 1, project, -1, SQLITE_TRANSIENT);
        busy = sqlite3_step(q) == SQLITE_ROW;
    }
    sqlite3_finalize(q);
    pthread_mutex_unlock(&st->lock);
    return busy;
}

r2r_status store_task_update(store *st, int64_t id, task_status status, double progress, const char *message,
                             const char *error)
{
    return exec_bound(st,
                      "UPDATE tasks SET status=?, progress=?, message=?, error=?, finished_at=CASE WHEN ? >= 2 THEN "
                      "strftime('%Y-%m-%dT%H:%M:%SZ','now') ELSE NULL END WHERE id=?",
                      "idttil", (int)status, progress, message, error, (int)status, id);
}

cJSON *store_task_get(store *st, const char *project, int64_t id)
{
    pthread_mutex_lock(&st->lock);
    cJSON *o = NULL;
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(st->db, "SELECT " TASK_COLS " FROM tasks WHERE project_id=? AND id=?", -1, &q, NULL) ==
        SQLITE_OK) {
        sqlite3_bind_text(q, 1, project, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(q, 2, id);
        if (sqlite3_step(q) == SQLITE_ROW) o = task_row(q);
    }
    sqlite3_finalize(q);
    pthread_mutex_unlock(&st->lock);
    return o;
}

r2r_status store_result_put(store *st, const char *project, const char *recipe_json)
{
    return exec_bound(st,
                      "INSERT OR REPLACE INTO results (project_id, recipe, updated_at) VALUES (?, ?, "
                      "strftime('%Y-%m-%dT%H:%M:%SZ','now'))",
                      "tt", project, recipe_json);
}

r2r_status store_result_clear(store *st, const char *project)
{
    return exec_bound(st, "DELETE FROM results WHERE project_id=?", "t", project);
}

char *store_result_get(store *st, const char *project)
{
    pthread_mutex_lock(&st->lock);
    char *r = NULL;
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(st->db, "SELECT recipe FROM results WHERE project_id=?", -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_text(q, 1, project, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0)) r = strdup((const char *)sqlite3_column_text(q, 0));
    }
    sqlite3_finalize(q);
    pthread_mutex_unlock(&st->lock);
    return r;
}
