/* Recipe files shared by the matcher and `r2r render` (internal). */
#ifndef R2R_MATCH_RECIPE_H
#define R2R_MATCH_RECIPE_H

#include <cjson/cJSON.h>

#include "r2r/amp.h"
#include "r2r/audio.h"
#include "r2r/dsp.h"

/* recipe.md from the recipe.json tree (malloc'd text). */
char *r2r_recipe_markdown(const cJSON *root);

/* A DI as every chain takes it: mono, 48 kHz, its sample peak at R2R_DI_PEAK_DBFS (the
 * level an input gain refers to); a silent file is an error (a is then empty). */
r2r_status r2r_di_load(const char *path, r2r_audio *a);

/* di (at that level) × gain → capture → IR (NULL: none) → EQ (NULL: flat), into out
 * (n samples): the chain of the previews, of `r2r render` and of the verification. */
r2r_status r2r_chain_render(r2r_amp *m, const float *ir, size_t irn, double gain_db, const r2r_eq *eq,
                            const float *di, size_t n, float *out);

#endif
