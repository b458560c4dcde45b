/* `r2r serve`: the seed's REST API over libmicrohttpd, state in SQLite under a data
 * folder (projects, tasks, results; WAL), isolation and matching as background tasks
 * on a small worker pool, and the web page. */
#ifndef R2R_SERVER_H
#define R2R_SERVER_H

#include <stddef.h>

#include "r2r/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    const char *library;  /* indexed library matches run against (NULL: match tasks fail, saying so) */
    const char *data_dir; /* created if missing: r2r.sqlite and projects/<id>/ */
    const char *host;     /* IPv4 address to bind; NULL: 127.0.0.1 */
    const char *web_dir;  /* the page's files; NULL: the source tree's web/ */
    int port;             /* 0: any free port (see r2r_server_port) */
    int workers;          /* task threads; <= 0: cores - 1, at least 1 */
    size_t max_upload;    /* bytes; 0: 200 MB */
} r2r_server_options;

typedef struct r2r_server r2r_server;

/* Opens the store (tasks a previous run left running are marked failed), starts the
 * workers and listens. Returns at once; the server runs on its own threads. */
r2r_status r2r_server_start(const r2r_server_options *opt, r2r_server **out);
int r2r_server_port(const r2r_server *s);
/* Stops listening, lets running tasks finish, frees everything. */
void r2r_server_stop(r2r_server *s);

#ifdef __cplusplus
}
#endif
#endif
