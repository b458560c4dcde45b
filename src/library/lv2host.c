/* A minimal offline LV2 host on lilv. guitarix plugins require urid:map and
 * worker:schedule; we run scheduled work synchronously, which is legal offline. */
#include "r2r/lv2.h"

#include <lilv/lilv.h>
#include <lv2/atom/atom.h>
#include <lv2/buf-size/buf-size.h>
#include <lv2/options/options.h>
#include <lv2/urid/urid.h>
#include <lv2/worker/worker.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BLOCK 256
#define ATOM_BUF 8192
#define MAX_URIDS 512

/* lilv's world is not thread-safe: one per process, every use under this lock. */
static pthread_mutex_t world_lock = PTHREAD_MUTEX_INITIALIZER;
static LilvWorld *world;

/* Some plugins keep state in statics shared by all their instances (guitarix's
 * jcm800pre turns to NaN when two instances run at once), so the instances of one
 * plugin run one at a time: a lock per plugin URI, taken around everything that
 * touches the plugin (instantiate, activate, run, free). Different plugins run in
 * parallel. Lock order everywhere: world, then plugin, then quiet. */
#define MAX_PLUGINS 128
static struct {
    char *uri;
    pthread_mutex_t lock;
} plugin_locks[MAX_PLUGINS];
static size_t n_plugin_locks;

/* Under world_lock. NULL when the table is full (then everything shares the last). */
static pthread_mutex_t *plugin_lock(const char *uri)
{
    for (size_t i = 0; i < n_plugin_locks; i++)
        if (!strcmp(plugin_locks[i].uri, uri)) return &plugin_locks[i].lock;
    if (n_plugin_locks == MAX_PLUGINS) return &plugin_locks[MAX_PLUGINS - 1].lock;
    char *copy = strdup(uri);
    if (!copy) return NULL;
    plugin_locks[n_plugin_locks].uri = copy;
    pthread_mutex_init(&plugin_locks[n_plugin_locks].lock, NULL);
    return &plugin_locks[n_plugin_locks++].lock;
}

typedef struct {
    char *uris[MAX_URIDS];
    size_t n;
    pthread_mutex_t lock;
} urid_table;

/* guitarix plugins chat on stdout ("using block size") and stderr (mlock) when they
 * are instantiated, activated and freed. Those calls run with both descriptors on
 * /dev/null (stdio buffers flushed on either side), one at a time, so the chatter
 * never lands in a CLI's output or a recipe printed on stdout. */
static pthread_mutex_t quiet_lock = PTHREAD_MUTEX_INITIALIZER;
static int quiet_saved[2] = {-1, -1};

static void quiet_begin(void)
{
    pthread_mutex_lock(&quiet_lock);
    fflush(stdout);
    fflush(stderr);
    int devnull = open("/dev/null", O_WRONLY);
    for (int fd = 1; fd <= 2; fd++) {
        quiet_saved[fd - 1] = dup(fd);
        if (devnull >= 0 && quiet_saved[fd - 1] >= 0) dup2(devnull, fd);
    }
    if (devnull >= 0) close(devnull);
}

static void quiet_end(void)
{
    fflush(stdout);
    fflush(stderr);
    for (int fd = 1; fd <= 2; fd++)
        if (quiet_saved[fd - 1] >= 0) {
            dup2(quiet_saved[fd - 1], fd);
            close(quiet_saved[fd - 1]);
            quiet_saved[fd - 1] = -1;
        }
    pthread_mutex_unlock(&quiet_lock);
}

static urid_table g_urids = {.n = 0, .lock = PTHREAD_MUTEX_INITIALIZER};

static LV2_URID map_uri(LV2_URID_Map_Handle h, const char *uri)
{
    (void)h;
    pthread_mutex_lock(&g_urids.lock);
    LV2_URID id = 0;
    for (size_t i = 0; i < g_urids.n; i++)
        if (!strcmp(g_urids.uris[i], uri)) id = (LV2_URID)(i + 1);
    if (!id && g_urids.n < MAX_URIDS) {
        g_urids.uris[g_urids.n++] = strdup(uri);
        id = (LV2_URID)g_urids.n;
    }
    pthread_mutex_unlock(&g_urids.lock);
    return id;
}

static const char *unmap_uri(LV2_URID_Unmap_Handle h, LV2_URID id)
{
    (void)h;
    pthread_mutex_lock(&g_urids.lock);
    const char *s = id >= 1 && id <= g_urids.n ? g_urids.uris[id - 1] : NULL;
    pthread_mutex_unlock(&g_urids.lock);
    return s;
}

typedef enum { PORT_CONTROL_IN, PORT_CONTROL_OUT, PORT_AUDIO_IN, PORT_AUDIO_OUT, PORT_ATOM_IN,
               PORT_ATOM_OUT, PORT_OTHER } port_kind;

struct r2r_lv2 {
    LilvInstance *inst;
    pthread_mutex_t *plock; /* this plugin's lock (see plugin_lock) */
    uint32_t last_block; /* length of the last run (0: none yet) */
    const LV2_Worker_Interface *worker;
    char *name;
    uint32_t nports;
    port_kind *kinds;
    float *values;        /* control port values (all ports, by index) */
    uint32_t *ctl_port;   /* control list index → port index */
    r2r_lv2_control *ctl;
    size_t nctl;
    float *audio_in, *audio_out, *scratch;
    uint32_t first_in, first_out;
    int has_in, has_out;
    void **atom_bufs;
    /* worker responses queued during run(), delivered after it */
    void *resp;
    uint32_t resp_size;
    int active;
    LV2_URID_Map map;
    LV2_URID_Unmap unmap;
    LV2_Worker_Schedule sched;
    LV2_Options_Option options[3];
    int32_t block_len;
    LV2_Feature f_map, f_unmap, f_sched, f_opts, f_bounded;
    const LV2_Feature *features[6];
    LV2_URID atom_sequence, atom_chunk;
};

/* Around every call that touches a plugin: its lock, then stdio on /dev/null. */
static void plugin_enter(r2r_lv2 *p)
{
    pthread_mutex_lock(p->plock);
    quiet_begin();
}

static void plugin_leave(r2r_lv2 *p)
{
    quiet_end();
    pthread_mutex_unlock(p->plock);
}

static LV2_Worker_Status respond(LV2_Worker_Respond_Handle h, uint32_t size, const void *data)
{
    r2r_lv2 *p = h;
    void *copy = realloc(p->resp, size);
    if (!copy) return LV2_WORKER_ERR_NO_SPACE;
    memcpy(copy, data, size);
    p->resp = copy;
    p->resp_size = size;
    if (p->worker && p->worker->work_response) {
        p->worker->work_response(lilv_instance_get_handle(p->inst), size, p->resp);
        p->resp_size = 0;
    }
    return LV2_WORKER_SUCCESS;
}

/* Offline there is no real-time thread to protect: do the work right away. */
static LV2_Worker_Status schedule(LV2_Worker_Schedule_Handle h, uint32_t size, const void *data)
{
    r2r_lv2 *p = h;
    if (!p->worker || !p->worker->work) return LV2_WORKER_ERR_UNKNOWN;
    return p->worker->work(lilv_instance_get_handle(p->inst), respond, p, size, data);
}

static r2r_status world_get(void)
{
    if (world) return R2R_OK;
    world = lilv_world_new();
    if (!world) return r2r_fail(R2R_ERR_INTERNAL, "lv2: cannot create the lilv world");
    lilv_world_load_all(world);
    return R2R_OK;
}

static void reset_atoms(r2r_lv2 *p)
{
    for (uint32_t i = 0; i < p->nports; i++) {
        if (!p->atom_bufs[i]) continue;
        LV2_Atom_Sequence *seq = p->atom_bufs[i];
        if (p->kinds[i] == PORT_ATOM_IN) {
            /* A valid empty input sequence. */
            seq->atom.size = sizeof(LV2_Atom_Sequence_Body);
            seq->atom.type = p->atom_sequence;
        } else {
            /* Outputs: the capacity, as a chunk, for the plugin to write into. */
            seq->atom.size = ATOM_BUF - sizeof(LV2_Atom);
            seq->atom.type = p->atom_chunk;
        }
        seq->body.unit = 0;
        seq->body.pad = 0;
    }
}

void r2r_lv2_close(r2r_lv2 *p)
{
    if (!p) return;
    if (p->inst) {
        pthread_mutex_lock(&world_lock);
        plugin_enter(p);
        if (p->active) lilv_instance_deactivate(p->inst);
        lilv_instance_free(p->inst);
        plugin_leave(p);
        pthread_mutex_unlock(&world_lock);
    }
    for (size_t i = 0; i < p->nctl; i++) {
        free((char *)p->ctl[i].symbol);
        free((char *)p->ctl[i].name);
    }
    if (p->atom_bufs)
        for (uint32_t i = 0; i < p->nports; i++) free(p->atom_bufs[i]);
    free(p->atom_bufs);
    free(p->kinds);
    free(p->values);
    free(p->ctl_port);
    free(p->ctl);
    free(p->audio_in);
    free(p->audio_out);
    free(p->scratch);
    free(p->resp);
    free(p->name);
    free(p);
}

r2r_status r2r_lv2_open(const char *uri, int sample_rate, r2r_lv2 **out)
{
    *out = NULL;
    r2r_lv2 *p = calloc(1, sizeof *p);
    if (!p) return r2r_fail(R2R_ERR_NOMEM, "out of memory");
    pthread_mutex_lock(&world_lock);
    r2r_status s = world_get();
    const LilvPlugin *plug = NULL;
    if (s == R2R_OK) {
        LilvNode *u = lilv_new_uri(world, uri);
        const LilvPlugins *all = lilv_world_get_all_plugins(world);
        plug = u ? lilv_plugins_get_by_uri(all, u) : NULL;
        lilv_node_free(u);
        if (!plug)
            s = r2r_fail(R2R_ERR_INPUT,
                         "lv2 plugin %s is not installed (for guitarix: apt-get install guitarix-lv2)",
                         uri);
        else if (!(p->plock = plugin_lock(uri)))
            s = r2r_fail(R2R_ERR_NOMEM, "out of memory");
    }
    if (s != R2R_OK) {
        pthread_mutex_unlock(&world_lock);
        free(p);
        return s;
    }
    LilvNode *name = lilv_plugin_get_name(plug);
    p->name = strdup(name ? lilv_node_as_string(name) : uri);
    lilv_node_free(name);

    p->map.handle = p;
    p->map.map = map_uri;
    p->unmap.handle = p;
    p->unmap.unmap = unmap_uri;
    p->sched.handle = p;
    p->sched.schedule_work = schedule;
    p->block_len = BLOCK;
    p->atom_sequence = map_uri(NULL, LV2_ATOM__Sequence);
    p->atom_chunk = map_uri(NULL, LV2_ATOM__Chunk);
    LV2_URID int_type = map_uri(NULL, LV2_ATOM__Int);
    p->options[0] = (LV2_Options_Option){LV2_OPTIONS_INSTANCE, 0, map_uri(NULL, LV2_BUF_SIZE__maxBlockLength),
                                         sizeof(int32_t), int_type, &p->block_len};
    p->options[1] = (LV2_Options_Option){LV2_OPTIONS_INSTANCE, 0, map_uri(NULL, LV2_BUF_SIZE__minBlockLength),
                                         sizeof(int32_t), int_type, &p->block_len};
    p->options[2] = (LV2_Options_Option){LV2_OPTIONS_INSTANCE, 0, 0, 0, 0, NULL};
    p->f_map = (LV2_Feature){LV2_URID__map, &p->map};
    p->f_unmap = (LV2_Feature){LV2_URID__unmap, &p->unmap};
    p->f_sched = (LV2_Feature){LV2_WORKER__schedule, &p->sched};
    p->f_opts = (LV2_Feature){LV2_OPTIONS__options, p->options};
    p->f_bounded = (LV2_Feature){LV2_BUF_SIZE__boundedBlockLength, NULL};
    p->features[0] = &p->f_map;
    p->features[1] = &p->f_unmap;
    p->features[2] = &p->f_sched;
    p->features[3] = &p->f_opts;
    p->features[4] = &p->f_bounded;
    p->features[5] = NULL;

    /* Refuse plugins that need a feature we do not provide, naming it. */
    LilvNodes *req = lilv_plugin_get_required_features(plug);
    LILV_FOREACH(nodes, it, req)
    {
        const char *f = lilv_node_as_uri(lilv_nodes_get(req, it));
        int have = 0;
        for (int i = 0; p->features[i]; i++) have |= !strcmp(f, p->features[i]->URI);
        if (!have && strcmp(f, LV2_CORE__hardRTCapable) != 0 && s == R2R_OK)
            s = r2r_fail(R2R_ERR_UNSUPPORTED, "lv2 plugin %s requires feature %s", uri, f);
    }
    lilv_nodes_free(req);

    LilvNode *n_in = lilv_new_uri(world, LILV_URI_INPUT_PORT);
    LilvNode *n_out = lilv_new_uri(world, LILV_URI_OUTPUT_PORT);
    LilvNode *n_audio = lilv_new_uri(world, LILV_URI_AUDIO_PORT);
    LilvNode *n_ctl = lilv_new_uri(world, LILV_URI_CONTROL_PORT);
    LilvNode *n_atom = lilv_new_uri(world, LV2_ATOM__AtomPort);
    LilvNode *n_int = lilv_new_uri(world, LV2_CORE__integer);
    LilvNode *n_enum = lilv_new_uri(world, LV2_CORE__enumeration);
    LilvNode *n_opt = lilv_new_uri(world, LV2_CORE__connectionOptional);
    p->nports = lilv_plugin_get_num_ports(plug);
    p->kinds = calloc(p->nports + 1, sizeof *p->kinds);
    p->values = calloc(p->nports + 1, sizeof *p->values);
    p->ctl_port = calloc(p->nports + 1, sizeof *p->ctl_port);
    p->ctl = calloc(p->nports + 1, sizeof *p->ctl);
    p->atom_bufs = calloc(p->nports + 1, sizeof *p->atom_bufs);
    float *mins = calloc(p->nports + 1, sizeof(float)), *maxs = calloc(p->nports + 1, sizeof(float)),
          *defs = calloc(p->nports + 1, sizeof(float));
    p->audio_in = calloc(BLOCK, sizeof(float));
    p->audio_out = calloc(BLOCK, sizeof(float));
    p->scratch = calloc(BLOCK, sizeof(float));
    if (!p->kinds || !p->values || !p->ctl_port || !p->ctl || !p->atom_bufs || !mins || !maxs ||
        !defs || !p->audio_in || !p->audio_out || !p->scratch)
        s = r2r_fail(R2R_ERR_NOMEM, "out of memory");
    if (s == R2R_OK) lilv_plugin_get_port_ranges_float(plug, mins, maxs, defs);
    for (uint32_t i = 0; s == R2R_OK && i < p->nports; i++) {
        const LilvPort *port = lilv_plugin_get_port_by_index(plug, i);
        int is_in = lilv_port_is_a(plug, port, n_in), is_out = lilv_port_is_a(plug, port, n_out);
        if (lilv_port_is_a(plug, port, n_ctl)) {
            p->kinds[i] = is_in ? PORT_CONTROL_IN : PORT_CONTROL_OUT;
            p->values[i] = isnan(defs[i]) ? (isnan(mins[i]) ? 0.0f : mins[i]) : defs[i];
            if (is_in) {
                r2r_lv2_control *c = &p->ctl[p->nctl];
                c->symbol = strdup(lilv_node_as_string(lilv_port_get_symbol(plug, port)));
                LilvNode *pn = lilv_port_get_name(plug, port);
                c->name = strdup(pn ? lilv_node_as_string(pn) : c->symbol);
                lilv_node_free(pn);
                c->min = isnan(mins[i]) ? p->values[i] : mins[i];
                c->max = isnan(maxs[i]) ? p->values[i] : maxs[i];
                c->def = p->values[i];
                c->integer = lilv_port_has_property(plug, port, n_int) ||
                             lilv_port_has_property(plug, port, n_enum);
                p->ctl_port[p->nctl++] = i;
            }
        } else if (lilv_port_is_a(plug, port, n_audio)) {
            p->kinds[i] = is_in ? PORT_AUDIO_IN : PORT_AUDIO_OUT;
            if (is_in && !p->has_in) p->first_in = i, p->has_in = 1;
            if (is_out && !p->has_out) p->first_out = i, p->has_out = 1;
        } else if (lilv_port_is_a(plug, port, n_atom)) {
            p->kinds[i] = is_in ? PORT_ATOM_IN : PORT_ATOM_OUT;
            p->atom_bufs[i] = calloc(1, ATOM_BUF);
            if (!p->atom_bufs[i]) s = r2r_fail(R2R_ERR_NOMEM, "out of memory");
        } else {
            p->kinds[i] = PORT_OTHER;
            if (!lilv_port_has_property(plug, port, n_opt))
                s = r2r_fail(R2R_ERR_UNSUPPORTED, "lv2 plugin %s has a port type we cannot host", uri);
        }
    }
    lilv_node_free(n_in);
    lilv_node_free(n_out);
    lilv_node_free(n_audio);
    lilv_node_free(n_ctl);
    lilv_node_free(n_atom);
    lilv_node_free(n_int);
    lilv_node_free(n_enum);
    lilv_node_free(n_opt);
    free(mins);
    free(maxs);
    free(defs);
    if (s == R2R_OK && (!p->has_in || !p->has_out))
        s = r2r_fail(R2R_ERR_UNSUPPORTED, "lv2 plugin %s has no mono audio path", uri);
    if (s == R2R_OK) {
        plugin_enter(p);
        p->inst = lilv_plugin_instantiate(plug, sample_rate, p->features);
        plugin_leave(p);
        if (!p->inst) s = r2r_fail(R2R_ERR_INTERNAL, "lv2 plugin %s failed to instantiate", uri);
    }
    if (s == R2R_OK) {
        p->worker = lilv_instance_get_extension_data(p->inst, LV2_WORKER__interface);
        for (uint32_t i = 0; i < p->nports; i++) {
            switch (p->kinds[i]) {
            case PORT_CONTROL_IN:
            case PORT_CONTROL_OUT: lilv_instance_connect_port(p->inst, i, &p->values[i]); break;
            case PORT_AUDIO_IN: lilv_instance_connect_port(p->inst, i, p->audio_in); break;
            case PORT_AUDIO_OUT:
                lilv_instance_connect_port(p->inst, i, i == p->first_out ? p->audio_out : p->scratch);
                break;
            case PORT_ATOM_IN:
            case PORT_ATOM_OUT: lilv_instance_connect_port(p->inst, i, p->atom_bufs[i]); break;
            default: lilv_instance_connect_port(p->inst, i, NULL); break;
            }
        }
        reset_atoms(p);
        plugin_enter(p);
        lilv_instance_activate(p->inst);
        plugin_leave(p);
        p->active = 1;
    }
    pthread_mutex_unlock(&world_lock);
    if (s != R2R_OK) {
        r2r_lv2_close(p);
        return s;
    }
    *out = p;
    return R2R_OK;
}

const char *r2r_lv2_name(const r2r_lv2 *p) { return p->name; }
size_t r2r_lv2_control_count(const r2r_lv2 *p) { return p->nctl; }
const r2r_lv2_control *r2r_lv2_control_at(const r2r_lv2 *p, size_t i)
{
    return i < p->nctl ? &p->ctl[i] : NULL;
}

const r2r_lv2_control *r2r_lv2_control_find(const r2r_lv2 *p, const char *symbol)
{
    for (size_t i = 0; i < p->nctl; i++)
        if (!strcmp(p->ctl[i].symbol, symbol)) return &p->ctl[i];
    return NULL;
}

r2r_status r2r_lv2_set(r2r_lv2 *p, const char *symbol, float value)
{
    const r2r_lv2_control *c = r2r_lv2_control_find(p, symbol);
    if (!c) return r2r_fail(R2R_ERR_INPUT, "lv2 %s has no control '%s'", p->name, symbol);
    if (!isfinite(value)) return r2r_fail(R2R_ERR_INPUT, "lv2 %s: %s must be finite", p->name, symbol);
    float v = value < c->min ? c->min : value > c->max ? c->max : value;
    if (c->integer) v = roundf(v);
    p->values[p->ctl_port[c - p->ctl]] = v;
    return R2R_OK;
}

r2r_status r2r_lv2_get(const r2r_lv2 *p, const char *symbol, float *value)
{
    const r2r_lv2_control *c = r2r_lv2_control_find(p, symbol);
    if (!c) return r2r_fail(R2R_ERR_INPUT, "lv2 %s has no control '%s'", p->name, symbol);
    *value = p->values[p->ctl_port[c - p->ctl]];
    return R2R_OK;
}

r2r_status r2r_lv2_reset(r2r_lv2 *p)
{
    plugin_enter(p);
    if (p->active) lilv_instance_deactivate(p->inst);
    lilv_instance_activate(p->inst);
    plugin_leave(p);
    p->active = 1;
    return R2R_OK;
}

r2r_status r2r_lv2_process(r2r_lv2 *p, const float *in, float *out, size_t n)
{
    r2r_status s = R2R_OK;
    pthread_mutex_lock(p->plock);
    for (size_t off = 0; off < n && s == R2R_OK; off += BLOCK) {
        uint32_t k = (uint32_t)(n - off < BLOCK ? n - off : BLOCK);
        memcpy(p->audio_in, in + off, k * sizeof(float));
        reset_atoms(p);
        /* guitarix amps announce every change of block length on stdout */
        const int quiet = k != p->last_block;
        if (quiet) quiet_begin();
        lilv_instance_run(p->inst, k);
        if (quiet) quiet_end();
        p->last_block = k;
        if (p->worker && p->worker->end_run) p->worker->end_run(lilv_instance_get_handle(p->inst));
        for (uint32_t i = 0; i < k; i++) {
            float v = p->audio_out[i];
            if (!isfinite(v)) {
                s = r2r_fail(R2R_ERR_INTERNAL, "lv2 %s produced non-finite audio", p->name);
                break;
            }
            out[off + i] = v;
        }
    }
    pthread_mutex_unlock(p->plock);
    return s;
}
