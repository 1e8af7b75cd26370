/*
 * The full flow against the mock: config from fiks.toml and from fiks_config_set, the
 * in-memory PKCS#12, tokens, headers, a Fiks call (sok), extra headers, every object freed.
 */
#include <stdint.h>

#include "check.h"

static void test_version(void) {
    const char *v = fiks_version();
    CHECK(v != NULL && strlen(v) >= 5);
    CHECK(strchr(v, '.') != NULL);
}

static void test_token_and_headers(void) {
    fiks_client *client = mock_client_with(NULL, 0);
    fiks_error *err = NULL;
    char *token = NULL, *again = NULL, *scoped = NULL;

    CHECK_STATUS(fiks_client_access_token(client, &token, &err), FIKS_OK, err);
    CHECK(token != NULL && strlen(token) > 10);
    /* The second call comes from the cache: the same token. */
    CHECK_STATUS(fiks_client_access_token(client, &again, &err), FIKS_OK, err);
    CHECK(token != NULL && again != NULL && strcmp(token, again) == 0);
    CHECK_STATUS(fiks_client_access_token_for_scopes(client, "ks:fiks", &scoped, &err), FIKS_OK, err);
    CHECK(scoped != NULL && strlen(scoped) > 10);

    fiks_headers *headers = NULL;
    CHECK_STATUS(fiks_client_headers(client, &headers, &err), FIKS_OK, err);
    CHECK(fiks_headers_count(headers) == 3);
    CHECK_STREQ(fiks_headers_name(headers, 0), "Authorization");
    CHECK_STREQ(fiks_headers_name(headers, 1), "IntegrasjonId");
    CHECK_STREQ(fiks_headers_name(headers, 2), "IntegrasjonPassord");
    CHECK(fiks_headers_name(headers, 3) == NULL);
    CHECK(fiks_headers_value(headers, 3) == NULL);
    const char *auth = fiks_headers_value(headers, 0);
    CHECK(auth != NULL && strncmp(auth, "Bearer ", 7) == 0 && token != NULL && strcmp(auth + 7, token) == 0);
    CHECK_STREQ(fiks_headers_value(headers, 1), mock_env("MOCK_INTEGRASJON_ID"));
    CHECK_STREQ(fiks_headers_value(headers, 2), mock_env("MOCK_INTEGRASJON_PASSORD"));

    /* Headers outlive the client they came from. */
    fiks_client_free(client);
    CHECK(fiks_headers_count(headers) == 3);
    fiks_headers_free(headers);
    fiks_string_free(token);
    fiks_string_free(again);
    fiks_string_free(scoped);
    CHECK(err == NULL);
}

static void test_sok(void) {
    fiks_client *client = mock_client_with(NULL, 0);
    fiks_error *err = NULL;
    fiks_response *resp = NULL;
    static const char body[] = "{\"sok\": \"byggesak\"}";

    CHECK_STATUS(fiks_client_request(client, "POST", "/innsyn-sok/api/v1/sok", (const uint8_t *)body,
                                     strlen(body), &resp, &err),
                 FIKS_OK, err);
    CHECK(fiks_response_status(resp) == 200);
    size_t len = 0;
    const uint8_t *data = fiks_response_body(resp, &len);
    CHECK(data != NULL && len > 0);
    CHECK(data != NULL && data[len] == '\0'); /* a NUL follows the body */
    CHECK_CONTAINS((const char *)data, "byggesak");
    CHECK(fiks_response_body(resp, NULL) == data);
    size_t n = fiks_response_headers_count(resp);
    CHECK(n > 0);
    int json = 0;
    for (size_t i = 0; i < n; i++) {
        const char *name = fiks_response_header_name(resp, i);
        const char *value = fiks_response_header_value(resp, i);
        CHECK(name != NULL && value != NULL);
        if (name && value && strcmp(name, "content-type") == 0 && strstr(value, "json")) json = 1;
    }
    CHECK(json);
    CHECK(fiks_response_header_name(resp, n) == NULL);
    CHECK(fiks_response_header_value(resp, n) == NULL);
    fiks_response_free(resp);

    /* GET without a body, lowercase method; an empty (NULL, 0) body is allowed. */
    resp = NULL;
    CHECK_STATUS(fiks_client_request(client, "get", "/echo", NULL, 0, &resp, &err), FIKS_OK, err);
    CHECK(fiks_response_status(resp) == 200);
    CHECK_CONTAINS((const char *)fiks_response_body(resp, NULL), "GET");
    fiks_response_free(resp);

    /* Extra headers, and a Content-Type that replaces application/json. */
    const char *names[] = {"X-Fiks-Test", "Content-Type"};
    const char *values[] = {"hei-fra-c", "text/plain"};
    static const char text[] = "ren tekst";
    resp = NULL;
    CHECK_STATUS(fiks_client_request_with_headers(client, "PUT", "/echo", names, values, 2, (const uint8_t *)text,
                                                  strlen(text), &resp, &err),
                 FIKS_OK, err);
    const char *echo = (const char *)fiks_response_body(resp, NULL);
    CHECK_CONTAINS(echo, "hei-fra-c");
    CHECK_CONTAINS(echo, "text/plain");
    CHECK_CONTAINS(echo, "PUT");
    fiks_response_free(resp);
    CHECK(err == NULL);
    fiks_client_free(client);
}

static unsigned char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    unsigned char *buf = NULL;
    if (fseek(f, 0, SEEK_END) == 0) {
        long size = ftell(f);
        if (size > 0 && fseek(f, 0, SEEK_SET) == 0) {
            buf = malloc((size_t)size);
            if (buf && fread(buf, 1, (size_t)size, f) != (size_t)size) {
                free(buf);
                buf = NULL;
            }
            *len = (size_t)size;
        }
    }
    fclose(f);
    return buf;
}

/* Every key set one by one, the certificate from memory: no file but the .p12 bytes. */
static void test_config_set_and_pkcs12(void) {
    fiks_config *config = fiks_config_new();
    fiks_error *err = NULL;
    const char *pairs[][2] = {
        {"issuer", mock_env("MOCK_ISSUER")},
        {"audience", mock_env("MOCK_AUDIENCE")},
        {"token_endpoint", mock_env("MOCK_TOKEN_ENDPOINT")},
        {"fiks_base_url", mock_env("MOCK_FIKS_BASE_URL")},
        {"integrasjon_id", mock_env("MOCK_INTEGRASJON_ID")},
        {"integrasjon_passord", mock_env("MOCK_INTEGRASJON_PASSORD")},
        {"scopes", "ks:fiks"},
        {"timeout_seconds", "10"},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        CHECK_STATUS(fiks_config_set(config, pairs[i][0], pairs[i][1], &err), FIKS_OK, err);
    }
    size_t len = 0;
    unsigned char *p12 = read_file(mock_env("MOCK_P12"), &len);
    CHECK(p12 != NULL && len > 100);
    CHECK_STATUS(fiks_config_set_certificate_pkcs12(config, p12, len, mock_env("MOCK_PASSWORD"), &err), FIKS_OK, err);
    memset(p12, 0, len); /* the library keeps its own copy */
    free(p12);

    fiks_client *client = NULL;
    CHECK_STATUS(fiks_client_new(config, &client, &err), FIKS_OK, err);
    /* The config is not needed by the client: free it first. */
    fiks_config_free(config);
    char *token = NULL;
    CHECK_STATUS(fiks_client_access_token(client, &token, &err), FIKS_OK, err);
    CHECK(token != NULL);
    fiks_string_free(token);

    /* One config, two clients ("double use"). */
    fiks_client_free(client);
    CHECK(err == NULL);
    fiks_error_free(err);
}

static void test_one_config_two_clients(void) {
    fiks_config *config = mock_config();
    fiks_client *a = NULL, *b = NULL;
    fiks_error *err = NULL;
    CHECK_STATUS(fiks_client_new(config, &a, &err), FIKS_OK, err);
    CHECK_STATUS(fiks_client_new(config, &b, &err), FIKS_OK, err);
    CHECK(a != NULL && b != NULL && a != b);
    char *ta = NULL, *tb = NULL;
    CHECK_STATUS(fiks_client_access_token(a, &ta, &err), FIKS_OK, err);
    CHECK_STATUS(fiks_client_access_token(b, &tb, &err), FIKS_OK, err);
    /* Separate caches: separate tokens. */
    CHECK(ta != NULL && tb != NULL && strcmp(ta, tb) != 0);
    fiks_string_free(ta);
    fiks_string_free(tb);
    fiks_client_free(b);
    fiks_client_free(a);
    fiks_config_free(config);
}

int main(void) {
    test_version();
    test_token_and_headers();
    test_sok();
    test_config_set_and_pkcs12();
    test_one_config_two_clients();
    return check_summary();
}
