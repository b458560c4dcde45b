/* Catalog (SQLite) and vector index (FAISS) building blocks: content hashes,
 * upserts, renames, pruning, invalidation, and exact top-k from the FAISS file. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "r2r/catalog.h"
#include "r2r/vindex.h"

static void test_sha256(void **state)
{
    (void)state;
    char p[4200];
    snprintf(p, sizeof p, "%s/abc.txt", test_tmpdir("catalog"));
    FILE *f = fopen(p, "wb");
    fputs("abc", f);
    fclose(f);
    char hex[65];
    assert_int_equal(r2r_sha256_file(p, hex), R2R_OK);
    /* FIPS 180-2 test vector for "abc". */
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_int_not_equal(r2r_sha256_file("/nonexistent/x", hex), R2R_OK);
}

static void test_catalog_roundtrip(void **state)
{
    (void)state;
    char db[4200];
    snprintf(db, sizeof db, "%s/cat.sqlite", test_tmpdir("catalog"));
    unlink(db);
    r2r_catalog *cat;
    assert_int_equal(r2r_catalog_open(db, &cat), R2R_OK);
    float payload[4] = {1, 2, 3, 4};
    r2r_entry e = {0};
    e.kind = R2R_ENTRY_CAPTURE;
    strcpy(e.hash, "aa");
    e.path = "nam_models/a b [x]@1,2.nam";
    e.name = "a b";
    e.architecture = "WaveNet";
    e.sample_rate = 48000;
    e.status = R2R_STATUS_INDEXED;
    e.data = payload;
    e.data_size = sizeof payload;
    assert_int_equal(r2r_catalog_begin(cat), R2R_OK);
    assert_int_equal(r2r_catalog_put(cat, &e), R2R_OK);
    e.path = "nam_models/broken.nam";
    strcpy(e.hash, "bb");
    e.status = R2R_STATUS_FAILED;
    e.error = "unsupported architecture";
    e.data = NULL;
    e.data_size = 0;
    assert_int_equal(r2r_catalog_put(cat, &e), R2R_OK);
    assert_int_equal(r2r_catalog_commit(cat), R2R_OK);

    r2r_entry got;
    int found;
    assert_int_equal(r2r_catalog_find_hash(cat, R2R_ENTRY_CAPTURE, "aa", 1, &got, &found), R2R_OK);
    assert_true(found);
    assert_string_equal(got.path, "nam_models/a b [x]@1,2.nam");
    assert_int_equal(got.data_size, sizeof payload);
    assert_memory_equal(got.data, payload, sizeof payload);
    assert_non_null(got.indexed_at);
    r2r_entry_clear(&got);
    assert_int_equal(r2r_catalog_find_hash(cat, R2R_ENTRY_IR, "aa", 0, &got, &found), R2R_OK);
    assert_false(found);

    /* Settings persist across reopen. */
    assert_int_equal(r2r_catalog_set_setting(cat, "probes", "v1"), R2R_OK);
    r2r_catalog_close(cat);
    assert_int_equal(r2r_catalog_open(db, &cat), R2R_OK);
    char *v;
    assert_int_equal(r2r_catalog_get_setting(cat, "probes", &v), R2R_OK);
    assert_string_equal(v, "v1");
    free(v);

    r2r_entry *list;
    size_t n;
    assert_int_equal(r2r_catalog_list(cat, R2R_ENTRY_CAPTURE, 0, &list, &n), R2R_OK);
    assert_int_equal(n, 2);
    assert_int_equal(list[1].status, R2R_STATUS_FAILED);
    assert_string_equal(list[1].error, "unsupported architecture");
    r2r_entry_list_free(list, n);

    /* A removed file leaves the catalog. */
    char *keep[] = {"nam_models/a b [x]@1,2.nam"};
    size_t removed;
    assert_int_equal(r2r_catalog_prune(cat, R2R_ENTRY_CAPTURE, keep, 1, &removed), R2R_OK);
    assert_int_equal(removed, 1);
    assert_int_equal(r2r_catalog_invalidate(cat), R2R_OK);
    assert_int_equal(r2r_catalog_list(cat, R2R_ENTRY_CAPTURE, 1, &list, &n), R2R_OK);
    assert_int_equal(n, 1);
    assert_int_equal(list[0].status, R2R_STATUS_PENDING);
    assert_null(list[0].data);
    r2r_entry_list_free(list, n);
    r2r_catalog_close(cat);

    /* A file that is not a database is a clear error. */
    char bad[4200];
    snprintf(bad, sizeof bad, "%s/notdb.sqlite", test_tmpdir("catalog"));
    FILE *f = fopen(bad, "wb");
    fputs("definitely not sqlite, just text that is long enough to be a header....", f);
    fclose(f);
    assert_int_not_equal(r2r_catalog_open(bad, &cat), R2R_OK);
    assert_true(strlen(r2r_last_error()) > 0);
}

static void test_vindex(void **state)
{
    (void)state;
    const int dim = 155;
    const size_t n = 50;
    float *v = malloc(n * dim * sizeof(float));
    srand(3);
    for (size_t i = 0; i < n; i++) {
        double norm = 0;
        for (int d = 0; d < dim; d++) {
            v[i * dim + d] = (float)rand() / RAND_MAX - 0.5f;
            norm += v[i * dim + d] * v[i * dim + d];
        }
        for (int d = 0; d < dim; d++) v[i * dim + d] /= (float)sqrt(norm);
    }
    char p[4200];
    snprintf(p, sizeof p, "%s/captures.faiss", test_tmpdir("catalog"));
    assert_int_equal(r2r_vindex_write(p, dim, n, v), R2R_OK);
    size_t nn;
    int dd;
    assert_int_equal(r2r_vindex_info(p, &nn, &dd), R2R_OK);
    assert_int_equal(nn, n);
    assert_int_equal(dd, dim);
    int64_t ids[10];
    float sc[10];
    int found;
    /* The query equal to row 17 finds row 17 first with score 1; the rest in order. */
    assert_int_equal(r2r_vindex_search(p, v + 17 * dim, dim, 10, ids, sc, &found), R2R_OK);
    assert_int_equal(found, 10);
    assert_int_equal(ids[0], 17);
    assert_float_equal(sc[0], 1.0, 1e-5);
    for (int i = 1; i < found; i++) {
        assert_true(sc[i] <= sc[i - 1] + 1e-6f);
        double dot = 0;
        for (int d = 0; d < dim; d++) dot += (double)v[17 * dim + d] * v[ids[i] * dim + d];
        assert_float_equal(sc[i], dot, 1e-4);
    }
    assert_int_not_equal(r2r_vindex_search(p, v, 12, 3, ids, sc, &found), R2R_OK);
    /* Corrupt file. */
    FILE *f = fopen(p, "r+b");
    fseek(f, 0, SEEK_SET);
    fputs("XXXX", f);
    fclose(f);
    assert_int_not_equal(r2r_vindex_info(p, &nn, &dd), R2R_OK);
    free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256),
        cmocka_unit_test(test_catalog_roundtrip),
        cmocka_unit_test(test_vindex),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
