/* The library catalog: one SQLite row per capture and per IR, keyed by content hash,
 * with status, metadata and the per-entry index data. All writes are transactional. */
#ifndef R2R_CATALOG_H
#define R2R_CATALOG_H

#include <stddef.h>
#include <stdint.h>

#include "r2r/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { R2R_ENTRY_CAPTURE = 0, R2R_ENTRY_IR = 1 } r2r_entry_kind;
typedef enum { R2R_STATUS_PENDING = 0, R2R_STATUS_INDEXED = 1, R2R_STATUS_FAILED = 2 } r2r_entry_status;

typedef struct {
    int64_t id;
    r2r_entry_kind kind;
    char hash[65];         /* SHA-256, lowercase hex */
    char *path;            /* relative to the library root */
    char *name;
    char *architecture;    /* captures: WaveNet, LSTM, ...; IRs: "IR" */
    int sample_rate;
    char *metadata_json;   /* merged .nam metadata and metadata.json entry, or NULL */
    r2r_entry_status status;
    char *error;           /* failure reason, or NULL */
    char *indexed_at;      /* ISO-8601 UTC, or NULL */
    void *data;            /* index payload (float32 blob), or NULL */
    size_t data_size;
} r2r_entry;

typedef struct r2r_catalog r2r_catalog;

/* Opens (creating when needed) the SQLite database at path for use from several
 * threads, waits up to busy_ms for another writer, and runs sql (the schema; NULL:
 * none). On failure *db is NULL and the error reads "<label><path>: <why>". Shared by
 * the catalog and the service's task store. */
struct sqlite3;
r2r_status r2r_sqlite_open(const char *path, const char *label, int busy_ms, const char *sql, struct sqlite3 **db);

/* Opens (creating when needed) the catalog at `db_path`, WAL mode. */
r2r_status r2r_catalog_open(const char *db_path, r2r_catalog **out);
void r2r_catalog_close(r2r_catalog *cat);

/* Transactions around a batch of writes (BEGIN IMMEDIATE / COMMIT / ROLLBACK). */
r2r_status r2r_catalog_begin(r2r_catalog *cat);
r2r_status r2r_catalog_commit(r2r_catalog *cat);
void r2r_catalog_rollback(r2r_catalog *cat);

/* Key/value settings (e.g. the probe-set fingerprint the payloads were made with). */
r2r_status r2r_catalog_get_setting(r2r_catalog *cat, const char *key, char **value);
r2r_status r2r_catalog_set_setting(r2r_catalog *cat, const char *key, const char *value);

/* Looks an entry up by kind and hash; *found = 0 when absent. Fills `e` (free with
 * r2r_entry_clear) only when found. `with_data` loads the payload too. */
r2r_status r2r_catalog_find_hash(r2r_catalog *cat, r2r_entry_kind kind, const char *hash,
                                 int with_data, r2r_entry *e, int *found);

/* Inserts or replaces the row for (kind, path). */
r2r_status r2r_catalog_put(r2r_catalog *cat, const r2r_entry *e);

/* Removes rows of `kind` whose path is not in `keep` (count n). Returns how many. */
r2r_status r2r_catalog_prune(r2r_catalog *cat, r2r_entry_kind kind, char *const *keep, size_t n,
                             size_t *removed);

/* Marks every entry pending (their payloads are stale), e.g. after a probe change. */
r2r_status r2r_catalog_invalidate(r2r_catalog *cat);

/* Lists all entries of `kind` ordered by path; `with_data` loads payloads. */
r2r_status r2r_catalog_list(r2r_catalog *cat, r2r_entry_kind kind, int with_data,
                            r2r_entry **out, size_t *count);

void r2r_entry_clear(r2r_entry *e);
void r2r_entry_list_free(r2r_entry *list, size_t count);

/* SHA-256 of a file's content as lowercase hex. */
r2r_status r2r_sha256_file(const char *path, char hex[65]);

#ifdef __cplusplus
}
#endif
#endif
