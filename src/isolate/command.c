/* The `command` isolation backend: runs the user's separator (Demucs, SAM-Audio, ...)
 * from the RTR_ISOLATION_COMMAND template without a shell and validates what it wrote. */
#include "r2r/isolate.h"
#include "r2r/audio.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_ARGS 64

/* Splits a template into words (single/double quotes group, no other shell syntax)
 * and substitutes {input} and {output_dir} inside each word. */
static int split_template(const char *tpl, const char *input, const char *outdir, char **argv)
{
    int argc = 0;
    const char *p = tpl;
    while (*p && argc < MAX_ARGS - 1) {
        while (*p == ' ' || *p == '\t' || *p == '\n') p++;
        if (!*p) break;
        char word[4096];
        size_t w = 0;
        char quote = 0;
        while (*p && (quote || (*p != ' ' && *p != '\t' && *p != '\n'))) {
            if (!quote && (*p == '\'' || *p == '"')) quote = *p++;
            else if (quote && *p == quote) quote = 0, p++;
            else if (!strncmp(p, "{input}", 7) || !strncmp(p, "{output_dir}", 12)) {
                const char *rep = p[1] == 'i' ? input : outdir;
                size_t l = strlen(rep);
                if (w + l >= sizeof word) goto bad;
                memcpy(word + w, rep, l);
                w += l;
                p += p[1] == 'i' ? 7 : 12;
            } else {
                if (w + 1 >= sizeof word) goto bad;
                word[w++] = *p++;
            }
        }
        if (quote) goto bad;
        word[w] = '\0';
        argv[argc++] = strdup(word);
    }
    argv[argc] = NULL;
    return argc;
bad:
    for (int i = 0; i < argc; i++) free(argv[i]);
    return -1;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Picks the separator's guitar stem: a WAV whose name says guitar (and not
 * "no_guitar"), else the only WAV written. */
static void find_stem(const char *dir, char *best, size_t cap, int *score, int *count)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.') continue;
        char p[4096];
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        struct stat st;
        if (stat(p, &st) != 0) continue;
        if (S_ISDIR(st.st_mode)) {
            find_stem(p, best, cap, score, count);
            continue;
        }
        size_t l = strlen(de->d_name);
        if (l < 5 || strcasecmp(de->d_name + l - 4, ".wav") || !strcmp(de->d_name, "input.wav"))
            continue;
        (*count)++;
        int sc = 1;
        if (strcasestr(de->d_name, "guitar")) sc = 3;
        if (strcasestr(de->d_name, "no_guitar") || strcasestr(de->d_name, "residual") ||
            strcasestr(de->d_name, "no-guitar"))
            sc = 0;
        if (sc > *score) {
            *score = sc;
            snprintf(best, cap, "%s", p);
        }
    }
    closedir(d);
}

r2r_status r2r_isolate_command(const float *in, size_t n, int channels, const float *mono, int sr,
                               r2r_isolated *out)
{
    const char *tpl = getenv("RTR_ISOLATION_COMMAND");
    if (!tpl || !*tpl)
        return r2r_fail(R2R_ERR_INPUT,
                        "isolation backend 'command' needs RTR_ISOLATION_COMMAND, e.g. "
                        "\"demucs -n htdemucs_6s -o {output_dir} {input}\"");
    char dir[] = "/tmp/r2r-isolate-XXXXXX";
    if (!mkdtemp(dir)) return r2r_fail(R2R_ERR_IO, "isolate: cannot create a temporary folder");
    char input[256], outdir[256];
    snprintf(input, sizeof input, "%s/input.wav", dir);
    snprintf(outdir, sizeof outdir, "%s/out", dir);
    mkdir(outdir, 0777);
    r2r_status s = r2r_audio_write_wav(input, in, n, channels, sr);
    char *argv[MAX_ARGS];
    int argc = s == R2R_OK ? split_template(tpl, input, outdir, argv) : 0;
    if (s == R2R_OK && argc <= 0)
        s = r2r_fail(R2R_ERR_INPUT, "RTR_ISOLATION_COMMAND: cannot parse the template");
    if (s == R2R_OK) {
        pid_t pid = fork();
        if (pid == 0) {
            execvp(argv[0], argv);
            _exit(127);
        }
        int st = 0;
        if (pid < 0 || waitpid(pid, &st, 0) < 0)
            s = r2r_fail(R2R_ERR_INTERNAL, "isolate: cannot run %s", argv[0]);
        else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
            s = r2r_fail(R2R_ERR_INPUT, "isolation command %s failed (%s %d)", argv[0],
                         WIFEXITED(st) ? "exit status" : "signal",
                         WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
    }
    for (int i = 0; i < argc; i++) free(argv[i]);
    char stem[4096] = "";
    int score = 0, count = 0;
    if (s == R2R_OK) {
        find_stem(outdir, stem, sizeof stem, &score, &count);
        if (!stem[0] || (score < 3 && count > 1))
            s = r2r_fail(R2R_ERR_INPUT, "isolation command wrote %s", count ? "no file named like a guitar stem" : "no WAV file");
    }
    r2r_audio a = {0};
    if (s == R2R_OK) s = r2r_audio_read(stem, R2R_READ_MONO, &a);
    if (s == R2R_OK) s = r2r_audio_resample(&a, sr);
    if (s == R2R_OK) {
        double diff = a.frames > n ? (double)(a.frames - n) : (double)(n - a.frames);
        if (diff > 0.01 * n + sr * 0.1)
            s = r2r_fail(R2R_ERR_INPUT, "isolation command output is %.2f s long, the input %.2f s",
                         (double)a.frames / sr, (double)n / sr);
        else if (r2r_peak(a.data, a.frames) < 1e-6f)
            s = r2r_fail(R2R_ERR_INPUT, "isolation command output is silent");
    }
    if (s == R2R_OK) {
        out->guitar = calloc(n, sizeof(float));
        if (!out->guitar) s = r2r_fail(R2R_ERR_NOMEM, "out of memory");
    }
    if (s == R2R_OK) {
        memcpy(out->guitar, a.data, (a.frames < n ? a.frames : n) * sizeof(float));
        out->frames = n;
        double et = 0, er = 0;
        for (size_t i = 0; i < n; i++) {
            double g = out->guitar[i], r = mono[i] - g;
            et += g * g;
            er += r * r;
        }
        out->confidence = et + er > 0 ? et / (et + er) : 0.0;
    }
    r2r_audio_free(&a);
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return s;
}
