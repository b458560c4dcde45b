/* `r2r serve` over loopback with a real HTTP client (libcurl): the whole flow
 * (project, import, match with progress, results, Range audio, recipe downloads,
 * spectra, isolate, delete), every bad request answered with the right status and a
 * JSON error, uploads over the limit, path traversal, restarts that keep projects
 * and results and report interrupted tasks, 50 parallel clients, and malformed raw
 * requests that must never bring the server down. */
#include "testutil.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "r2r/amp.h"
#include "r2r/audio.h"
#include "r2r/constants.h"
#include "r2r/dsp.h"
#include "r2r/index.h"
#include "r2r/server.h"

static char lib[4096], data[4096], refwav[4200], diwav[4200], notaudio[4200];
static int port;

typedef struct {
    long code;
    char *body;
    size_t len;
    char headers[4096];
} reply;

static size_t on_body(char *p, size_t sz, size_t n, void *u)
{
    reply *r = u;
    char *g = realloc(r->body, r->len + sz * n + 1);
    if (!g) return 0;
    memcpy(g + r->len, p, sz * n);
    r->body = g, r->len += sz * n;
    r->body[r->len] = '\0';
    return sz * n;
}

static size_t on_header(char *p, size_t sz, size_t n, void *u)
{
    reply *r = u;
    size_t have = strlen(r->headers), add = sz * n;
    if (have + add < sizeof r->headers) memcpy(r->headers + have, p, add), r->headers[have + add] = '\0';
    return sz * n;
}

/* One request. `body` JSON (or raw when ctype given); `file` a multipart upload. */
static reply http(const char *method, const char *path, const char *body, const char *file, const char *range)
{
    reply r = {0};
    CURL *c = curl_easy_init();
    char url[1024];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L); /* send ../ as written */
    struct curl_slist *h = NULL;
    curl_mime *mime = NULL;
    if (body) {
        h = curl_slist_append(h, "Content-Type: application/json");
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    }
    if (file) {
        mime = curl_mime_init(c);
        curl_mimepart *part = curl_mime_addpart(mime);
        curl_mime_name(part, "file");
        curl_mime_filedata(part, file);
        curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
    }
    if (!strcmp(method, "HEAD")) curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    if (range) curl_easy_setopt(c, CURLOPT_RANGE, range);
    if (h) curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK) r.code = -1;
    else curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.code);
    curl_mime_free(mime);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    if (!r.body) r.body = calloc(1, 1);
    return r;
}

static cJSON *json_of(reply *r)
{
    cJSON *o = cJSON_Parse(r->body);
    if (!o) fail_msg("not JSON (%ld): %.200s", r->code, r->body);
    return o;
}

/* Asserts the status and, for errors, a JSON {"error": "..."} body. */
static void expect(reply r, long code, const char *what)
{
    if (r.code != code) fail_msg("%s: status %ld, want %ld: %.300s", what, r.code, code, r.body);
    if (code >= 400 && code != 416) {
        cJSON *o = json_of(&r);
        const cJSON *e = cJSON_GetObjectItem(o, "error");
        if (!cJSON_IsString(e) || !e->valuestring[0]) fail_msg("%s: no JSON error: %s", what, r.body);
        cJSON_Delete(o);
    }
    free(r.body);
}

/* expect() on a project route: METHOD /projects/{id}/{sub}. */
static void check(const char *method, const char *id, const char *sub, long code, const char *what)
{
    char path[512];
    snprintf(path, sizeof path, "/projects/%s/%s", id, sub);
    expect(http(method, path, NULL, NULL, NULL), code, what);
}

static int setup(void **state)
{
    (void)state;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (!shared_available()) return 0;
    const char *tmp = test_tmpdir("server");
    snprintf(lib, sizeof lib, "%s/lib", tmp);
    snprintf(data, sizeof data, "%s/data", tmp);
    snprintf(refwav, sizeof refwav, "%s/take.wav", tmp);
    snprintf(diwav, sizeof diwav, "%s/di.wav", tmp);
    snprintf(notaudio, sizeof notaudio, "%s/notes.wav", tmp);
    char p[8300];
    mkdir(lib, 0755);
    snprintf(p, sizeof p, "%s/nam_models", lib);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/cab_irs", lib);
    mkdir(p, 0755);
    link_shared(lib, "data/captures/jcm.nam", "nam_models", "jcm.nam");
    link_shared(lib, "data/captures/deluxe.nam", "nam_models", "deluxe.nam");
    link_shared(lib, "data/irs/celestion.wav", "cab_irs", "celestion.wav");
    r2r_index_report rep;
    if (r2r_index_build(lib, NULL, &rep) != R2R_OK) fail_msg("index: %s", r2r_last_error());
    /* a 6 s take: a real DI through jcm.nam and celestion.wav */
    r2r_audio a;
    assert_int_equal(r2r_audio_read(shared_path("data/di/power-guitar.wav"), R2R_READ_MONO, &a), R2R_OK);
    assert_int_equal(r2r_audio_resample(&a, R2R_SAMPLE_RATE), R2R_OK);
    const size_t n = 6 * R2R_SAMPLE_RATE;
    assert_true(a.frames > n);
    r2r_gain_apply(a.data, n, R2R_DI_PEAK_DBFS - r2r_lin_to_db(r2r_peak(a.data, n)));
    assert_int_equal(r2r_audio_write_wav(diwav, a.data, n, 1, R2R_SAMPLE_RATE), R2R_OK); /* the take's own DI */
    r2r_amp *amp;
    float *ir, *y = malloc(n * sizeof(float));
    size_t irn;
    assert_int_equal(r2r_amp_open(shared_path("data/captures/jcm.nam"), &amp), R2R_OK);
    assert_int_equal(r2r_amp_render(amp, a.data, a.data, n), R2R_OK);
    assert_int_equal(r2r_ir_load(shared_path("data/irs/celestion.wav"), &ir, &irn), R2R_OK);
    assert_int_equal(r2r_convolve(a.data, n, ir, irn, y), R2R_OK);
    r2r_gain_apply(y, n, -6.0 - r2r_lin_to_db(r2r_peak(y, n)));
    assert_int_equal(r2r_audio_write_wav(refwav, y, n, 1, R2R_SAMPLE_RATE), R2R_OK);
    r2r_amp_free(amp);
    free(ir), free(y);
    r2r_audio_free(&a);
    FILE *f = fopen(notaudio, "w");
    fputs("RIFF but really just some notes about the session\n", f);
    fclose(f);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    curl_global_cleanup();
    return 0;
}

static r2r_server *start(size_t max_upload, int workers)
{
    r2r_server_options o;
    memset(&o, 0, sizeof o);
    o.library = lib, o.data_dir = data, o.max_upload = max_upload, o.workers = workers;
    o.web_dir = R2R_SOURCE_DIR "/web";
    r2r_server *s = NULL;
    if (r2r_server_start(&o, &s) != R2R_OK) fail_msg("start: %s", r2r_last_error());
    port = r2r_server_port(s);
    assert_true(port > 0);
    return s;
}

static char *new_project(const char *name)
{
    char body[256];
    snprintf(body, sizeof body, "{\"name\": \"%s\"}", name);
    reply r = http("POST", "/projects", body, NULL, NULL);
    assert_int_equal(r.code, 201);
    cJSON *o = json_of(&r);
    char *id = strdup(cJSON_GetObjectItem(o, "id")->valuestring);
    assert_string_equal(cJSON_GetObjectItem(o, "name")->valuestring, name);
    cJSON_Delete(o);
    free(r.body);
    return id;
}

/* Polls a task to its end; returns its final JSON. Progress never goes back. */
static cJSON *wait_task(const char *id, long task)
{
    char path[256];
    snprintf(path, sizeof path, "/projects/%s/tasks/%ld", id, task);
    double last = -1;
    for (int i = 0; i < 1200; i++) {
        reply r = http("GET", path, NULL, NULL, NULL);
        assert_int_equal(r.code, 200);
        cJSON *o = json_of(&r);
        free(r.body);
        const char *st = cJSON_GetObjectItem(o, "status")->valuestring;
        const double pr = cJSON_GetObjectItem(o, "progress")->valuedouble;
        assert_true(pr >= last - 1e-9 && pr >= 0 && pr <= 1);
        last = pr;
        if (!strcmp(st, "completed") || !strcmp(st, "failed")) return o;
        cJSON_Delete(o);
        usleep(250000);
    }
    fail_msg("task %ld did not finish", task);
    return NULL;
}

static long post_task(const char *id, const char *kind, long want)
{
    char path[256];
    snprintf(path, sizeof path, "/projects/%s/%s", id, kind);
    reply r = http("POST", path, NULL, NULL, NULL);
    if (r.code != want) fail_msg("POST %s: %ld (%s)", path, r.code, r.body);
    long t = -1;
    if (want == 202) {
        cJSON *o = json_of(&r);
        t = (long)cJSON_GetObjectItem(o, "task_id")->valuedouble;
        cJSON_Delete(o);
    }
    free(r.body);
    return t;
}

static void test_flow(void **state)
{
    (void)state;
    if (!shared_available()) {
        shared_path("x"); /* skips, or fails under CI */
        return;
    }
    r2r_server *s = start(0, 1);
    expect(http("GET", "/health", NULL, NULL, NULL), 200, "health");
    char *id = new_project("Song A");
    char path[512];
    check("POST", id, "match", 400, "match before import");
    snprintf(path, sizeof path, "/projects/%s/import", id);
    reply r = http("POST", path, NULL, refwav, NULL);
    assert_int_equal(r.code, 200);
    cJSON *o = json_of(&r);
    assert_true(fabs(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "source"), "duration_s")->valuedouble - 6.0) < 1e-6);
    cJSON_Delete(o);
    free(r.body);

    /* the player's DI: matches then search with it */
    snprintf(path, sizeof path, "/projects/%s/di", id);
    r = http("POST", path, NULL, diwav, NULL);
    assert_int_equal(r.code, 200);
    o = json_of(&r);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(o, "di")));
    cJSON_Delete(o);
    free(r.body);
    check("GET", id, "audio/di", 200, "the DI");
    expect(http("POST", path, NULL, notaudio, NULL), 400, "a DI that is not audio");
    post_task(id, "match?di_guitar=banjo", 400); /* what the DI is: auto, same or other */

    const long t = post_task(id, "match", 202);
    post_task(id, "match", 409); /* one match at a time per project */
    cJSON *done = wait_task(id, t);
    if (strcmp(cJSON_GetObjectItem(done, "status")->valuestring, "completed"))
        fail_msg("match failed: %s", cJSON_PrintUnformatted(done));
    assert_true(cJSON_GetObjectItem(done, "progress")->valuedouble == 1.0);
    cJSON_Delete(done);

    snprintf(path, sizeof path, "/projects/%s/results", id);
    r = http("GET", path, NULL, NULL, NULL);
    assert_int_equal(r.code, 200);
    o = json_of(&r);
    const cJSON *cands = cJSON_GetObjectItem(o, "candidates");
    assert_int_equal(cJSON_GetArraySize(cands), 3);
    assert_non_null(cJSON_GetObjectItem(cJSON_GetArrayItem(cands, 0), "eq"));
    /* with the DI, the leading capture was verified with it, and it is the true one */
    const cJSON *top = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "retrieval"), "captures"), 0);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(top, "verified")));
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetArrayItem(cands, 0), "capture"), "name")->valuestring,
                        "jcm.nam");
    assert_true(cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "retrieval"), "captures")) >= 2);
    cJSON_Delete(o);
    free(r.body);

    /* audio: whole, ranges (bytes equal to the file's), and an unsatisfiable one */
    char file[8400];
    snprintf(file, sizeof file, "%s/projects/%s/match/preview_balanced.wav", data, id);
    size_t flen = 0;
    char *bytes = read_file(file, &flen);
    assert_non_null(bytes);
    snprintf(path, sizeof path, "/projects/%s/audio/match_balanced", id);
    r = http("GET", path, NULL, NULL, NULL);
    assert_int_equal(r.code, 200);
    assert_int_equal(r.len, flen);
    assert_non_null(strcasestr(r.headers, "Accept-Ranges: bytes"));
    assert_non_null(strcasestr(r.headers, "Content-Type: audio/wav"));
    free(r.body);
    r = http("GET", path, NULL, NULL, "100-1099");
    assert_int_equal(r.code, 206);
    assert_int_equal(r.len, 1000);
    assert_memory_equal(r.body, bytes + 100, 1000);
    char cr[128];
    snprintf(cr, sizeof cr, "Content-Range: bytes 100-1099/%zu", flen);
    assert_non_null(strcasestr(r.headers, cr));
    free(r.body);
    r = http("GET", path, NULL, NULL, "-500");
    assert_int_equal(r.code, 206);
    assert_int_equal(r.len, 500);
    assert_memory_equal(r.body, bytes + flen - 500, 500);
    free(r.body);
    char big[64];
    snprintf(big, sizeof big, "%zu-", flen + 10);
    expect(http("GET", path, NULL, NULL, big), 416, "range past the end");
    free(bytes);
    check("GET", id, "audio/source", 200, "source audio");
    check("GET", id, "audio/isolated", 200, "isolated audio");
    check("GET", id, "audio/match_louder", 404, "unknown flavor");

    /* downloads and spectra */
    snprintf(path, sizeof path, "/projects/%s/recipe", id);
    r = http("GET", path, NULL, NULL, NULL);
    assert_int_equal(r.code, 200);
    assert_non_null(strcasestr(r.headers, "attachment"));
    o = json_of(&r);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o, "candidates")), 3);
    cJSON_Delete(o);
    free(r.body);
    snprintf(path, sizeof path, "/projects/%s/recipe.md", id);
    r = http("GET", path, NULL, NULL, NULL);
    assert_int_equal(r.code, 200);
    assert_non_null(strstr(r.body, "# Rig recipe"));
    free(r.body);
    snprintf(path, sizeof path, "/projects/%s/eq/brighter.txt", id);
    r = http("GET", path, NULL, NULL, NULL);
    assert_int_equal(r.code, 200);
    assert_non_null(strstr(r.body, "Filter 1: ON"));
    free(r.body);
    snprintf(path, sizeof path, "/projects/%s/spectra", id);
    r = http("GET", path, NULL, NULL, NULL);
    assert_int_equal(r.code, 200);
    o = json_of(&r);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o, "reference")), cJSON_GetArraySize(cJSON_GetObjectItem(o, "hz")));
    assert_non_null(cJSON_GetObjectItem(o, "thicker"));
    cJSON_Delete(o);
    {
        /* computed once when the match finished: the route serves that file */
        char sp[4400];
        snprintf(sp, sizeof sp, "%s/projects/%s/match/spectra.json", data, id);
        char *cached = read_file(sp, NULL);
        assert_non_null(cached);
        assert_string_equal(cached, r.body);
        free(cached);
    }
    free(r.body);

    /* isolation as its own task */
    const long ti = post_task(id, "isolate", 202);
    done = wait_task(id, ti);
    assert_string_equal(cJSON_GetObjectItem(done, "status")->valuestring, "completed");
    assert_non_null(strstr(cJSON_GetObjectItem(done, "message")->valuestring, "confidence"));
    cJSON_Delete(done);

    /* the DI said to be another guitar: the match runs from the reference alone, the DI
     * plays the previews (recipe.json "di") */
    const long tg = post_task(id, "match?di_guitar=other", 202);
    done = wait_task(id, tg);
    assert_string_equal(cJSON_GetObjectItem(done, "status")->valuestring, "completed");
    cJSON_Delete(done);
    snprintf(path, sizeof path, "/projects/%s/recipe", id);
    r = http("GET", path, NULL, NULL, NULL);
    assert_int_equal(r.code, 200);
    o = json_of(&r);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "di"), "guitar")->valuestring, "other");
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "di"), "role")->valuestring, "previews");
    cJSON_Delete(o);
    free(r.body);

    /* listed, described, deleted */
    r = http("GET", "/projects", NULL, NULL, NULL);
    assert_int_equal(r.code, 200);
    assert_non_null(strstr(r.body, id));
    free(r.body);
    snprintf(path, sizeof path, "/projects/%s", id);
    r = http("GET", path, NULL, NULL, NULL);
    o = json_of(&r);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(o, "has_results")));
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o, "tasks")), 3); /* two matches, one isolation */
    cJSON_Delete(o);
    free(r.body);
    r = http("DELETE", path, NULL, NULL, NULL);
    assert_int_equal(r.code, 204);
    free(r.body);
    expect(http("GET", path, NULL, NULL, NULL), 404, "deleted project");
    snprintf(file, sizeof file, "%s/projects/%s", data, id);
    struct stat st;
    assert_int_not_equal(stat(file, &st), 0);

    /* the page */
    r = http("GET", "/", NULL, NULL, NULL);
    assert_int_equal(r.code, 200);
    assert_non_null(strstr(r.body, "Reference-to-Rig"));
    assert_non_null(strcasestr(r.headers, "text/html"));
    free(r.body);
    expect(http("GET", "/app.js", NULL, NULL, NULL), 200, "script");
    free(id);
    r2r_server_stop(s);
}

static void test_bad_requests(void **state)
{
    (void)state;
    if (!shared_available()) {
        shared_path("x");
        return;
    }
    r2r_server *s = start(64 * 1024, 1); /* a 64 KB upload limit */
    char *id = new_project("Bad");
    char path[512];
    expect(http("GET", "/nope", NULL, NULL, NULL), 404, "unknown route");
    expect(http("POST", "/health", NULL, NULL, NULL), 405, "POST health");
    expect(http("PUT", "/projects", NULL, NULL, NULL), 405, "PUT projects");
    expect(http("POST", "/projects", "{\"name\": ", NULL, NULL), 400, "truncated JSON");
    expect(http("POST", "/projects", "[1, 2]", NULL, NULL), 400, "JSON array");
    expect(http("POST", "/projects", "{\"name\": 5}", NULL, NULL), 400, "name not a string");
    expect(http("GET", "/projects/0123456789abcdef", NULL, NULL, NULL), 404, "unknown project");
    expect(http("GET", "/projects/XYZ", NULL, NULL, NULL), 404, "malformed id");
    expect(http("GET", "/projects/../../etc/passwd", NULL, NULL, NULL), 404, "traversal");
    expect(http("GET", "/projects/%2e%2e%2f%2e%2e%2fetc%2fpasswd", NULL, NULL, NULL), 404, "encoded traversal");
    check("GET", id, "audio/..%2f..%2fr2r.sqlite", 404, "audio traversal");
    expect(http("GET", "/..%2f..%2fetc%2fpasswd", NULL, NULL, NULL), 404, "web traversal");
    expect(http("GET", "/.hidden", NULL, NULL, NULL), 404, "hidden file");
    check("GET", id, "tasks/abc", 404, "task id not a number");
    check("GET", id, "tasks/99999", 404, "unknown task");
    check("GET", id, "results", 404, "no results yet");
    check("GET", id, "recipe.md", 404, "no recipe yet");
    check("GET", id, "isolate", 405, "GET isolate");
    check("POST", id, "isolate", 400, "isolate before import");
    /* uploads: not audio, no file field, not multipart, over the limit */
    snprintf(path, sizeof path, "/projects/%s/import", id);
    expect(http("POST", path, NULL, notaudio, NULL), 400, "not audio");
    expect(http("POST", path, "{\"file\": 1}", NULL, NULL), 400, "JSON instead of multipart");
    expect(http("POST", path, NULL, refwav, NULL), 413, "over the upload limit");
    r2r_server_stop(s);
    /* nothing half-written stays behind */
    char cmd[8400];
    snprintf(cmd, sizeof cmd, "ls '%s' | grep -c upload- || true", data);
    FILE *p = popen(cmd, "r");
    int left = -1;
    assert_int_equal(fscanf(p, "%d", &left), 1);
    pclose(p);
    assert_int_equal(left, 0);
    free(id);
}

/* A restart keeps projects and results; a task left queued is reported interrupted. */
static void test_restart(void **state)
{
    (void)state;
    if (!shared_available()) {
        shared_path("x");
        return;
    }
    r2r_server *s = start(0, 1);
    char *a = new_project("Kept"), *b = new_project("Queued");
    char path[512];
    snprintf(path, sizeof path, "/projects/%s/import", a);
    expect(http("POST", path, NULL, refwav, NULL), 200, "import a");
    snprintf(path, sizeof path, "/projects/%s/import", b);
    expect(http("POST", path, NULL, refwav, NULL), 200, "import b");
    const long ta = post_task(a, "match", 202);
    cJSON_Delete(wait_task(a, ta));
    const long t1 = post_task(a, "match", 202); /* runs on the one worker... */
    const long t2 = post_task(b, "isolate", 202); /* ...while this one waits */
    r2r_server_stop(s);                          /* the running one finishes, the queued one does not */
    s = start(0, 1);
    check("GET", a, "results", 200, "results kept");
    snprintf(path, sizeof path, "/projects/%s/tasks/%ld", b, t2);
    reply r = http("GET", path, NULL, NULL, NULL);
    cJSON *o = json_of(&r);
    assert_string_equal(cJSON_GetObjectItem(o, "status")->valuestring, "failed");
    assert_non_null(strstr(cJSON_GetObjectItem(o, "error")->valuestring, "interrupted"));
    cJSON_Delete(o);
    free(r.body);
    snprintf(path, sizeof path, "/projects/%s/tasks/%ld", a, t1);
    r = http("GET", path, NULL, NULL, NULL);
    o = json_of(&r);
    assert_string_not_equal(cJSON_GetObjectItem(o, "status")->valuestring, "running");
    cJSON_Delete(o);
    free(r.body);
    /* and it can be started again */
    const long t3 = post_task(b, "isolate", 202);
    o = wait_task(b, t3);
    assert_string_equal(cJSON_GetObjectItem(o, "status")->valuestring, "completed");
    cJSON_Delete(o);
    r2r_server_stop(s);
    free(a), free(b);
}

typedef struct {
    const char *path;
    int ok;
} client_job;

static void *client(void *arg)
{
    client_job *j = arg;
    for (int i = 0; i < 20; i++) {
        reply r = http("GET", i % 2 ? j->path : "/health", NULL, NULL, NULL);
        j->ok += r.code == 200;
        free(r.body);
    }
    return NULL;
}

/* 50 clients at once on health and results; then malformed raw requests. */
static void test_load_and_garbage(void **state)
{
    (void)state;
    if (!shared_available()) {
        shared_path("x");
        return;
    }
    r2r_server *s = start(0, 1);
    char *id = new_project("Load");
    char path[512];
    snprintf(path, sizeof path, "/projects/%s/import", id);
    expect(http("POST", path, NULL, refwav, NULL), 200, "import");
    cJSON_Delete(wait_task(id, post_task(id, "match", 202)));
    snprintf(path, sizeof path, "/projects/%s/results", id);
    pthread_t th[50];
    client_job jobs[50];
    for (int i = 0; i < 50; i++) {
        jobs[i] = (client_job){path, 0};
        assert_int_equal(pthread_create(&th[i], NULL, client, &jobs[i]), 0);
    }
    int ok = 0;
    for (int i = 0; i < 50; i++) pthread_join(th[i], NULL), ok += jobs[i].ok;
    assert_int_equal(ok, 50 * 20);

    static const char *const raw[] = {
        "GARBAGE\r\n\r\n",
        "GET\r\n\r\n",
        "GET / HTTP/9.9\r\n\r\n",
        "BREW /coffee HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /projects HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
        "POST /projects HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n{",
        "POST /projects HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nnope\r\n",
        "POST /projects/0123456789abcdef/import HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; "
        "boundary=b\r\nContent-Length: 40\r\n\r\n--b\r\nContent-Disposition: form-da",
        "GET /projects/%zz%00 HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /\x01\x02\xff HTTP/1.1\r\nHost: x\r\n\r\n",
    };
    uint64_t seed = 99;
    for (int k = 0; k < 60; k++) {
        char buf[2048];
        size_t len;
        if (k < (int)(sizeof raw / sizeof raw[0])) {
            len = strlen(raw[k]);
            memcpy(buf, raw[k], len);
        } else { /* random bytes after a plausible start */
            len = (size_t)snprintf(buf, sizeof buf, "POST /projects/%s/import HTTP/1.1\r\nHost: x\r\n", id);
            for (int i = 0; i < 400; i++) {
                seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
                buf[len++] = (char)(seed >> 56);
            }
        }
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in sa = {0};
        sa.sin_family = AF_INET;
        sa.sin_port = htons((uint16_t)port);
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
        struct timeval tv = {2, 0};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        if (write(fd, buf, len) < 0) { /* the server may hang up first: fine */
        }
        shutdown(fd, SHUT_WR);
        char in[512];
        while (read(fd, in, sizeof in) > 0) {
        }
        close(fd);
    }
    expect(http("GET", "/health", NULL, NULL, NULL), 200, "still alive");
    r2r_server_stop(s);
    free(id);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flow),
        cmocka_unit_test(test_bad_requests),
        cmocka_unit_test(test_restart),
        cmocka_unit_test(test_load_and_garbage),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
