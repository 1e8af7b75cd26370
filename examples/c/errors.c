/* errors.c: prints every field of the library's error model for each failure it is given, in
 * the format the Python and .NET parity programs print (scripts/check-error-parity diffs them).
 *
 *   errors NAME CONFIG.toml PATH [NAME CONFIG.toml PATH ...]
 *
 * For each triple: loads CONFIG.toml, builds a client, sends GET PATH, and prints "ok <status>"
 * or the error's kind, problem, HTTP status, config key, OAuth error, MP code, errorId,
 * Retry-After, transience, hint and message ("-" when absent). Set FIKS_LOG=info (or debug) to
 * see the library's log lines on stderr through fiks_set_log_callback. */
#include <fiks_integrasjon.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *or_dash(const char *s) { return s ? s : "-"; }

static void on_log(fiks_log_level level, const char *target, const char *message, void *user_data) {
    (void)user_data;
    fprintf(stderr, "[%d %s] %s\n", (int)level, target, message);
}

static void print_error(const fiks_error *err) {
    printf("kind: %s\n", fiks_status_name(fiks_error_kind(err)));
    printf("problem: %s\n", or_dash(fiks_error_problem(err)));
    printf("http_status: %u\n", (unsigned)fiks_error_http_status(err));
    printf("config_key: %s\n", or_dash(fiks_error_config_key(err)));
    printf("oauth_error: %s\n", or_dash(fiks_error_oauth_error(err)));
    printf("mp_code: %s\n", or_dash(fiks_error_mp_code(err)));
    printf("error_id: %s\n", or_dash(fiks_error_id(err)));
    printf("retry_after: %s\n", or_dash(fiks_error_header(err, "Retry-After")));
    printf("transient: %s\n", fiks_error_is_transient(err) ? "true" : "false");
    printf("hint: %s\n", or_dash(fiks_error_hint(err)));
    printf("message: %s\n", or_dash(fiks_error_message(err)));
}

/* Reads a whole file into a NUL-terminated buffer the caller frees; NULL on failure. */
static char *read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *text = NULL;
    size_t len = 0, cap = 0, n;
    char chunk[4096];
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (len + n + 1 > cap) {
            cap = (len + n + 1) * 2;
            char *grown = realloc(text, cap);
            if (!grown) { free(text); fclose(f); return NULL; }
            text = grown;
        }
        memcpy(text + len, chunk, n);
        len += n;
    }
    fclose(f);
    if (!text && !(text = malloc(1))) return NULL;
    text[len] = '\0';
    return text;
}

static void run(const char *config_path, const char *path) {
    fiks_error *err = NULL;
    fiks_config *config = fiks_config_new();
    fiks_client *client = NULL;
    fiks_request *request = NULL;
    fiks_response *response = NULL;
    char *toml = read_file(config_path);
    if (!toml) {
        printf("cannot read %s\n", config_path);
        fiks_config_free(config);
        return;
    }
    if (fiks_config_load_toml(config, toml, &err) == FIKS_OK && fiks_client_new(config, &client, &err) == FIKS_OK &&
        fiks_request_new("GET", path, &request, &err) == FIKS_OK &&
        fiks_client_send(client, request, &response, &err) == FIKS_OK) {
        printf("ok %u\n", (unsigned)fiks_response_status(response));
    } else {
        print_error(err);
    }
    fiks_error_free(err);
    fiks_response_free(response);
    fiks_request_free(request);
    fiks_client_free(client);
    fiks_config_free(config);
    free(toml);
}

int main(int argc, char **argv) {
    if (argc < 4 || (argc - 1) % 3 != 0) {
        fprintf(stderr, "usage: %s NAME CONFIG.toml PATH [NAME CONFIG.toml PATH ...]\n", argv[0]);
        return 2;
    }
    const char *log = getenv("FIKS_LOG");
    if (log && *log) {
        fiks_log_level level = strcmp(log, "debug") == 0 ? FIKS_LOG_DEBUG : FIKS_LOG_INFO;
        fiks_error *err = NULL;
        if (fiks_set_log_callback(on_log, NULL, level, &err) != FIKS_OK) {
            fprintf(stderr, "logging: %s\n", fiks_error_message(err));
            fiks_error_free(err);
        }
    }
    for (int i = 1; i + 2 < argc; i += 3) {
        printf("== %s\n", argv[i]);
        run(argv[i + 1], argv[i + 2]);
    }
    return 0;
}
