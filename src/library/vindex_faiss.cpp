// The one C++ file: a C bridge to FAISS (Debian's libfaiss ships no C API).
// Every FAISS exception becomes an r2r status with a message; nothing escapes into C.
#include "r2r/vindex.h"

#include <faiss/IndexFlat.h>
#include <faiss/index_io.h>

#include <cstdio>
#include <exception>
#include <memory>
#include <string>
#include <unistd.h>
#include <vector>

extern "C" r2r_status r2r_vindex_write(const char *path, int dim, size_t n, const float *vectors)
{
    if (dim <= 0) return r2r_fail(R2R_ERR_INPUT, "vector index %s: invalid dimension %d", path, dim);
    std::string tmp = std::string(path) + "." + std::to_string(getpid()) + ".tmp";
    try {
        faiss::IndexFlatIP index(dim);
        if (n) index.add((faiss::Index::idx_t)n, vectors);
        faiss::write_index(&index, tmp.c_str());
    } catch (const std::exception &e) {
        std::remove(tmp.c_str());
        return r2r_fail(R2R_ERR_IO, "vector index %s: %s", path, e.what());
    }
    if (std::rename(tmp.c_str(), path) != 0) {
        std::remove(tmp.c_str());
        return r2r_fail(R2R_ERR_IO, "vector index %s: cannot rename into place", path);
    }
    return R2R_OK;
}

static r2r_status load(const char *path, std::unique_ptr<faiss::Index> &out)
{
    try {
        out.reset(faiss::read_index(path));
    } catch (const std::exception &e) {
        return r2r_fail(R2R_ERR_INPUT, "vector index %s: %s", path, e.what());
    }
    return R2R_OK;
}

extern "C" r2r_status r2r_vindex_search(const char *path, const float *query, int dim, int k,
                                        int64_t *ids, float *scores, int *found)
{
    *found = 0;
    std::unique_ptr<faiss::Index> index;
    r2r_status s = load(path, index);
    if (s != R2R_OK) return s;
    if (index->d != dim)
        return r2r_fail(R2R_ERR_INPUT, "vector index %s: dimension %d, query has %d", path,
                        (int)index->d, dim);
    if (k <= 0 || index->ntotal == 0) return R2R_OK;
    int kk = (int)std::min<faiss::Index::idx_t>(k, index->ntotal);
    std::vector<faiss::Index::idx_t> labels((size_t)kk);
    std::vector<float> dist((size_t)kk);
    try {
        index->search(1, query, kk, dist.data(), labels.data());
    } catch (const std::exception &e) {
        return r2r_fail(R2R_ERR_INTERNAL, "vector index %s: %s", path, e.what());
    }
    for (int i = 0; i < kk; i++) {
        ids[i] = (int64_t)labels[(size_t)i];
        scores[i] = dist[(size_t)i];
    }
    *found = kk;
    return R2R_OK;
}

extern "C" r2r_status r2r_vindex_info(const char *path, size_t *n, int *dim)
{
    std::unique_ptr<faiss::Index> index;
    r2r_status s = load(path, index);
    if (s != R2R_OK) return s;
    *n = (size_t)index->ntotal;
    *dim = (int)index->d;
    return R2R_OK;
}
