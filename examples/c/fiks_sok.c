/*
 * fiks_sok: search Fiks innsyn (POST /innsyn-sok/api/v1/sok) as an integrasjon.
 *
 *   fiks_sok [-c fiks.toml] [-p PATH] QUERY
 *
 * Reads the configuration from -c FILE (else the file $FIKS_CONFIG names, as every binding
 * does) and FIKS_<KEY> environment variables, gets a Maskinporten token, calls PATH (default
 * the sok endpoint, within a 30 s deadline for the whole call) and prints the answer. A Fiks error is printed field by field: quote its errorId
 * to KS support. Exit code: 0 success, 1 Fiks error, 2 any other error.
 *
 * Build: make (uses pkg-config fiks-integrasjon).
 */
#include <fiks_integrasjon.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *or_none(const char *s) { return s ? s : "(none)"; }

/* Prints every field of an error, then frees it. */
static int report(fiks_status status, fiks_error *err) {
    fprintf(stderr, "error (%s): %s\n", fiks_status_name(status), or_none(fiks_error_message(err)));
    if (fiks_error_hint(err)) fprintf(stderr, "  hint:         %s\n", fiks_error_hint(err));
    if (fiks_error_problem(err)) fprintf(stderr, "  problem:      %s\n", fiks_error_problem(err));
    if (fiks_error_config_key(err)) fprintf(stderr, "  config key:   %s\n", fiks_error_config_key(err));
    if (fiks_error_is_transient(err)) fprintf(stderr, "  transient:    trying again later may help\n");
    if (fiks_error_kind(err) == FIKS_ERROR_API) {
        int64_t ts = 0;
        size_t len = 0;
        const uint8_t *body = fiks_error_body(err, &len);
        fprintf(stderr, "  HTTP status:  %u\n", (unsigned)fiks_error_http_status(err));
        fprintf(stderr, "  errorId:      %s\n", or_none(fiks_error_id(err)));
        fprintf(stderr, "  errorCode:    %s\n", or_none(fiks_error_code(err)));
        fprintf(stderr, "  errorJson:    %s\n", or_none(fiks_error_json(err)));
        fprintf(stderr, "  message:      %s\n", or_none(fiks_error_fiks_message(err)));
        fprintf(stderr, "  error:        %s\n", or_none(fiks_error_error(err)));
        fprintf(stderr, "  path:         %s\n", or_none(fiks_error_path(err)));
        fprintf(stderr, "  originalPath: %s\n", or_none(fiks_error_original_path(err)));
        if (fiks_error_timestamp(err, &ts)) fprintf(stderr, "  timestamp:    %" PRId64 "\n", ts);
        fprintf(stderr, "  body:         %zu bytes\n", body ? len : 0);
    } else if (fiks_error_kind(err) == FIKS_ERROR_TOKEN) {
        fprintf(stderr, "  HTTP status:  %u\n", (unsigned)fiks_error_http_status(err));
        fprintf(stderr, "  OAuth error:  %s\n", or_none(fiks_error_oauth_error(err)));
        fprintf(stderr, "  description:  %s\n", or_none(fiks_error_oauth_description(err)));
        fprintf(stderr, "  MP code:      %s\n", or_none(fiks_error_mp_code(err)));
    }
    int code = fiks_error_kind(err) == FIKS_ERROR_API ? 1 : 2;
    fiks_error_free(err);
    return code;
}

/* {"sok": "<query>"} with the query escaped as a JSON string; the caller frees it. */
static char *sok_body(const char *query) {
    size_t n = strlen(query);
    char *out = malloc(n * 6 + 16);
    if (out == NULL) return NULL;
    char *p = out + sprintf(out, "{\"sok\": \"");
    for (const unsigned char *q = (const unsigned char *)query; *q; q++) {
        if (*q == '"' || *q == '\\') p += sprintf(p, "\\%c", *q);
        else if (*q < 0x20) p += sprintf(p, "\\u%04x", *q);
        else *p++ = (char)*q;
    }
    strcpy(p, "\"}");
    return out;
}

int main(int argc, char **argv) {
    const char *config_path = NULL;
    const char *path = "/innsyn-sok/api/v1/sok";
    int opt;
    while ((opt = getopt(argc, argv, "c:p:")) != -1) {
        if (opt == 'c') config_path = optarg;
        else if (opt == 'p') path = optarg;
        else {
            fprintf(stderr, "usage: %s [-c fiks.toml] [-p PATH] QUERY\n", argv[0]);
            return 2;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "usage: %s [-c fiks.toml] [-p PATH] QUERY\n", argv[0]);
        return 2;
    }

    fiks_error *err = NULL;
    fiks_status s;
    fiks_config *config = fiks_config_new();
    /* Without -c the library reads $FIKS_CONFIG itself (then FIKS_<KEY>). */
    s = config_path ? fiks_config_load_file(config, config_path, &err) : FIKS_OK;
    if (s == FIKS_OK)
        s = config_path ? fiks_config_load_env(config, &err) : fiks_config_load_env_with_file(config, &err);
    if (s != FIKS_OK) {
        fiks_config_free(config);
        return report(s, err);
    }
    fiks_client *client = NULL;
    s = fiks_client_new(config, &client, &err);
    fiks_config_free(config); /* the client keeps what it needs */
    if (s != FIKS_OK) return report(s, err);

    char *token = NULL;
    if ((s = fiks_client_access_token(client, &token, &err)) != FIKS_OK) {
        fiks_client_free(client);
        return report(s, err);
    }
    /* The token is a secret: never print or log it. */
    printf("got an access token (%zu characters)\n", strlen(token));
    fiks_string_free(token);

    char *body = sok_body(argv[optind]);
    fiks_request *req = NULL;
    fiks_response *resp = NULL;
    s = body ? fiks_request_new("POST", path, &req, &err) : FIKS_ERROR_INTERNAL;
    if (s == FIKS_OK) s = fiks_request_set_body(req, (const uint8_t *)body, strlen(body), "application/json", &err);
    /* One deadline for the whole call: the token, retries and Retry-After waits included. */
    if (s == FIKS_OK) s = fiks_request_set_timeout_ms(req, 30000, &err);
    if (s == FIKS_OK) s = fiks_client_send(client, req, &resp, &err);
    fiks_request_free(req);
    free(body);
    int code = 0;
    if (s == FIKS_OK) {
        size_t len = 0;
        const uint8_t *data = fiks_response_body(resp, &len);
        printf("HTTP %u, %zu bytes:\n%.*s\n", (unsigned)fiks_response_status(resp), len, (int)len, (const char *)data);
        fiks_response_free(resp);
    } else {
        code = report(s, err);
    }
    fiks_client_free(client);
    return code;
}
