/* Finding a library's captures, IRs and probes on disk and attaching the seed-format
 * metadata.json entries to them (matched by file_path, then by file name). */
#include "r2r/library.h"
#include "r2r/fileutil.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

static int has_ext(const char *name, const char *ext)
{
    size_t n = strlen(name), e = strlen(ext);
    return n > e && !strcasecmp(name + n - e, ext);
}

static int cmp_file(const void *a, const void *b)
{
    return strcmp(((const r2r_lib_file *)a)->rel, ((const r2r_lib_file *)b)->rel);
}

static char *join(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *s = malloc(n);
    if (s) snprintf(s, n, "%s/%s", a, b);
    return s;
}

/* Regular files (or symlinks to them) in root/sub with extension ext. */
static r2r_status list_dir(const char *root, const char *sub, const char *ext,
                           r2r_lib_file **out, size_t *count)
{
    *out = NULL;
    *count = 0;
    char *dir = join(root, sub);
    if (!dir) return r2r_fail(R2R_ERR_NOMEM, "out of memory");
    DIR *d = opendir(dir);
    if (!d) {
        int e = errno;
        free(dir);
        if (e == ENOENT) return R2R_OK;
        return r2r_fail(R2R_ERR_IO, "%s/%s: %s", root, sub, strerror(e));
    }
    size_t cap = 0;
    struct dirent *de;
    r2r_status s = R2R_OK;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.' || !has_ext(de->d_name, ext)) continue;
        char *abs = join(dir, de->d_name);
        struct stat st;
        if (!abs || stat(abs, &st) != 0 || !S_ISREG(st.st_mode)) { /* stat follows symlinks */
            free(abs);
            continue;
        }
        if (*count == cap) {
            cap = cap ? 2 * cap : 32;
            r2r_lib_file *g = realloc(*out, cap * sizeof **out);
            if (!g) {
                free(abs);
                s = r2r_fail(R2R_ERR_NOMEM, "out of memory");
                break;
            }
            *out = g;
        }
        r2r_lib_file *f = &(*out)[(*count)++];
        f->abs = abs;
        f->rel = join(sub, de->d_name);
        f->meta = NULL;
    }
    closedir(d);
    free(dir);
    if (*count) qsort(*out, *count, sizeof **out, cmp_file);
    return s;
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* Attaches each metadata.json item of `arr` to the file it names. */
static void attach_meta(cJSON *arr, r2r_lib_file *files, size_t n)
{
    cJSON *item;
    cJSON_ArrayForEach(item, arr)
    {
        cJSON *fp = cJSON_GetObjectItemCaseSensitive(item, "file_path");
        if (!cJSON_IsObject(item) || !cJSON_IsString(fp)) continue;
        const char *want = fp->valuestring;
        for (size_t i = 0; i < n; i++) {
            int same = !strcmp(files[i].rel, want) ||
                       !strcmp(base_name(files[i].rel), base_name(want));
            if (same && !files[i].meta) {
                files[i].meta = cJSON_PrintUnformatted(item);
                break;
            }
        }
    }
}

static void free_files(r2r_lib_file *f, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(f[i].rel);
        free(f[i].abs);
        free(f[i].meta);
    }
    free(f);
}

r2r_status r2r_library_scan(const char *root, r2r_lib_scan *out)
{
    memset(out, 0, sizeof *out);
    struct stat st;
    if (stat(root, &st) != 0)
        return r2r_fail(R2R_ERR_IO, "library %s: %s", root, strerror(errno));
    if (!S_ISDIR(st.st_mode)) return r2r_fail(R2R_ERR_INPUT, "library %s: not a folder", root);
    out->root = strdup(root);
    r2r_status s = list_dir(root, "nam_models", ".nam", &out->captures, &out->n_captures);
    r2r_lib_file *presets = NULL;
    size_t n_presets = 0;
    if (s == R2R_OK) s = list_dir(root, "lv2_presets", ".json", &presets, &n_presets);
    if (s == R2R_OK && n_presets) { /* LV2 presets are captures like any other */
        r2r_lib_file *g = realloc(out->captures, (out->n_captures + n_presets) * sizeof *g);
        if (g) {
            memcpy(g + out->n_captures, presets, n_presets * sizeof *g);
            out->captures = g, out->n_captures += n_presets;
            qsort(out->captures, out->n_captures, sizeof *g, cmp_file);
            free(presets), presets = NULL, n_presets = 0;
        } else
            s = r2r_fail(R2R_ERR_NOMEM, "out of memory");
    }
    free_files(presets, n_presets);
    if (s == R2R_OK) s = list_dir(root, "cab_irs", ".wav", &out->irs, &out->n_irs);
    if (s == R2R_OK) s = list_dir(root, "probes", ".wav", &out->probes, &out->n_probes);
    if (s != R2R_OK) {
        r2r_library_scan_free(out);
        return s;
    }
    char *mpath = join(root, "metadata.json");
    struct stat mst;
    if (mpath && stat(mpath, &mst) == 0) {
        char *text = NULL;
        size_t len = 0;
        cJSON *doc = r2r_read_file(mpath, 64u << 20, &text, &len) == R2R_OK ? cJSON_Parse(text) : NULL;
        free(text);
        if (!doc || !cJSON_IsObject(doc)) {
            cJSON_Delete(doc);
            s = r2r_fail(R2R_ERR_INPUT, "%s: not a valid metadata JSON object", mpath);
            free(mpath);
            r2r_library_scan_free(out);
            return s;
        }
        attach_meta(cJSON_GetObjectItemCaseSensitive(doc, "nam_models"), out->captures,
                    out->n_captures);
        attach_meta(cJSON_GetObjectItemCaseSensitive(doc, "cab_irs"), out->irs, out->n_irs);
        cJSON_Delete(doc);
    }
    free(mpath);
    return R2R_OK;
}

void r2r_library_scan_free(r2r_lib_scan *s)
{
    if (!s) return;
    free_files(s->captures, s->n_captures);
    free_files(s->irs, s->n_irs);
    free_files(s->probes, s->n_probes);
    free(s->root);
    memset(s, 0, sizeof *s);
}

size_t r2r_library_count_files(const char *root, const char *sub, const char *ext)
{
    r2r_lib_file *f = NULL;
    size_t n = 0;
    list_dir(root, sub, ext, &f, &n); /* a folder that cannot be read holds none */
    free_files(f, n);
    return n;
}

r2r_status r2r_library_check_indexed(const char *root)
{
    struct stat st;
    if (!root || !*root) return r2r_fail(R2R_ERR_INPUT, "no library given");
    if (stat(root, &st) != 0) return r2r_fail(R2R_ERR_INPUT, "library %s: no such directory", root);
    if (!S_ISDIR(st.st_mode)) return r2r_fail(R2R_ERR_INPUT, "library %s is a file, not a library folder", root);
    char *dir = join(root, ".r2r"), *db = dir ? join(dir, "catalog.sqlite") : NULL;
    const int indexed = db && stat(db, &st) == 0 && S_ISREG(st.st_mode);
    free(dir), free(db);
    if (!db) return r2r_fail(R2R_ERR_NOMEM, "out of memory");
    return indexed ? R2R_OK
                   : r2r_fail(R2R_ERR_INPUT, "library %s has no index yet (run 'r2r index build %s')", root, root);
}

char *r2r_library_state_path(const char *root, const char *name)
{
    char *dir = join(root, ".r2r");
    if (!dir) return NULL;
    mkdir(dir, 0777);
    char *p = join(dir, name);
    free(dir);
    return p;
}
