/* `r2r index info`: the catalog's view of a library as JSON (indexed counts,
 * failures with their reasons, pending entries, probe set and gain grid). */
#include "r2r/index.h"
#include "r2r/library.h"
#include "r2r/catalog.h"
#include "r2r/constants.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

static cJSON *kind_json(r2r_catalog *cat, r2r_entry_kind kind, r2r_status *s)
{
    r2r_entry *list = NULL;
    size_t n = 0;
    *s = r2r_catalog_list(cat, kind, 0, &list, &n);
    cJSON *o = cJSON_CreateObject();
    size_t indexed = 0, pending = 0;
    cJSON *failed = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++) {
        if (list[i].status == R2R_STATUS_INDEXED) indexed++;
        else if (list[i].status == R2R_STATUS_PENDING) pending++;
        else {
            cJSON *f = cJSON_CreateObject();
            cJSON_AddStringToObject(f, "path", list[i].path ? list[i].path : "");
            cJSON_AddStringToObject(f, "error", list[i].error ? list[i].error : "unknown error");
            cJSON_AddItemToArray(failed, f);
        }
    }
    cJSON_AddNumberToObject(o, "indexed", (double)indexed);
    cJSON_AddItemToObject(o, "failed", failed);
    cJSON_AddNumberToObject(o, "pending", (double)pending);
    cJSON_AddNumberToObject(o, "total", (double)n);
    r2r_entry_list_free(list, n);
    return o;
}

r2r_status r2r_index_info_json(const char *root, char **json)
{
    *json = NULL;
    r2r_status s = r2r_library_check_indexed(root);
    if (s != R2R_OK) return s;
    char *dbp = r2r_library_state_path(root, "catalog.sqlite");
    if (!dbp) return r2r_fail(R2R_ERR_NOMEM, "out of memory");
    r2r_catalog *cat;
    s = r2r_catalog_open(dbp, &cat);
    free(dbp);
    if (s != R2R_OK) return s;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "library", root);
    cJSON_AddItemToObject(o, "captures", kind_json(cat, R2R_ENTRY_CAPTURE, &s));
    if (s == R2R_OK) cJSON_AddItemToObject(o, "irs", kind_json(cat, R2R_ENTRY_IR, &s));
    const double gains[R2R_INDEX_N_GAINS] = R2R_INDEX_GAINS_DB;
    cJSON_AddItemToObject(o, "gains_db", cJSON_CreateDoubleArray(gains, R2R_INDEX_N_GAINS));
    char *fp = NULL;
    if (s == R2R_OK) s = r2r_catalog_get_setting(cat, "probe_fingerprint", &fp);
    char *src = NULL;
    if (s == R2R_OK) s = r2r_catalog_get_setting(cat, "probe_source", &src);
    cJSON *pr = cJSON_AddObjectToObject(o, "probes");
    cJSON_AddStringToObject(pr, "fingerprint", fp ? fp : "");
    cJSON_AddStringToObject(pr, "source", src ? src : "");
    free(fp);
    free(src);
    r2r_catalog_close(cat);
    if (s == R2R_OK) {
        *json = cJSON_Print(o);
        if (!*json) s = r2r_fail(R2R_ERR_NOMEM, "out of memory");
    }
    cJSON_Delete(o);
    return s;
}
