/* `r2r serve`: HTTP on libmicrohttpd (a thread pool answers; nothing slow runs there),
 * projects and tasks in SQLite (store.c), isolation and matching on worker threads.
 *
 *   GET    /health
 *   POST   /projects                      {"name"} (optional body)      → 201 project
 *   GET    /projects                      → {"projects": [...]}
 *   GET    /projects/{id}                 → project, its source, latest tasks, has_results
 *   DELETE /projects/{id}                 → 204 (409 while a task runs)
 *   POST   /projects/{id}/import          multipart/form-data, field "file" (audio only)
 *   POST   /projects/{id}/di              the player's DI (same form): matches then use it
 *   POST   /projects/{id}/isolate|match   → 202 {"task_id"} (409 while one of the kind runs);
 *                                          match?di_guitar=auto|same|other says what the DI is
 *   GET    /projects/{id}/tasks/{task_id} → {"status": pending|running|completed|failed, "progress", "message"}
 *   GET    /projects/{id}/results         → {"reference", "candidates", "retrieval", "warnings"}
 *   GET    /projects/{id}/audio/{source|di|isolated|match_<flavor>}   (HTTP Range)
 *   GET    /projects/{id}/spectra         → long-term spectra of the reference and each preview
 *   GET    /projects/{id}/recipe | /recipe.md | /eq/<flavor>.txt
 *   GET    /  and  /<file> of the web folder
 * Errors are {"error": "..."} with 400/404/405/409/413/416/500. */
#include "r2r/server.h"
#include "server/store.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "r2r/audio.h"
#include "r2r/constants.h"
#include "r2r/dsp.h"
#include "r2r/fileutil.h"
#include "r2r/isolate.h"
#include "r2r/ltas.h"
#include "r2r/match.h"

#ifndef R2R_WEB_DIR
#define R2R_WEB_DIR "web"
#endif
#define DEFAULT_MAX_UPLOAD (200u * 1024u * 1024u)
#define MAX_JSON_BODY (64 * 1024)
#define HTTP_THREADS 4
#define MAX_WORKERS 16
#define ID_LEN 16

typedef struct job {
    int64_t task;
    char project[ID_LEN + 1];
    int is_match;
    int di_guitar; /* r2r_di_guitar of a match */
    struct job *next;
} job;

struct r2r_server {
    struct MHD_Daemon *httpd;
    store *st;
    char *data, *library, *web;
    size_t max_upload;
    int port;
    pthread_t workers[MAX_WORKERS];
    int n_workers;
    pthread_mutex_t qlock;
    pthread_cond_t qcond;
    job *head, *tail;
    int stopping;
};

/* ---------- small helpers ---------- */

static int valid_id(const char *s, size_t n)
{
    if (n != ID_LEN) return 0;
    for (size_t i = 0; i < n; i++)
        if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i])) return 0;
    return 1;
}

static r2r_status new_id(char out[ID_LEN + 1])
{
    unsigned char b[ID_LEN / 2];
    int fd = open("/dev/urandom", O_RDONLY);
    ssize_t got = fd >= 0 ? read(fd, b, sizeof b) : -1;
    if (fd >= 0) close(fd);
    if (got != (ssize_t)sizeof b) return r2r_fail(R2R_ERR_IO, "no random source for project ids");
    for (size_t i = 0; i < sizeof b; i++) snprintf(out + 2 * i, 3, "%02x", b[i]);
    return R2R_OK;
}

static char *project_path(const r2r_server *s, const char *id, const char *rel)
{
    size_t n = strlen(s->data) + strlen(id) + (rel ? strlen(rel) : 0) + 32;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s/projects/%s%s%s", s->data, id, rel ? "/" : "", rel ? rel : "");
    return p;
}

/* A project's upload (projects/<id>/<stem><ext>: stem "source." or "di."), malloc'd;
 * NULL when none. */
static char *upload_path(const r2r_server *s, const char *id, const char *stem)
{
    char *dir = project_path(s, id, NULL), *found = NULL;
    DIR *d = dir ? opendir(dir) : NULL;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL)
        if (!strncmp(e->d_name, stem, strlen(stem))) {
            free(found);
            found = project_path(s, id, e->d_name);
        }
    if (d) closedir(d);
    free(dir);
    return found;
}

static char *source_path(const r2r_server *s, const char *id) { return upload_path(s, id, "source."); }

static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        unlink(dir);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        size_t n = strlen(dir) + strlen(e->d_name) + 2;
        char *p = malloc(n);
        if (!p) continue;
        snprintf(p, n, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) remove_tree(p);
        else unlink(p);
        free(p);
    }
    closedir(d);
    rmdir(dir);
}

/* ---------- responses ---------- */

static enum MHD_Result send_text(struct MHD_Connection *c, unsigned code, const char *type, const char *body,
                                 const char *disposition)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!r) return MHD_NO;
    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    if (disposition) MHD_add_response_header(r, "Content-Disposition", disposition);
    enum MHD_Result ret = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result send_json(struct MHD_Connection *c, unsigned code, cJSON *o)
{
    char *t = o ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    if (!t) return send_text(c, 500, "application/json", "{\"error\":\"out of memory\"}", NULL);
    enum MHD_Result r = send_text(c, code, "application/json", t, NULL);
    free(t);
    return r;
}

static enum MHD_Result send_error(struct MHD_Connection *c, unsigned code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static enum MHD_Result send_error(struct MHD_Connection *c, unsigned code, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "error", msg);
    return send_json(c, code, o);
}

static const char *audio_type(const char *path)
{
    static const struct {
        const char *ext, *type;
    } t[] = {{".wav", "audio/wav"},   {".flac", "audio/flac"}, {".mp3", "audio/mpeg"}, {".ogg", "audio/ogg"},
             {".opus", "audio/ogg"},  {".aif", "audio/aiff"},  {".aiff", "audio/aiff"}, {".m4a", "audio/mp4"},
             {".html", "text/html; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
             {".css", "text/css; charset=utf-8"}, {".svg", "image/svg+xml"}, {".png", "image/png"},
             {".ico", "image/x-icon"}, {".json", "application/json"}};
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot && i < sizeof t / sizeof t[0]; i++)
        if (!strcasecmp(dot, t[i].ext)) return t[i].type;
    return "application/octet-stream";
}

/* A file, whole or the byte range asked for (bytes=a-b, a-, -n; one range). */
static enum MHD_Result send_file(struct MHD_Connection *c, const char *path, const char *disposition)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0) close(fd);
        return send_error(c, 404, "not found");
    }
    const uint64_t size = (uint64_t)st.st_size;
    uint64_t from = 0, to = size ? size - 1 : 0;
    unsigned code = 200;
    const char *range = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Range");
    if (range) {
        unsigned long long a = 0, b = 0;
        char extra = 0;
        int ok = 0;
        if (!strncmp(range, "bytes=", 6)) {
            const char *r = range + 6;
            if (r[0] == '-' && sscanf(r + 1, "%llu%c", &b, &extra) == 1 && b > 0)
                from = b >= size ? 0 : size - b, to = size - 1, ok = size > 0;
            else if (sscanf(r, "%llu-%llu%c", &a, &b, &extra) == 2 && a <= b && a < size)
                from = a, to = b >= size ? size - 1 : b, ok = 1;
            else if (sscanf(r, "%llu-%c", &a, &extra) == 1 && r[strlen(r) - 1] == '-' && a < size)
                from = a, to = size - 1, ok = 1;
        }
        if (!ok) {
            close(fd);
            char cr[64];
            snprintf(cr, sizeof cr, "bytes */%" PRIu64, size);
            struct MHD_Response *r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
            if (!r) return MHD_NO;
            MHD_add_response_header(r, "Content-Range", cr);
            enum MHD_Result ret = MHD_queue_response(c, 416, r);
            MHD_destroy_response(r);
            return ret;
        }
        code = 206;
    }
    const uint64_t len = size ? to - from + 1 : 0;
    struct MHD_Response *r = MHD_create_response_from_fd_at_offset64(len, fd, from);
    if (!r) {
        close(fd);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", audio_type(path));
    MHD_add_response_header(r, "Accept-Ranges", "bytes");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    if (disposition) MHD_add_response_header(r, "Content-Disposition", disposition);
    if (code == 206) {
        char cr[96];
        snprintf(cr, sizeof cr, "bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64, from, to, size);
        MHD_add_response_header(r, "Content-Range", cr);
    }
    enum MHD_Result ret = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return ret;
}

/* ---------- tasks ---------- */

typedef struct {
    r2r_server *s;
    int64_t task;
    double last;
} progress_ctx;

static void on_progress(double f, const char *stage, void *user)
{
    progress_ctx *p = user;
    if (f < 1.0 && f - p->last < 0.01) return;
    p->last = f;
    store_task_update(p->s->st, p->task, TASK_RUNNING, f, stage, NULL);
}

/* The separation's progress (0..1) within the isolate task's stage for it (0.3 to 0.9). */
static void on_isolate_progress(double f, void *user)
{
    on_progress(0.3 + 0.6 * f, "separating the guitar", user);
}

static r2r_status run_isolate(r2r_server *s, const job *j, char *msg, size_t cap)
{
    char *in = source_path(s, j->project), *out = project_path(s, j->project, "isolated.wav");
    r2r_status st = in && out ? R2R_OK : r2r_fail(R2R_ERR_INPUT, "the project has no audio yet (import a file first)");
    r2r_audio a = {0};
    r2r_isolated iso = {0};
    store_task_update(s->st, j->task, TASK_RUNNING, 0.1, "reading", NULL);
    if (st == R2R_OK) st = r2r_audio_read(in, 0, &a);
    progress_ctx pc = {s, j->task, -1.0};
    if (st == R2R_OK)
        st = r2r_isolate_progress(a.data, a.frames, a.channels, a.sample_rate, R2R_ISO_DSP, on_isolate_progress, &pc,
                                  &iso);
    if (st == R2R_OK) st = r2r_audio_write_wav(out, iso.guitar, iso.frames, 1, a.sample_rate);
    if (st == R2R_OK) snprintf(msg, cap, "isolated (dsp), confidence %.2f", iso.confidence);
    r2r_isolated_free(&iso);
    r2r_audio_free(&a);
    free(in), free(out);
    return st;
}

static cJSON *spectrum_of(const char *path)
{
    r2r_audio a;
    if (r2r_audio_read(path, R2R_READ_MONO, &a) != R2R_OK) return NULL;
    cJSON *arr = NULL;
    float b[R2R_LTAS_BANDS];
    if (r2r_audio_resample(&a, R2R_SAMPLE_RATE) == R2R_OK && r2r_ltas_compute(a.data, a.frames, b) == R2R_OK) {
        double db[R2R_LTAS_BANDS];
        for (int k = 0; k < R2R_LTAS_BANDS; k++) db[k] = round(100.0 * 10.0 * log10(b[k] + 1e-20)) / 100.0;
        arr = cJSON_CreateDoubleArray(db, R2R_LTAS_BANDS);
    }
    r2r_audio_free(&a);
    return arr;
}

/* The long-term spectra of a match's isolated reference and previews (GET .../spectra),
 * as JSON text; NULL when the match left no reference. */
static char *spectra_text(r2r_server *s, const char *id)
{
    char *ref = project_path(s, id, "match/reference_isolated.wav");
    cJSON *rs = ref ? spectrum_of(ref) : NULL;
    free(ref);
    if (!rs) return NULL;
    cJSON *o = cJSON_CreateObject(), *hz = cJSON_AddArrayToObject(o, "hz");
    for (int k = 0; k < R2R_LTAS_BANDS; k++) cJSON_AddItemToArray(hz, cJSON_CreateNumber(round(r2r_ltas_band_hz(k))));
    cJSON_AddItemToObject(o, "reference", rs);
    static const char *const fl[] = {"balanced", "brighter", "thicker"};
    for (int f = 0; f < 3; f++) {
        char rel[64];
        snprintf(rel, sizeof rel, "match/preview_%s.wav", fl[f]);
        char *p = project_path(s, id, rel);
        cJSON *sp = p ? spectrum_of(p) : NULL;
        free(p);
        if (sp) cJSON_AddItemToObject(o, fl[f], sp);
    }
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return text;
}

/* Computed once, after the match that made the files (match/spectra.json); a project
 * matched by an older server gets it on its first request. */
static char *spectra_cached(r2r_server *s, const char *id)
{
    char *p = project_path(s, id, "match/spectra.json");
    char *text = NULL;
    size_t len = 0;
    if (p && r2r_read_file(p, 1u << 20, &text, &len) == R2R_OK) {
        free(p);
        return text;
    }
    text = spectra_text(s, id);
    if (text && p) r2r_write_text_atomic(p, text); /* a cache: a failed write only costs a recomputation */
    free(p);
    return text;
}

static r2r_status run_match(r2r_server *s, const job *j, char *msg, size_t cap)
{
    if (!s->library) return r2r_fail(R2R_ERR_INPUT, "this server has no library to match against (r2r serve --library LIB)");
    char *out = project_path(s, j->project, "match"), *in = source_path(s, j->project);
    r2r_status st = in && out ? R2R_OK : r2r_fail(R2R_ERR_INPUT, "the project has no audio yet (import a file first)");
    progress_ctx pc = {s, j->task, -1.0};
    r2r_match_options o;
    memset(&o, 0, sizeof o);
    char *di = upload_path(s, j->project, "di."); /* the player's DI, when uploaded */
    o.library = s->library, o.out_dir = out, o.di_path = di, o.isolation = -1, o.optimizer = R2R_OPT_COORD;
    o.di_guitar = j->di_guitar;
    o.progress = on_progress, o.user = &pc;
    r2r_match_summary sum;
    char *sp = project_path(s, j->project, "match/spectra.json");
    if (sp) unlink(sp); /* the previews are about to change */
    free(sp);
    if (st == R2R_OK) st = r2r_match(in, &o, &sum);
    char *text = NULL;
    size_t len = 0;
    if (st == R2R_OK) {
        char *rp = project_path(s, j->project, "match/recipe.json");
        st = rp ? r2r_read_file(rp, 16u << 20, &text, &len) : r2r_fail(R2R_ERR_NOMEM, "out of memory");
        free(rp);
    }
    if (st == R2R_OK) st = store_result_put(s->st, j->project, text);
    if (st == R2R_OK) free(spectra_cached(s, j->project)); /* so GET .../spectra only reads a file */
    if (st == R2R_OK)
        snprintf(msg, cap, "matched in %.1f s: %.200s + %.200s", sum.seconds, sum.flavor[0].capture, sum.flavor[0].ir);
    free(text), free(out), free(in), free(di);
    return st;
}

static void *worker(void *arg)
{
    r2r_server *s = arg;
    for (;;) {
        pthread_mutex_lock(&s->qlock);
        while (!s->head && !s->stopping) pthread_cond_wait(&s->qcond, &s->qlock);
        /* stopping: the task at hand finishes, queued ones stay pending in the store and
         * are reported as interrupted by the next start */
        job *j = s->stopping ? NULL : s->head;
        if (j) {
            s->head = j->next;
            if (!s->head) s->tail = NULL;
        }
        pthread_mutex_unlock(&s->qlock);
        if (!j) return NULL;
        store_task_update(s->st, j->task, TASK_RUNNING, 0.0, "started", NULL);
        char msg[512] = "done";
        r2r_status st = j->is_match ? run_match(s, j, msg, sizeof msg) : run_isolate(s, j, msg, sizeof msg);
        if (st == R2R_OK) store_task_update(s->st, j->task, TASK_COMPLETED, 1.0, msg, NULL);
        else store_task_update(s->st, j->task, TASK_FAILED, 1.0, "failed", r2r_last_error());
        free(j);
    }
}

static void enqueue(r2r_server *s, job *j)
{
    pthread_mutex_lock(&s->qlock);
    if (s->tail) s->tail->next = j;
    else s->head = j;
    s->tail = j;
    pthread_cond_signal(&s->qcond);
    pthread_mutex_unlock(&s->qlock);
}

/* ---------- requests ---------- */

typedef struct {
    int kind;            /* 0 plain, 1 JSON body, 2 multipart upload */
    char *body;          /* JSON body */
    size_t body_len;
    int too_large;       /* upload over the limit: 413 at the end */
    int bad;             /* malformed upload */
    struct MHD_PostProcessor *pp;
    FILE *tmp;
    char *tmp_path;
    char file_name[256];
    int got_file;
    size_t bytes;
} request;

static void request_done(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    (void)cls, (void)c, (void)toe;
    request *r = *con_cls;
    if (!r) return;
    if (r->pp) MHD_destroy_post_processor(r->pp);
    if (r->tmp) fclose(r->tmp);
    if (r->tmp_path) {
        unlink(r->tmp_path); /* moved into place when accepted; else dropped */
        free(r->tmp_path);
    }
    free(r->body);
    free(r);
    *con_cls = NULL;
}

static enum MHD_Result upload_part(void *cls, enum MHD_ValueKind kind, const char *key, const char *filename,
                                   const char *content_type, const char *transfer_encoding, const char *data,
                                   uint64_t off, size_t size)
{
    (void)kind, (void)content_type, (void)transfer_encoding, (void)off;
    request *r = cls;
    if (!key || strcmp(key, "file") != 0) return MHD_YES; /* other fields are ignored */
    if (!r->got_file) {
        r->got_file = 1;
        snprintf(r->file_name, sizeof r->file_name, "%s", filename && *filename ? filename : "upload");
    }
    if (!r->tmp || r->too_large) return MHD_YES;
    if (size && fwrite(data, 1, size, r->tmp) != size) r->bad = 1;
    return MHD_YES;
}

static const char *extension_of(const char *name)
{
    static const char *const ok[] = {".wav", ".flac", ".mp3", ".ogg", ".opus", ".aif", ".aiff", ".m4a"};
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot && i < sizeof ok / sizeof ok[0]; i++)
        if (!strcasecmp(dot, ok[i])) return ok[i];
    return ".audio";
}

/* The reference (is_di 0: replaces the source and what was made from it) or the
 * player's DI (is_di 1: used by the next matches). */
static enum MHD_Result finish_import(r2r_server *s, struct MHD_Connection *c, request *r, const char *id, int is_di)
{
    if (r->too_large)
        return send_error(c, 413, "the upload is larger than the limit (%zu MB)", s->max_upload >> 20);
    if (r->bad || !r->tmp) return send_error(c, 400, "the upload could not be read");
    if (!r->got_file) return send_error(c, 400, "no \"file\" field in the multipart form");
    fclose(r->tmp);
    r->tmp = NULL;
    if (store_project_busy(s->st, id)) return send_error(c, 409, "a task is running on this project");
    /* only audio gets in */
    r2r_audio a;
    if (r2r_audio_read(r->tmp_path, 0, &a) != R2R_OK)
        return send_error(c, 400, "not an audio file we can read: %s", r->file_name);
    const double dur = (double)a.frames / a.sample_rate;
    const int rate = a.sample_rate, ch = a.channels;
    r2r_audio_free(&a);
    char *dir = project_path(s, id, NULL);
    char rel[32];
    snprintf(rel, sizeof rel, "%s%s", is_di ? "di" : "source", extension_of(r->file_name));
    char *dst = project_path(s, id, rel);
    enum MHD_Result ret;
    if (!dir || !dst) ret = send_error(c, 500, "out of memory");
    else if (is_di) {
        char *old = upload_path(s, id, "di.");
        if (old) unlink(old);
        free(old);
        if (rename(r->tmp_path, dst) != 0) ret = send_error(c, 500, "cannot store the upload: %s", strerror(errno));
        else {
            cJSON *o = store_project_get(s->st, id);
            if (o) cJSON_AddBoolToObject(o, "di", 1);
            ret = send_json(c, 200, o);
        }
    } else {
        /* a new source: what was made from the old one goes */
        DIR *d = opendir(dir);
        struct dirent *e;
        while (d && (e = readdir(d)) != NULL)
            if (!strncmp(e->d_name, "source.", 7) || !strcmp(e->d_name, "isolated.wav") || !strcmp(e->d_name, "match")) {
                char *p = project_path(s, id, e->d_name);
                if (p) remove_tree(p);
                free(p);
            }
        if (d) closedir(d);
        store_result_clear(s->st, id);
        if (rename(r->tmp_path, dst) != 0)
            ret = send_error(c, 500, "cannot store the upload: %s", strerror(errno));
        else if (store_project_set_source(s->st, id, rel, r->file_name, dur, rate, ch) != R2R_OK)
            ret = send_error(c, 500, "%s", r2r_last_error());
        else
            ret = send_json(c, 200, store_project_get(s->st, id));
    }
    free(dir), free(dst);
    return ret;
}

/* The page and its files: one folder, plain names only. */
static enum MHD_Result serve_web(r2r_server *s, struct MHD_Connection *c, const char *url)
{
    const char *name = !strcmp(url, "/") ? "index.html" : url + 1;
    for (const char *p = name; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-' && *p != '_') return send_error(c, 404, "not found");
    if (name[0] == '.' || !*name) return send_error(c, 404, "not found");
    size_t n = strlen(s->web) + strlen(name) + 2;
    char *p = malloc(n);
    if (!p) return send_error(c, 500, "out of memory");
    snprintf(p, n, "%s/%s", s->web, name);
    enum MHD_Result r = send_file(c, p, NULL);
    free(p);
    return r;
}

static enum MHD_Result project_route(r2r_server *s, struct MHD_Connection *c, const char *method, const char *rest,
                                     request *r)
{
    /* rest: "{id}" or "{id}/..." */
    const char *slash = strchr(rest, '/');
    const size_t idn = slash ? (size_t)(slash - rest) : strlen(rest);
    if (!valid_id(rest, idn)) return send_error(c, 404, "no such project");
    char id[ID_LEN + 1];
    memcpy(id, rest, ID_LEN);
    id[ID_LEN] = '\0';
    const char *sub = slash ? slash + 1 : "";
    cJSON *proj = store_project_get(s->st, id);
    if (!proj) return send_error(c, 404, "no such project");
    const int is_get = !strcmp(method, "GET") || !strcmp(method, "HEAD"), is_post = !strcmp(method, "POST");
    enum MHD_Result ret;
    if (!*sub) {
        if (is_get) {
            char *dp = upload_path(s, id, "di.");
            cJSON_AddBoolToObject(proj, "di", dp != NULL);
            free(dp);
            return send_json(c, 200, proj);
        }
        cJSON_Delete(proj);
        if (strcmp(method, "DELETE")) return send_error(c, 405, "GET or DELETE");
        if (store_project_busy(s->st, id)) return send_error(c, 409, "a task is running on this project");
        int found = 0;
        if (store_project_delete(s->st, id, &found) != R2R_OK) return send_error(c, 500, "%s", r2r_last_error());
        char *dir = project_path(s, id, NULL);
        if (dir) remove_tree(dir);
        free(dir);
        return send_text(c, 204, "application/json", "", NULL);
    }
    const int has_source = cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(proj, "source"));
    cJSON_Delete(proj);
    if (!strcmp(sub, "import") || !strcmp(sub, "di")) {
        if (!is_post) return send_error(c, 405, "POST a multipart form with a \"file\" field");
        return finish_import(s, c, r, id, !strcmp(sub, "di"));
    }
    if (!strcmp(sub, "isolate") || !strcmp(sub, "match")) {
        if (!is_post) return send_error(c, 405, "POST");
        if (!has_source) return send_error(c, 400, "the project has no audio yet (import a file first)");
        const char *dg =
            strcmp(sub, "match") ? NULL : MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "di_guitar");
        const int di_guitar = dg ? r2r_di_guitar_parse(dg) : R2R_DI_GUITAR_AUTO; /* what a match's DI is */
        if (di_guitar < 0) return send_error(c, 400, "di_guitar is auto, same or other");
        int64_t task = -1;
        if (store_task_create(s->st, id, sub, &task) != R2R_OK) return send_error(c, 500, "%s", r2r_last_error());
        if (task < 0) return send_error(c, 409, "a %s task is already running on this project", sub);
        job *j = calloc(1, sizeof *j);
        if (!j) return send_error(c, 500, "out of memory");
        j->task = task, j->is_match = !strcmp(sub, "match"), j->di_guitar = di_guitar;
        memcpy(j->project, id, sizeof j->project);
        enqueue(s, j);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "task_id", (double)task);
        cJSON_AddStringToObject(o, "status", "pending");
        return send_json(c, 202, o);
    }
    if (!is_get) return send_error(c, 405, "GET");
    if (!strncmp(sub, "tasks/", 6)) {
        char *end = NULL;
        errno = 0;
        const long long t = strtoll(sub + 6, &end, 10);
        if (errno || !end || *end || end == sub + 6 || t <= 0) return send_error(c, 404, "no such task");
        cJSON *o = store_task_get(s->st, id, t);
        return o ? send_json(c, 200, o) : send_error(c, 404, "no such task");
    }
    if (!strcmp(sub, "results")) {
        char *text = store_result_get(s->st, id);
        cJSON *rj = text ? cJSON_Parse(text) : NULL;
        free(text);
        if (!rj) return send_error(c, 404, "no results yet (POST /projects/%s/match)", id);
        cJSON *o = cJSON_CreateObject();
        static const char *const keep[] = {"reference", "candidates", "retrieval", "warnings", "levels"};
        for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++) {
            cJSON *x = cJSON_DetachItemFromObjectCaseSensitive(rj, keep[i]);
            if (x) cJSON_AddItemToObject(o, keep[i], x);
        }
        cJSON_Delete(rj);
        return send_json(c, 200, o);
    }
    if (!strncmp(sub, "audio/", 6)) {
        const char *what = sub + 6;
        char rel[64] = "";
        if (!strcmp(what, "source") || !strcmp(what, "di")) {
            char *p = upload_path(s, id, !strcmp(what, "di") ? "di." : "source.");
            ret = p ? send_file(c, p, NULL) : send_error(c, 404, "no audio yet");
            free(p);
            return ret;
        } else if (!strcmp(what, "isolated")) {
            /* after a match, the isolated reference at the previews' level (for A/B) */
            char *p = project_path(s, id, "match/reference_isolated.wav");
            struct stat st;
            snprintf(rel, sizeof rel, "%s", p && stat(p, &st) == 0 ? "match/reference_isolated.wav" : "isolated.wav");
            free(p);
        } else if (!strncmp(what, "match_", 6)) {
            const char *fl = what + 6;
            if (strcmp(fl, "balanced") && strcmp(fl, "brighter") && strcmp(fl, "thicker"))
                return send_error(c, 404, "flavors are balanced, brighter and thicker");
            snprintf(rel, sizeof rel, "match/preview_%s.wav", fl);
        } else
            return send_error(c, 404, "audio is source, di, isolated or match_<flavor>");
        if (!rel[0]) return send_error(c, 404, "no audio yet");
        char *p = project_path(s, id, rel);
        ret = p ? send_file(c, p, NULL) : send_error(c, 500, "out of memory");
        free(p);
        return ret;
    }
    if (!strcmp(sub, "recipe") || !strcmp(sub, "recipe.json") || !strcmp(sub, "recipe.md") || !strncmp(sub, "eq/", 3)) {
        char rel[64];
        const char *disp;
        if (!strncmp(sub, "eq/", 3)) {
            const char *fl = sub + 3;
            if (strcmp(fl, "balanced.txt") && strcmp(fl, "brighter.txt") && strcmp(fl, "thicker.txt"))
                return send_error(c, 404, "EQ presets are eq/balanced.txt, eq/brighter.txt, eq/thicker.txt");
            snprintf(rel, sizeof rel, "match/eq_%s", fl);
            disp = "attachment; filename=\"eq.txt\"";
        } else if (!strcmp(sub, "recipe.md")) {
            snprintf(rel, sizeof rel, "match/recipe.md");
            disp = "attachment; filename=\"recipe.md\"";
        } else {
            snprintf(rel, sizeof rel, "match/recipe.json");
            disp = "attachment; filename=\"recipe.json\"";
        }
        char *p = project_path(s, id, rel);
        char *text = NULL;
        size_t len = 0;
        if (!p || r2r_read_file(p, 16u << 20, &text, &len) != R2R_OK) {
            free(p);
            return send_error(c, 404, "no recipe yet (POST /projects/%s/match)", id);
        }
        free(p);
        ret = send_text(c, 200,
                        !strcmp(sub, "recipe.md")        ? "text/markdown; charset=utf-8"
                        : !strncmp(sub, "eq/", 3) ? "text/plain; charset=utf-8"
                                                  : "application/json",
                        text, disp);
        free(text);
        return ret;
    }
    if (!strcmp(sub, "spectra")) {
        char *text = spectra_cached(s, id);
        if (!text) return send_error(c, 404, "no results yet (POST /projects/%s/match)", id);
        ret = send_text(c, 200, "application/json", text, NULL);
        free(text);
        return ret;
    }
    return send_error(c, 404, "unknown route");
}

static enum MHD_Result route(r2r_server *s, struct MHD_Connection *c, const char *url, const char *method, request *r)
{
    if (!strcmp(url, "/health")) {
        if (strcmp(method, "GET") && strcmp(method, "HEAD")) return send_error(c, 405, "GET");
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "status", "ok");
        cJSON_AddBoolToObject(o, "library", s->library != NULL);
        return send_json(c, 200, o);
    }
    if (!strcmp(url, "/projects")) {
        if (!strcmp(method, "GET")) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddItemToObject(o, "projects", store_project_list(s->st));
            return send_json(c, 200, o);
        }
        if (strcmp(method, "POST")) return send_error(c, 405, "GET or POST");
        char name[200] = "untitled";
        if (r->body_len) {
            cJSON *b = cJSON_ParseWithLength(r->body, r->body_len);
            const cJSON *n = cJSON_GetObjectItemCaseSensitive(b, "name");
            if (!cJSON_IsObject(b) || (n && !cJSON_IsString(n))) {
                cJSON_Delete(b);
                return send_error(c, 400, "the body must be a JSON object like {\"name\": \"My song\"}");
            }
            if (n && n->valuestring[0]) snprintf(name, sizeof name, "%s", n->valuestring);
            cJSON_Delete(b);
        }
        char id[ID_LEN + 1];
        cJSON *o = NULL;
        if (new_id(id) != R2R_OK || store_project_create(s->st, id, name, &o) != R2R_OK)
            return send_error(c, 500, "%s", r2r_last_error());
        char *dir = project_path(s, id, NULL);
        if (!dir || mkdir(dir, 0755) != 0) {
            free(dir);
            cJSON_Delete(o);
            return send_error(c, 500, "cannot create the project folder");
        }
        free(dir);
        return send_json(c, 201, o);
    }
    if (!strncmp(url, "/projects/", 10)) return project_route(s, c, method, url + 10, r);
    if (!strcmp(method, "GET") || !strcmp(method, "HEAD")) return serve_web(s, c, url);
    return send_error(c, 404, "unknown route");
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                              const char *version, const char *upload_data, size_t *upload_size, void **con_cls)
{
    (void)version;
    r2r_server *s = cls;
    request *r = *con_cls;
    if (!r) { /* first call: headers only */
        r = calloc(1, sizeof *r);
        if (!r) return MHD_NO;
        *con_cls = r;
        if (!strcmp(method, "POST") || !strcmp(method, "PUT") || !strcmp(method, "DELETE")) {
            const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
            const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
            const unsigned long long len = cl ? strtoull(cl, NULL, 10) : 0;
            const size_t ul = strlen(url);
            const int is_import = (ul > 7 && !strcmp(url + ul - 7, "/import")) || (ul > 3 && !strcmp(url + ul - 3, "/di"));
            if (is_import) {
                if (len > s->max_upload)
                    return send_error(c, 413, "the upload is larger than the limit (%zu MB)", s->max_upload >> 20);
                if (!ct || strncasecmp(ct, "multipart/form-data", 19) != 0) {
                    r->bad = 1; /* answered at the end, once the body is read */
                } else {
                    r->kind = 2;
                    r->pp = MHD_create_post_processor(c, 64 * 1024, upload_part, r);
                    size_t n = strlen(s->data) + 64;
                    r->tmp_path = malloc(n);
                    if (r->tmp_path) {
                        snprintf(r->tmp_path, n, "%s/upload-XXXXXX", s->data);
                        int fd = mkstemp(r->tmp_path);
                        r->tmp = fd >= 0 ? fdopen(fd, "wb") : NULL;
                    }
                    if (!r->pp || !r->tmp) r->bad = 1;
                }
            } else {
                if (len > MAX_JSON_BODY) return send_error(c, 413, "request body too large");
                r->kind = 1;
            }
        }
        return MHD_YES;
    }
    if (*upload_size) { /* body chunks */
        if (r->kind == 2) {
            r->bytes += *upload_size;
            if (r->bytes > s->max_upload) r->too_large = 1;
            else if (!r->bad && MHD_post_process(r->pp, upload_data, *upload_size) != MHD_YES) r->bad = 1;
        } else if (r->kind == 1) {
            if (r->body_len + *upload_size > MAX_JSON_BODY) r->too_large = 1;
            else {
                char *g = realloc(r->body, r->body_len + *upload_size + 1);
                if (!g) return MHD_NO;
                memcpy(g + r->body_len, upload_data, *upload_size);
                r->body = g, r->body_len += *upload_size;
                r->body[r->body_len] = '\0';
            }
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (r->too_large && r->kind == 1) return send_error(c, 413, "request body too large");
    return route(s, c, url, method, r);
}

/* ---------- lifecycle ---------- */

r2r_status r2r_server_start(const r2r_server_options *opt, r2r_server **out)
{
    *out = NULL;
    if (!opt->data_dir) return r2r_fail(R2R_ERR_INPUT, "no data folder (--data DIR)");
    r2r_server *s = calloc(1, sizeof *s);
    if (!s) return r2r_fail(R2R_ERR_NOMEM, "out of memory");
    pthread_mutex_init(&s->qlock, NULL);
    pthread_cond_init(&s->qcond, NULL);
    s->data = strdup(opt->data_dir);
    s->library = opt->library ? strdup(opt->library) : NULL;
    s->web = strdup(opt->web_dir ? opt->web_dir : R2R_WEB_DIR);
    s->max_upload = opt->max_upload ? opt->max_upload : DEFAULT_MAX_UPLOAD;
    r2r_status st = R2R_OK;
    char *projects = NULL, *db = NULL;
    if (!s->data || !s->web) st = r2r_fail(R2R_ERR_NOMEM, "out of memory");
    if (st == R2R_OK && mkdir(s->data, 0755) != 0 && errno != EEXIST)
        st = r2r_fail(R2R_ERR_IO, "%s: %s", s->data, strerror(errno));
    if (st == R2R_OK) {
        size_t n = strlen(s->data) + 32;
        projects = malloc(n), db = malloc(n);
        if (!projects || !db) st = r2r_fail(R2R_ERR_NOMEM, "out of memory");
        else {
            snprintf(projects, n, "%s/projects", s->data);
            snprintf(db, n, "%s/r2r.sqlite", s->data);
            if (mkdir(projects, 0755) != 0 && errno != EEXIST) st = r2r_fail(R2R_ERR_IO, "%s: %s", projects, strerror(errno));
        }
    }
    int recovered = 0;
    if (st == R2R_OK) st = store_open(db, &s->st, &recovered);
    free(projects), free(db);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)(opt->port > 0 ? opt->port : 0));
    if (st == R2R_OK && inet_pton(AF_INET, opt->host ? opt->host : "127.0.0.1", &addr.sin_addr) != 1)
        st = r2r_fail(R2R_ERR_INPUT, "--host %s is not an IPv4 address", opt->host);
    if (st == R2R_OK) {
        s->httpd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, answer, s,
                                    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_THREAD_POOL_SIZE,
                                    (unsigned)HTTP_THREADS, MHD_OPTION_NOTIFY_COMPLETED, request_done, s,
                                    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60, MHD_OPTION_CONNECTION_LIMIT,
                                    (unsigned)512, MHD_OPTION_END);
        if (!s->httpd)
            st = r2r_fail(R2R_ERR_IO, "cannot listen on %s:%d (in use, or not allowed)", opt->host ? opt->host : "127.0.0.1",
                          opt->port);
    }
    if (st == R2R_OK) {
        const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->httpd, MHD_DAEMON_INFO_BIND_PORT);
        s->port = di ? di->port : opt->port;
        long cores = sysconf(_SC_NPROCESSORS_ONLN);
        int w = opt->workers > 0 ? opt->workers : (int)(cores > 1 ? cores - 1 : 1);
        if (w > MAX_WORKERS) w = MAX_WORKERS;
        for (int i = 0; i < w; i++)
            if (pthread_create(&s->workers[s->n_workers], NULL, worker, s) == 0) s->n_workers++;
        if (!s->n_workers) st = r2r_fail(R2R_ERR_INTERNAL, "cannot start worker threads");
    }
    if (st != R2R_OK) {
        r2r_server_stop(s);
        return st;
    }
    (void)recovered;
    *out = s;
    return R2R_OK;
}

int r2r_server_port(const r2r_server *s) { return s->port; }

void r2r_server_stop(r2r_server *s)
{
    if (!s) return;
    if (s->httpd) MHD_stop_daemon(s->httpd);
    pthread_mutex_lock(&s->qlock);
    s->stopping = 1;
    pthread_cond_broadcast(&s->qcond);
    pthread_mutex_unlock(&s->qlock);
    for (int i = 0; i < s->n_workers; i++) pthread_join(s->workers[i], NULL);
    while (s->head) {
        job *j = s->head;
        s->head = j->next;
        free(j);
    }
    store_close(s->st);
    pthread_mutex_destroy(&s->qlock);
    pthread_cond_destroy(&s->qcond);
    free(s->data), free(s->library), free(s->web);
    free(s);
}
