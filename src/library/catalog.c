/* SQLite-backed catalog of captures and IRs (LIB/.r2r/catalog.sqlite).
 * WAL mode, a busy timeout, and every write inside the caller's transaction. */
#include "r2r/catalog.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct r2r_catalog {
    sqlite3 *db;
    char *path;
};

static const char *const schema =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=NORMAL;"
    "CREATE TABLE IF NOT EXISTS settings(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS entries("
    "  id INTEGER PRIMARY KEY,"
    "  kind INTEGER NOT NULL,"
    "  hash TEXT NOT NULL,"
    "  path TEXT NOT NULL,"
    "  name TEXT,"
    "  architecture TEXT,"
    "  sample_rate INTEGER,"
    "  metadata TEXT,"
    "  status INTEGER NOT NULL,"
    "  error TEXT,"
    "  indexed_at TEXT,"
    "  data BLOB,"
    "  UNIQUE(kind, path));"
    "CREATE INDEX IF NOT EXISTS entries_hash ON entries(kind, hash);";

static r2r_status db_fail(r2r_catalog *cat, const char *what)
{
    return r2r_fail(R2R_ERR_IO, "catalog %s: %s: %s", cat->path, what, sqlite3_errmsg(cat->db));
}

r2r_status r2r_sqlite_open(const char *path, const char *label, int busy_ms, const char *sql, sqlite3 **db)
{
    *db = NULL;
    sqlite3 *h = NULL;
    if (sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL) !=
        SQLITE_OK) {
        r2r_status s = r2r_fail(R2R_ERR_IO, "%s%s: cannot open: %s", label, path, h ? sqlite3_errmsg(h) : "no memory");
        sqlite3_close(h);
        return s;
    }
    sqlite3_busy_timeout(h, busy_ms);
    char *err = NULL;
    if (sql && sqlite3_exec(h, sql, NULL, NULL, &err) != SQLITE_OK) {
        r2r_status s = r2r_fail(R2R_ERR_IO, "%s%s: %s", label, path, err ? err : sqlite3_errmsg(h));
        sqlite3_free(err);
        sqlite3_close(h);
        return s;
    }
    *db = h;
    return R2R_OK;
}

r2r_status r2r_catalog_open(const char *db_path, r2r_catalog **out)
{
    *out = NULL;
    r2r_catalog *cat = calloc(1, sizeof *cat);
    if (!cat || !(cat->path = strdup(db_path))) {
        free(cat);
        return r2r_fail(R2R_ERR_NOMEM, "out of memory");
    }
    const r2r_status s = r2r_sqlite_open(db_path, "catalog ", 10000, schema, &cat->db);
    if (s != R2R_OK) {
        r2r_catalog_close(cat);
        return s;
    }
    *out = cat;
    return R2R_OK;
}

void r2r_catalog_close(r2r_catalog *cat)
{
    if (!cat) return;
    if (cat->db) sqlite3_close(cat->db);
    free(cat->path);
    free(cat);
}

static r2r_status exec(r2r_catalog *cat, const char *sql)
{
    if (sqlite3_exec(cat->db, sql, NULL, NULL, NULL) != SQLITE_OK) return db_fail(cat, sql);
    return R2R_OK;
}

r2r_status r2r_catalog_begin(r2r_catalog *cat) { return exec(cat, "BEGIN IMMEDIATE"); }
r2r_status r2r_catalog_commit(r2r_catalog *cat) { return exec(cat, "COMMIT"); }
void r2r_catalog_rollback(r2r_catalog *cat) { sqlite3_exec(cat->db, "ROLLBACK", NULL, NULL, NULL); }

r2r_status r2r_catalog_get_setting(r2r_catalog *cat, const char *key, char **value)
{
    *value = NULL;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(cat->db, "SELECT value FROM settings WHERE key=?", -1, &st, NULL))
        return db_fail(cat, "prepare");
    sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(st, 0);
        *value = strdup(v ? v : "");
    }
    sqlite3_finalize(st);
    return R2R_OK;
}

r2r_status r2r_catalog_set_setting(r2r_catalog *cat, const char *key, const char *value)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(cat->db, "INSERT OR REPLACE INTO settings(key, value) VALUES(?, ?)",
                           -1, &st, NULL))
        return db_fail(cat, "prepare");
    sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? R2R_OK : db_fail(cat, "set setting");
}

static char *col_strdup(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? strdup((const char *)t) : NULL;
}

#define ENTRY_COLUMNS "id, kind, hash, path, name, architecture, sample_rate, metadata, status, error, indexed_at"

static void read_row(sqlite3_stmt *st, int with_data, r2r_entry *e)
{
    memset(e, 0, sizeof *e);
    e->id = sqlite3_column_int64(st, 0);
    e->kind = (r2r_entry_kind)sqlite3_column_int(st, 1);
    const unsigned char *h = sqlite3_column_text(st, 2);
    snprintf(e->hash, sizeof e->hash, "%s", h ? (const char *)h : "");
    e->path = col_strdup(st, 3);
    e->name = col_strdup(st, 4);
    e->architecture = col_strdup(st, 5);
    e->sample_rate = sqlite3_column_int(st, 6);
    e->metadata_json = col_strdup(st, 7);
    e->status = (r2r_entry_status)sqlite3_column_int(st, 8);
    e->error = col_strdup(st, 9);
    e->indexed_at = col_strdup(st, 10);
    if (with_data) {
        int n = sqlite3_column_bytes(st, 11);
        const void *b = sqlite3_column_blob(st, 11);
        if (b && n > 0) {
            e->data = malloc((size_t)n);
            if (e->data) {
                memcpy(e->data, b, (size_t)n);
                e->data_size = (size_t)n;
            }
        }
    }
}

r2r_status r2r_catalog_find_hash(r2r_catalog *cat, r2r_entry_kind kind, const char *hash,
                                 int with_data, r2r_entry *e, int *found)
{
    *found = 0;
    sqlite3_stmt *st;
    /* Prefer an indexed row: a duplicate file may also have a pending one. */
    if (sqlite3_prepare_v2(cat->db,
                           "SELECT " ENTRY_COLUMNS ", data FROM entries WHERE kind=? AND hash=? "
                           "ORDER BY status=1 DESC, id LIMIT 1",
                           -1, &st, NULL))
        return db_fail(cat, "prepare");
    sqlite3_bind_int(st, 1, (int)kind);
    sqlite3_bind_text(st, 2, hash, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW) {
        read_row(st, with_data, e);
        *found = 1;
    }
    sqlite3_finalize(st);
    return R2R_OK;
}

r2r_status r2r_catalog_put(r2r_catalog *cat, const r2r_entry *e)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(cat->db,
                           "INSERT INTO entries(kind, hash, path, name, architecture, sample_rate,"
                           " metadata, status, error, indexed_at, data)"
                           " VALUES(?,?,?,?,?,?,?,?,?,?,?)"
                           " ON CONFLICT(kind, path) DO UPDATE SET hash=excluded.hash,"
                           " name=excluded.name, architecture=excluded.architecture,"
                           " sample_rate=excluded.sample_rate, metadata=excluded.metadata,"
                           " status=excluded.status, error=excluded.error,"
                           " indexed_at=excluded.indexed_at, data=excluded.data",
                           -1, &st, NULL))
        return db_fail(cat, "prepare");
    char now[32] = "";
    const char *when = e->indexed_at;
    if (!when && e->status != R2R_STATUS_PENDING) {
        time_t t = time(NULL);
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
        when = now;
    }
    sqlite3_bind_int(st, 1, (int)e->kind);
    sqlite3_bind_text(st, 2, e->hash, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, e->path, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, e->name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, e->architecture, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 6, e->sample_rate);
    sqlite3_bind_text(st, 7, e->metadata_json, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 8, (int)e->status);
    sqlite3_bind_text(st, 9, e->error, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 10, when && *when ? when : NULL, -1, SQLITE_TRANSIENT);
    if (e->data && e->data_size)
        sqlite3_bind_blob(st, 11, e->data, (int)e->data_size, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, 11);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? R2R_OK : db_fail(cat, "write entry");
}

r2r_status r2r_catalog_prune(r2r_catalog *cat, r2r_entry_kind kind, char *const *keep, size_t n,
                             size_t *removed)
{
    *removed = 0;
    r2r_status s = exec(cat, "CREATE TEMP TABLE IF NOT EXISTS keep(path TEXT PRIMARY KEY);"
                             "DELETE FROM keep;");
    if (s != R2R_OK) return s;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(cat->db, "INSERT OR IGNORE INTO keep(path) VALUES(?)", -1, &st, NULL))
        return db_fail(cat, "prepare");
    for (size_t i = 0; i < n; i++) {
        sqlite3_bind_text(st, 1, keep[i], -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) != SQLITE_DONE) {
            sqlite3_finalize(st);
            return db_fail(cat, "prune");
        }
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    if (sqlite3_prepare_v2(cat->db,
                           "DELETE FROM entries WHERE kind=? AND path NOT IN (SELECT path FROM keep)",
                           -1, &st, NULL))
        return db_fail(cat, "prepare");
    sqlite3_bind_int(st, 1, (int)kind);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return db_fail(cat, "prune");
    *removed = (size_t)sqlite3_changes(cat->db);
    return R2R_OK;
}

r2r_status r2r_catalog_invalidate(r2r_catalog *cat)
{
    return exec(cat, "UPDATE entries SET status=0, data=NULL, indexed_at=NULL WHERE status=1");
}

r2r_status r2r_catalog_list(r2r_catalog *cat, r2r_entry_kind kind, int with_data,
                            r2r_entry **out, size_t *count)
{
    *out = NULL;
    *count = 0;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(cat->db,
                           "SELECT " ENTRY_COLUMNS ", data FROM entries WHERE kind=? ORDER BY path",
                           -1, &st, NULL))
        return db_fail(cat, "prepare");
    sqlite3_bind_int(st, 1, (int)kind);
    size_t cap = 0, n = 0;
    r2r_entry *list = NULL;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            r2r_entry *grown = realloc(list, cap * sizeof *list);
            if (!grown) {
                sqlite3_finalize(st);
                r2r_entry_list_free(list, n);
                return r2r_fail(R2R_ERR_NOMEM, "out of memory");
            }
            list = grown;
        }
        read_row(st, with_data, &list[n++]);
    }
    sqlite3_finalize(st);
    *out = list;
    *count = n;
    return R2R_OK;
}

void r2r_entry_clear(r2r_entry *e)
{
    if (!e) return;
    free(e->path);
    free(e->name);
    free(e->architecture);
    free(e->metadata_json);
    free(e->error);
    free(e->indexed_at);
    free(e->data);
    memset(e, 0, sizeof *e);
}

void r2r_entry_list_free(r2r_entry *list, size_t count)
{
    for (size_t i = 0; i < count; i++) r2r_entry_clear(&list[i]);
    free(list);
}
