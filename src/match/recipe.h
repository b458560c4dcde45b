/* Recipe files shared by the matcher and `r2r render` (internal). */
#ifndef R2R_MATCH_RECIPE_H
#define R2R_MATCH_RECIPE_H

#include <cjson/cJSON.h>

/* recipe.md from the recipe.json tree (malloc'd text). */
char *r2r_recipe_markdown(const cJSON *root);

#endif
