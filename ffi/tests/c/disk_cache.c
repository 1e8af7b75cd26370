/*
 * The on-disk token cache (token_cache = "disk", token_cache_dir) through the C ABI: short
 * separate processes with the same directory share one Maskinporten token.
 *   - two processes one after the other (this program run again as `disk_cache --child DIR`,
 *     started with posix_spawn): one token request at the mock in total, the same token;
 *   - three processes at once on a fresh directory: still one token request;
 *   - a client in this process with the same directory reads it too;
 *   - the core's checks: token_cache_dir without token_cache = "disk", a directory that is a
 *     file (FIKS_ERROR_CONFIG, config key "token_cache_dir").
 * The children print a hash of their token (never the token) on stdout.
 */
#include <dirent.h>
#include <spawn.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "check.h"

extern char **environ;

/* FNV-1a of a token, so that tokens can be compared without printing them. */
static uint64_t token_hash(const char *token) {
    uint64_t h = 1469598103934665603ULL;
    for (const unsigned char *p = (const unsigned char *)token; *p; p++) h = (h ^ *p) * 1099511628211ULL;
    return h;
}

/* A client for the mock with the disk cache in `dir`. */
static fiks_client *disk_client(const char *dir) {
    const char *pairs[] = {"token_cache", "disk", "token_cache_dir", dir};
    return mock_client_with(pairs, 2);
}

/* The child: one token from a client with the disk cache in `dir`; its hash on stdout. */
static int child(const char *dir) {
    fiks_client *client = disk_client(dir);
    fiks_error *err = NULL;
    char *token = NULL;
    CHECK_STATUS(fiks_client_access_token(client, &token, &err), FIKS_OK, err);
    if (token != NULL) printf("%016llx\n", (unsigned long long)token_hash(token));
    fiks_string_free(token);
    fiks_error_free(err);
    fiks_client_free(client);
    return atomic_load(&check_failed) == 0 && token != NULL ? 0 : 1;
}

struct process {
    pid_t pid;
    int out; /* read end of its stdout */
};

/* Starts `self --child dir` with its stdout on a pipe. */
static int start_child(const char *self, const char *dir, struct process *p) {
    int fds[2];
    if (pipe(fds) != 0) return -1;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    posix_spawn_file_actions_addclose(&actions, fds[1]);
    char *argv[] = {(char *)self, "--child", (char *)dir, NULL};
    int rc = posix_spawn(&p->pid, self, &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    p->out = fds[0];
    if (rc != 0) {
        close(fds[0]);
        return -1;
    }
    return 0;
}

/* Waits for a child: its output line into `line`; 0 when it exited 0 with a line. */
static int finish_child(struct process *p, char *line, size_t size) {
    size_t got = 0;
    ssize_t n;
    while (got + 1 < size && (n = read(p->out, line + got, size - 1 - got)) > 0) got += (size_t)n;
    line[got] = '\0';
    close(p->out);
    int status = 0;
    if (waitpid(p->pid, &status, 0) != p->pid) return -1;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 && got > 0 ? 0 : -1;
}

/* Removes `dir` and the files in it (the cache keeps no subdirectories). */
static void remove_dir(const char *dir) {
    DIR *d = opendir(dir);
    if (d != NULL) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            unlink(path);
        }
        closedir(d);
    }
    rmdir(dir);
}

static void one_after_the_other(const char *self) {
    char dir[] = "/tmp/fiks-disk-cache-c-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    long before = mock_counter("token_requests");
    char first[64] = "", second[64] = "";
    struct process p;
    CHECK(start_child(self, dir, &p) == 0 && finish_child(&p, first, sizeof first) == 0);
    CHECK(start_child(self, dir, &p) == 0 && finish_child(&p, second, sizeof second) == 0);
    CHECK(first[0] != '\0' && strcmp(first, second) == 0);
    CHECK(before >= 0 && mock_counter("token_requests") == before + 1);

    /* This process, with the same directory: the same token, no request. */
    fiks_client *client = disk_client(dir);
    fiks_error *err = NULL;
    char *token = NULL;
    CHECK_STATUS(fiks_client_access_token(client, &token, &err), FIKS_OK, err);
    char mine[64] = "";
    if (token != NULL) snprintf(mine, sizeof mine, "%016llx\n", (unsigned long long)token_hash(token));
    CHECK(strcmp(mine, first) == 0);
    CHECK(mock_counter("token_requests") == before + 1);
    fiks_string_free(token);
    fiks_error_free(err);
    fiks_client_free(client);

    /* Another directory does not share it. */
    char other[] = "/tmp/fiks-disk-cache-c-XXXXXX";
    CHECK(mkdtemp(other) != NULL);
    char third[64] = "";
    CHECK(start_child(self, other, &p) == 0 && finish_child(&p, third, sizeof third) == 0);
    CHECK(mock_counter("token_requests") == before + 2);
    remove_dir(other);
    remove_dir(dir);
}

static void at_once(const char *self) {
    char dir[] = "/tmp/fiks-disk-cache-c-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    long before = mock_counter("token_requests");
    struct process p[3];
    char lines[3][64];
    int started[3];
    for (int i = 0; i < 3; i++) {
        started[i] = start_child(self, dir, &p[i]) == 0;
        CHECK(started[i]);
    }
    for (int i = 0; i < 3; i++) {
        lines[i][0] = '\0';
        if (started[i]) CHECK(finish_child(&p[i], lines[i], sizeof lines[i]) == 0);
    }
    CHECK(lines[0][0] != '\0' && strcmp(lines[0], lines[1]) == 0 && strcmp(lines[0], lines[2]) == 0);
    CHECK(before >= 0 && mock_counter("token_requests") == before + 1);
    remove_dir(dir);
}

static void the_cores_checks(void) {
    fiks_config *config = mock_config();
    fiks_error *err = NULL;
    fiks_client *client = NULL;
    CHECK_STATUS(fiks_config_set(config, "token_cache_dir", "/tmp", &err), FIKS_OK, err);
    CHECK_STATUS(fiks_client_new(config, &client, &err), FIKS_ERROR_CONFIG, err);
    CHECK(client == NULL);
    CHECK_STREQ(fiks_error_config_key(err), "token_cache_dir");
    fiks_error_free(err);
    err = NULL;
    CHECK_STATUS(fiks_config_set(config, "token_cache", "Disken", &err), FIKS_OK, err);
    CHECK_STATUS(fiks_client_new(config, &client, &err), FIKS_ERROR_CONFIG, err);
    CHECK_STREQ(fiks_error_config_key(err), "token_cache");
    fiks_error_free(err);
    err = NULL;
    /* A directory that is a file. */
    char file[] = "/tmp/fiks-disk-cache-c-file-XXXXXX";
    int fd = mkstemp(file);
    CHECK(fd >= 0);
    if (fd >= 0) close(fd);
    CHECK_STATUS(fiks_config_set(config, "token_cache", "disk", &err), FIKS_OK, err);
    CHECK_STATUS(fiks_config_set(config, "token_cache_dir", file, &err), FIKS_OK, err);
    CHECK_STATUS(fiks_client_new(config, &client, &err), FIKS_ERROR_CONFIG, err);
    CHECK(client == NULL);
    CHECK_STREQ(fiks_error_config_key(err), "token_cache_dir");
    fiks_error_free(err);
    unlink(file);
    fiks_config_free(config);
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "--child") == 0) return child(argv[2]);
    /* Started by path (scripts/test-c does): the children are this same program. */
    const char *self = argv[0];
    if (strchr(self, '/') == NULL) {
        fprintf(stderr, "run %s by its path\n", self);
        return 2;
    }
    one_after_the_other(self);
    at_once(self);
    the_cores_checks();
    return check_summary();
}
