/* Implementation of the test helpers (see testutil.h). */
#include "testutil.h"
#include "r2r/lv2.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int shared_available(void)
{
    struct stat st;
    return stat(R2R_SHARED_DIR "/data", &st) == 0 && S_ISDIR(st.st_mode);
}

const char *shared_path(const char *rel)
{
    static char buf[4096];
    if (!shared_available()) {
        const char *ci = getenv("CI");
        if (ci && !strcmp(ci, "true"))
            fail_msg("shared data folder %s is missing (required when CI=true)", R2R_SHARED_DIR);
        print_message("[ SKIP ] shared data folder %s is missing\n", R2R_SHARED_DIR);
        skip();
    }
    snprintf(buf, sizeof buf, "%s/%s", R2R_SHARED_DIR, rel);
    return buf;
}

const char *test_tmpdir(const char *name)
{
    static char buf[4096];
    mkdir(R2R_BINARY_DIR "/test-tmp", 0777);
    snprintf(buf, sizeof buf, "%s/test-tmp/%s", R2R_BINARY_DIR, name);
    mkdir(buf, 0777);
    return buf;
}

/* Seconds a CLI run may take before it counts as hung (R2R_TEST_CLI_TIMEOUT). */
static int cli_timeout_s(void)
{
    const char *e = getenv("R2R_TEST_CLI_TIMEOUT");
    int t = e ? atoi(e) : 0;
    return t > 0 ? t : 300;
}

static double mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* A run that outlives its deadline: say which command, show where every thread of it
 * is (gdb, when installed) and what it printed on stderr, then kill it. */
static void report_hang(pid_t pid, const char *cli, const char *const *args, const char *errpath)
{
    fprintf(stderr, "run_cli: still running after %d s, killed:", cli_timeout_s());
    fprintf(stderr, " %s", cli);
    for (size_t i = 0; args[i]; i++) fprintf(stderr, " %s", args[i]);
    fputc('\n', stderr);
    char cmd[4400];
    snprintf(cmd, sizeof cmd,
             "command -v gdb >/dev/null && gdb -p %d -batch -ex 'thread apply all bt 12' 2>/dev/null | "
             "grep -E '^(Thread|#)' | head -80 >&2",
             (int)pid);
    if (system(cmd) != 0) fprintf(stderr, "run_cli: no backtrace (gdb missing or not allowed)\n");
    snprintf(cmd, sizeof cmd, "tail -c 2000 '%s' >&2", errpath);
    if (system(cmd) != 0) fprintf(stderr, "run_cli: no stderr kept\n");
    kill(pid, SIGKILL);
}

static char last_errpath[4200];

char *last_cli_stderr(void)
{
    return last_errpath[0] ? read_file(last_errpath, NULL) : NULL;
}

int run_cli(char *out, size_t outsz, const char *const *args)
{
    const char *cli = getenv("R2R_CLI");
    if (!cli) cli = R2R_BINARY_DIR "/r2r";
    char errpath[4200];
    snprintf(errpath, sizeof errpath, "%s/cli-stderr-%d.txt", test_tmpdir("cli"), (int)getpid());
    snprintf(last_errpath, sizeof last_errpath, "%s", getenv("R2R_TEST_VERBOSE") ? "" : errpath);
    int pfd[2];
    if (pipe(pfd) != 0) return -1;
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        dup2(pfd[1], 1);
        close(pfd[0]);
        close(pfd[1]);
        int err = getenv("R2R_TEST_VERBOSE") ? -1 : open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (err >= 0) dup2(err, 2);
        size_t n = 0;
        while (args[n]) n++;
        char **argv = calloc(n + 2, sizeof *argv);
        argv[0] = (char *)cli;
        for (size_t i = 0; i < n; i++) argv[i + 1] = (char *)args[i];
        execv(cli, argv);
        _exit(127);
    }
    close(pfd[1]);
    size_t used = 0;
    char tmp[4096];
    const double deadline = mono_now() + cli_timeout_s();
    int hung = 0;
    for (;;) {
        const double left = deadline - mono_now();
        if (left <= 0) {
            report_hang(pid, cli, args, errpath);
            hung = 1;
            break;
        }
        struct pollfd pf = {pfd[0], POLLIN, 0};
        int pr = poll(&pf, 1, left > 1.0 ? 1000 : (int)(left * 1000) + 1);
        if (pr < 0 && errno == EINTR) continue;
        if (pr <= 0) continue;
        ssize_t r = read(pfd[0], tmp, sizeof tmp);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        if (out && used + 1 < outsz) {
            size_t k = (size_t)r < outsz - 1 - used ? (size_t)r : outsz - 1 - used;
            memcpy(out + used, tmp, k);
            used += k;
        }
    }
    if (out && outsz) out[used] = '\0';
    close(pfd[0]);
    int status;
    if (waitpid(pid, &status, 0) < 0) return -1;
    if (hung) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void link_shared(const char *lib, const char *rel, const char *sub, const char *as)
{
    char dst[8192];
    snprintf(dst, sizeof dst, "%s/%s/%s", lib, sub, as);
    unlink(dst);
    assert_int_equal(symlink(shared_path(rel), dst), 0);
}

char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) {
        buf[n] = '\0';
        if (len) *len = (size_t)n;
    }
    return buf;
}

double max_abs_diff(const float *a, const float *b, size_t n)
{
    double m = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - (double)b[i]);
        if (d > m || d != d) m = d != d ? INFINITY : d;
    }
    return m;
}

int have_lv2_plugin(const char *uri)
{
    r2r_lv2 *p;
    if (r2r_lv2_open(uri, 48000, &p) != R2R_OK) {
        const char *ci = getenv("CI");
        if (ci && !strcmp(ci, "true")) fail_msg("%s missing under CI: %s", uri, r2r_last_error());
        print_message("[ SKIP ] %s\n", r2r_last_error());
        return 0;
    }
    r2r_lv2_close(p);
    return 1;
}
