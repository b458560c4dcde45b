/* The index build: scan, hash, reuse what the catalog already has, analyse the rest on
 * a worker pool (one transaction per finished entry), then write stats and FAISS files. */
#include "r2r/fileutil.h"
#include "r2r/index.h"
#include "r2r/library.h"
#include "r2r/ltas.h"
#include "r2r/vindex.h"
#include "analyze.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct {
    const r2r_lib_file *file;
    r2r_entry_kind kind;
    char hash[65];
} work_item;

typedef struct {
    work_item *items;
    size_t n, next, done, total;
    pthread_mutex_t lock;
    r2r_catalog *cat;
    const r2r_probe_set *probes;
    const r2r_index_options *opt;
    r2r_index_report *rep;
    r2r_status fatal; /* a catalog write failure stops the build */
    char fatal_msg[1024];
} build_ctx;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void *worker(void *arg)
{
    build_ctx *c = arg;
    for (;;) {
        pthread_mutex_lock(&c->lock);
        if (c->next >= c->n || c->fatal != R2R_OK) {
            pthread_mutex_unlock(&c->lock);
            return NULL;
        }
        work_item *w = &c->items[c->next++];
        pthread_mutex_unlock(&c->lock);

        r2r_entry e;
        memset(&e, 0, sizeof e);
        r2r_status s = w->kind == R2R_ENTRY_CAPTURE
                           ? r2r_analyze_capture(w->file->abs, w->file->meta, c->probes, &e)
                           : r2r_analyze_ir(w->file->abs, w->file->meta, c->probes, &e);
        if (s != R2R_OK) { /* analysis itself broke (e.g. out of memory): record it */
            r2r_entry_clear(&e);
            e.status = R2R_STATUS_FAILED;
            e.error = strdup(r2r_last_error());
        }
        e.kind = w->kind;
        memcpy(e.hash, w->hash, sizeof e.hash);
        char *path = e.path;
        e.path = w->file->rel;
        if (!e.name) {
            const char *b = strrchr(w->file->rel, '/');
            e.name = strdup(b ? b + 1 : w->file->rel);
        }

        pthread_mutex_lock(&c->lock);
        if (c->fatal == R2R_OK) {
            s = r2r_catalog_begin(c->cat);
            if (s == R2R_OK) s = r2r_catalog_put(c->cat, &e);
            if (s == R2R_OK) s = r2r_catalog_commit(c->cat);
            else r2r_catalog_rollback(c->cat);
            if (s != R2R_OK) {
                c->fatal = s;
                snprintf(c->fatal_msg, sizeof c->fatal_msg, "%s", r2r_last_error());
            }
        }
        int ok = e.status == R2R_STATUS_INDEXED;
        if (w->kind == R2R_ENTRY_CAPTURE) {
            c->rep->captures_rendered++;
            if (!ok) c->rep->captures_failed++;
        } else {
            c->rep->irs_rendered++;
            if (!ok) c->rep->irs_failed++;
        }
        c->done++;
        if (c->opt && c->opt->progress) c->opt->progress(c->done, c->total, w->file->rel, c->opt->user);
        pthread_mutex_unlock(&c->lock);
        e.path = path;
        r2r_entry_clear(&e);
    }
}

/* The stored metadata with its "library" part (the metadata.json entry) replaced by
 * `lib` (removed when NULL); malloc'd, or NULL when nothing changes. */
static char *relibrary(const char *stored, const char *lib)
{
    cJSON *o = stored ? cJSON_Parse(stored) : NULL;
    if (!o) o = cJSON_CreateObject();
    cJSON *had = cJSON_GetObjectItemCaseSensitive(o, "library");
    char *was = had ? cJSON_PrintUnformatted(had) : NULL;
    cJSON *want = lib ? cJSON_Parse(lib) : NULL;
    char *now = want ? cJSON_PrintUnformatted(want) : NULL;
    const int same = (!was && !now) || (was && now && !strcmp(was, now));
    free(was), free(now);
    char *out = NULL;
    if (!same) {
        cJSON_DeleteItemFromObjectCaseSensitive(o, "library");
        if (want) cJSON_AddItemToObject(o, "library", want), want = NULL;
        out = cJSON_PrintUnformatted(o);
    }
    cJSON_Delete(want);
    cJSON_Delete(o);
    return out;
}

/* Hashes the files of one kind; entries whose content is already analysed are
 * re-pointed at their (possibly new) path, the rest become work items. */
static r2r_status plan_kind(r2r_catalog *cat, r2r_entry_kind kind, const r2r_lib_file *files,
                            size_t n, work_item *items, size_t *n_items, r2r_index_report *rep)
{
    for (size_t i = 0; i < n; i++) {
        char hash[65];
        r2r_status s = r2r_sha256_file(files[i].abs, hash);
        if (s != R2R_OK) {
            r2r_entry e = {0};
            e.kind = kind;
            snprintf(e.hash, sizeof e.hash, "unreadable");
            e.path = files[i].rel;
            e.status = R2R_STATUS_FAILED;
            e.error = (char *)r2r_last_error();
            if ((s = r2r_catalog_put(cat, &e)) != R2R_OK) return s;
            if (kind == R2R_ENTRY_CAPTURE) rep->captures_failed++;
            else rep->irs_failed++;
            continue;
        }
        r2r_entry old;
        int found = 0;
        s = r2r_catalog_find_hash(cat, kind, hash, 1, &old, &found);
        if (s != R2R_OK) return s;
        if (found && old.status != R2R_STATUS_PENDING) {
            /* Same content seen before (maybe under another name): no re-render. A
             * metadata.json change is picked up without rendering too. */
            char *oldpath = old.path, *oldmeta = old.metadata_json;
            char *merged = relibrary(oldmeta, files[i].meta);
            old.path = files[i].rel;
            if (merged) old.metadata_json = merged;
            s = r2r_catalog_put(cat, &old);
            old.path = oldpath;
            old.metadata_json = oldmeta;
            free(merged);
            int failed = old.status == R2R_STATUS_FAILED;
            r2r_entry_clear(&old);
            if (s != R2R_OK) return s;
            if (failed) {
                if (kind == R2R_ENTRY_CAPTURE) rep->captures_failed++;
                else rep->irs_failed++;
            }
            continue;
        }
        if (found) r2r_entry_clear(&old);
        work_item *w = &items[(*n_items)++];
        w->file = &files[i];
        w->kind = kind;
        memcpy(w->hash, hash, sizeof hash);
    }
    return R2R_OK;
}

static r2r_status prune(r2r_catalog *cat, r2r_entry_kind kind, const r2r_lib_file *files,
                        size_t n, size_t *removed)
{
    char **keep = malloc((n ? n : 1) * sizeof *keep);
    if (!keep) return r2r_fail(R2R_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) keep[i] = files[i].rel;
    size_t r = 0;
    r2r_status s = r2r_catalog_prune(cat, kind, keep, n, &r);
    free(keep);
    *removed += r;
    return s;
}

/* Mean and population std over rows; a constant dimension gets std 1 so it
 * contributes nothing instead of dividing by zero. */
static void stats(const float *rows, size_t n, int dim, double *mean, double *std)
{
    for (int d = 0; d < dim; d++) {
        double m = 0, v = 0;
        for (size_t i = 0; i < n; i++) m += rows[i * dim + d];
        m = n ? m / n : 0.0;
        for (size_t i = 0; i < n; i++) v += (rows[i * dim + d] - m) * (rows[i * dim + d] - m);
        v = n ? sqrt(v / n) : 0.0;
        mean[d] = m;
        std[d] = v > 1e-9 * (fabs(m) + 1e-9) && v > 0 ? v : 1.0;
    }
}

static void normalize_rows(float *rows, size_t n, int dim, const double *mean, const double *std)
{
    for (size_t i = 0; i < n; i++) {
        double norm = 0;
        for (int d = 0; d < dim; d++) {
            double z = (rows[i * dim + d] - mean[d]) / std[d];
            rows[i * dim + d] = (float)z;
            norm += z * z;
        }
        norm = sqrt(norm);
        for (int d = 0; d < dim; d++) rows[i * dim + d] = norm > 0 ? (float)(rows[i * dim + d] / norm) : 0.0f;
    }
}

static cJSON *stats_json(const double *mean, const double *std, int dim)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "mean", cJSON_CreateDoubleArray(mean, dim));
    cJSON_AddItemToObject(o, "std", cJSON_CreateDoubleArray(std, dim));
    return o;
}

/* Writes norm.json, captures.faiss, irs.faiss and index.json (row → entry map). */
static r2r_status finalize(const char *root, r2r_catalog *cat, const r2r_probe_set *probes)
{
    const int dim = R2R_FEAT_DIM;
    const double gains[R2R_INDEX_N_GAINS] = R2R_INDEX_GAINS_DB;
    r2r_entry *caps = NULL, *irs = NULL;
    size_t nc = 0, ni = 0;
    r2r_status s = r2r_catalog_list(cat, R2R_ENTRY_CAPTURE, 1, &caps, &nc);
    if (s == R2R_OK) s = r2r_catalog_list(cat, R2R_ENTRY_IR, 1, &irs, &ni);
    float *crow = malloc((nc * R2R_INDEX_N_GAINS + 1) * dim * sizeof(float));
    float *irow = malloc((ni + 1) * dim * sizeof(float));
    double mean[R2R_FEAT_DIM], std[R2R_FEAT_DIM], imean[R2R_FEAT_DIM], istd[R2R_FEAT_DIM];
    cJSON *map = cJSON_CreateObject(), *cmap = cJSON_AddArrayToObject(map, "captures"),
          *imap = cJSON_AddArrayToObject(map, "irs");
    size_t rows = 0, irows = 0;
    if (s != R2R_OK || !crow || !irow) {
        if (s == R2R_OK) s = r2r_fail(R2R_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < nc; i++) {
        const r2r_entry *e = &caps[i];
        if (e->status != R2R_STATUS_INDEXED || e->data_size < sizeof(r2r_payload_header)) continue;
        const r2r_payload_header *h = e->data;
        if (h->magic != R2R_PAYLOAD_MAGIC || h->n_gains != R2R_INDEX_N_GAINS || h->dim != (uint32_t)dim)
            continue;
        const float *mf = (const float *)(h + 1) + h->n_gains +
                          (size_t)h->n_gains * h->n_probes * h->dim; /* mean_feat */
        for (uint32_t g = 0; g < h->n_gains; g++) {
            memcpy(crow + rows * dim, mf + (size_t)g * dim, dim * sizeof(float));
            cJSON *r = cJSON_CreateObject();
            cJSON_AddStringToObject(r, "hash", e->hash);
            cJSON_AddStringToObject(r, "path", e->path);
            cJSON_AddNumberToObject(r, "gain_db", gains[g]);
            cJSON_AddItemToArray(cmap, r);
            rows++;
        }
    }
    for (size_t i = 0; i < ni; i++) {
        const r2r_entry *e = &irs[i];
        if (e->status != R2R_STATUS_INDEXED || e->data_size < sizeof(r2r_payload_header)) continue;
        const r2r_payload_header *h = e->data;
        if (h->magic != R2R_PAYLOAD_MAGIC || h->dim != (uint32_t)dim) continue;
        memcpy(irow + irows * dim, (const float *)(h + 1), dim * sizeof(float));
        cJSON *r = cJSON_CreateObject();
        cJSON_AddStringToObject(r, "hash", e->hash);
        cJSON_AddStringToObject(r, "path", e->path);
        cJSON_AddItemToArray(imap, r);
        irows++;
    }
    stats(crow, rows, dim, mean, std);
    stats(irow, irows, dim, imean, istd);
    normalize_rows(crow, rows, dim, mean, std);
    normalize_rows(irow, irows, dim, imean, istd);

    /* norm.json: top-level mean/std are the capture statistics (the space a reference
     * is compared in); "irs" holds the IR index's own. */
    cJSON *norm = stats_json(mean, std, dim);
    cJSON_AddItemToObject(norm, "irs", stats_json(imean, istd, dim));
    cJSON_AddNumberToObject(norm, "captures_rows", (double)rows);
    cJSON_AddNumberToObject(norm, "irs_rows", (double)irows);
    char *text = cJSON_Print(norm);
    cJSON_Delete(norm);
    char *p = r2r_library_state_path(root, "norm.json");
    s = text && p ? r2r_write_text_atomic(p, text) : r2r_fail(R2R_ERR_NOMEM, "out of memory");
    free(text);
    free(p);
    if (s != R2R_OK) goto done;

    p = r2r_library_state_path(root, "captures.faiss");
    s = r2r_vindex_write(p, dim, rows, crow);
    free(p);
    if (s != R2R_OK) goto done;
    p = r2r_library_state_path(root, "irs.faiss");
    s = r2r_vindex_write(p, dim, irows, irow);
    free(p);
    if (s != R2R_OK) goto done;

    cJSON_AddNumberToObject(map, "version", 1);
    cJSON_AddItemToObject(map, "gains_db", cJSON_CreateDoubleArray(gains, R2R_INDEX_N_GAINS));
    cJSON_AddStringToObject(map, "probes", probes->builtin ? "builtin" : "user");
    cJSON_AddStringToObject(map, "probe_fingerprint", probes->fingerprint);
    text = cJSON_Print(map);
    p = r2r_library_state_path(root, "index.json");
    s = text && p ? r2r_write_text_atomic(p, text) : r2r_fail(R2R_ERR_NOMEM, "out of memory");
    free(text);
    free(p);
done:
    cJSON_Delete(map);
    free(crow);
    free(irow);
    r2r_entry_list_free(caps, nc);
    r2r_entry_list_free(irs, ni);
    return s;
}

r2r_status r2r_index_build(const char *root, const r2r_index_options *opt,
                           r2r_index_report *report)
{
    r2r_index_report local;
    r2r_index_report *rep = report ? report : &local;
    memset(rep, 0, sizeof *rep);
    double t0 = now_s();
    r2r_fftw_thread_safe();

    r2r_lib_scan scan;
    r2r_status s = r2r_library_scan(root, &scan);
    if (s != R2R_OK) return s;
    rep->captures_total = scan.n_captures;
    rep->irs_total = scan.n_irs;

    r2r_probe_set probes;
    memset(&probes, 0, sizeof probes);
    const char *pdir = opt && opt->probes_dir ? opt->probes_dir : NULL;
    char *libprobes = NULL;
    if (!pdir && scan.n_probes) {
        size_t n = strlen(root) + 16;
        libprobes = malloc(n);
        if (libprobes) snprintf(libprobes, n, "%s/probes", root);
        pdir = libprobes;
    }
    s = r2r_probes_load(pdir, &probes);
    if (s != R2R_OK) {
        free(libprobes);
        r2r_library_scan_free(&scan);
        return s;
    }

    char *dbp = r2r_library_state_path(root, "catalog.sqlite");
    r2r_catalog *cat = NULL;
    s = dbp ? r2r_catalog_open(dbp, &cat) : r2r_fail(R2R_ERR_NOMEM, "out of memory");
    free(dbp);
    work_item *items = NULL;
    size_t n_items = 0;
    if (s != R2R_OK) goto out;

    /* Probes or the payload layout changed: every stored analysis is stale. */
    char *fp = NULL;
    if ((s = r2r_catalog_get_setting(cat, "probe_fingerprint", &fp)) != R2R_OK) goto out;
    if ((s = r2r_catalog_begin(cat)) != R2R_OK) goto out;
    if (!fp || strcmp(fp, probes.fingerprint) != 0) {
        s = r2r_catalog_invalidate(cat);
        if (s == R2R_OK) s = r2r_catalog_set_setting(cat, "probe_fingerprint", probes.fingerprint);
    }
    free(fp);
    if (s == R2R_OK)
        s = r2r_catalog_set_setting(cat, "probe_source", probes.builtin ? "builtin" : pdir);
    items = malloc((scan.n_captures + scan.n_irs + 1) * sizeof *items);
    if (!items && s == R2R_OK) s = r2r_fail(R2R_ERR_NOMEM, "out of memory");
    /* Plan before pruning: a renamed file finds its old row by hash and takes its
     * analysis along; only then do rows of vanished paths go. */
    if (s == R2R_OK)
        s = plan_kind(cat, R2R_ENTRY_CAPTURE, scan.captures, scan.n_captures, items, &n_items, rep);
    if (s == R2R_OK) s = plan_kind(cat, R2R_ENTRY_IR, scan.irs, scan.n_irs, items, &n_items, rep);
    if (s == R2R_OK) s = prune(cat, R2R_ENTRY_CAPTURE, scan.captures, scan.n_captures, &rep->removed);
    if (s == R2R_OK) s = prune(cat, R2R_ENTRY_IR, scan.irs, scan.n_irs, &rep->removed);
    if (s != R2R_OK) {
        r2r_catalog_rollback(cat);
        goto out;
    }
    if ((s = r2r_catalog_commit(cat)) != R2R_OK) goto out;

    build_ctx c;
    memset(&c, 0, sizeof c);
    c.items = items;
    c.n = c.total = n_items;
    c.cat = cat;
    c.probes = &probes;
    c.opt = opt;
    c.rep = rep;
    pthread_mutex_init(&c.lock, NULL);
    int jobs = opt && opt->jobs > 0 ? opt->jobs : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (jobs < 1) jobs = 1;
    if ((size_t)jobs > n_items) jobs = n_items ? (int)n_items : 1;
    if (opt && opt->progress && n_items) opt->progress(0, n_items, "", opt->user);
    pthread_t th[64];
    if (jobs > 64) jobs = 64;
    int started = 0;
    for (int i = 1; i < jobs; i++)
        if (pthread_create(&th[started], NULL, worker, &c) == 0) started++;
    worker(&c); /* the calling thread works too */
    for (int i = 0; i < started; i++) pthread_join(th[i], NULL);
    pthread_mutex_destroy(&c.lock);
    if (c.fatal != R2R_OK) {
        s = r2r_fail(c.fatal, "%s", c.fatal_msg);
        goto out;
    }
    s = finalize(root, cat, &probes);
    rep->captures_indexed = rep->captures_total - rep->captures_failed;
    rep->irs_indexed = rep->irs_total - rep->irs_failed;
out:
    rep->seconds = now_s() - t0;
    free(items);
    r2r_catalog_close(cat);
    r2r_probes_free(&probes);
    free(libprobes); /* pdir points here when the library's own probes folder is used */
    r2r_library_scan_free(&scan);
    return s;
}
