/*
 * The core's rules through the C ABI: the Fiks headers only for the Fiks origins, one
 * Content-Type, evicting after your own 401 (once per token), TOML text, and the key table.
 */
#include "check.h"

static char *read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf != NULL && fread(buf, 1, (size_t)n, f) == (size_t)n) buf[n] = '\0';
    fclose(f);
    return buf;
}

static void headers_only_for_fiks_origins(void) {
    fiks_client *client = mock_client_with(NULL, 0);
    fiks_error *err = NULL;
    char url[1024];
    snprintf(url, sizeof url, "%s/echo", mock_env("MOCK_FIKS_BASE_URL"));
    fiks_headers *headers = NULL;
    CHECK_STATUS(fiks_client_headers_for_url(client, url, &headers, &err), FIKS_OK, err);
    CHECK(headers != NULL && fiks_headers_count(headers) == 3);
    fiks_headers_free(headers);
    CHECK(fiks_client_may_send_headers(client, url));

    /* Another origin: another port on the same host. */
    const char *base = mock_env("MOCK_BASE_URL"); /* http://127.0.0.1:PORT */
    const char *colon = strrchr(base, ':');
    int port = colon ? atoi(colon + 1) : 0;
    char other[256];
    snprintf(other, sizeof other, "http://127.0.0.1:%d/fiks/echo", port + 1);
    headers = NULL;
    CHECK_STATUS(fiks_client_headers_for_url(client, other, &headers, &err), FIKS_ERROR_USAGE, err);
    CHECK(headers == NULL);
    CHECK_CONTAINS(fiks_error_message(err), "refusing to send the Fiks headers");
    fiks_error_free(err);
    err = NULL;
    CHECK(!fiks_client_may_send_headers(client, other));
    CHECK(!fiks_client_may_send_headers(client, "https://evil.example.no/fiks/echo"));
    CHECK(!fiks_client_may_send_headers(client, NULL));
    fiks_client_free(client);
}

static void one_content_type(void) {
    fiks_client *client = mock_client_with(NULL, 0);
    fiks_error *err = NULL;
    fiks_request *req = NULL;
    CHECK_STATUS(fiks_request_new("POST", "/echo", &req, &err), FIKS_OK, err);
    CHECK_STATUS(fiks_request_set_body(req, (const uint8_t *)"<a/>", 4, "application/octet-stream", &err), FIKS_OK, err);
    CHECK_STATUS(fiks_request_set_header(req, "Content-Type", "application/xml", &err), FIKS_OK, err);
    CHECK_STATUS(fiks_request_set_header(req, "X-Evil", "a\r\nInjected: 1", &err), FIKS_ERROR_INVALID_ARGUMENT, err);
    fiks_error_free(err);
    err = NULL;
    CHECK_STATUS(fiks_request_set_timeout_ms(req, 10000, &err), FIKS_OK, err);
    fiks_response *resp = NULL;
    CHECK_STATUS(fiks_client_send(client, req, &resp, &err), FIKS_OK, err);
    size_t len = 0;
    const uint8_t *body = fiks_response_body(resp, &len);
    char *text = malloc(len + 1);
    if (text != NULL && body != NULL) {
        memcpy(text, body, len);
        text[len] = '\0';
        CHECK_CONTAINS(text, "\"content-type\":\"application/xml\"");
        CHECK(strstr(text, "octet-stream") == NULL);
        CHECK(strstr(text, "Injected") == NULL);
    }
    free(text);
    fiks_response_free(resp);
    fiks_request_free(req);
    fiks_request_free(NULL);
    fiks_client_free(client);
}

static void evict_after_own_401(void) {
    fiks_client *client = mock_client_with(NULL, 0);
    fiks_error *err = NULL;
    char *first = NULL, *second = NULL;
    CHECK_STATUS(fiks_client_access_token(client, &first, &err), FIKS_OK, err);
    bool retry = false;
    CHECK_STATUS(fiks_client_evict_token(client, first, &retry, &err), FIKS_OK, err);
    CHECK(retry);
    CHECK_STATUS(fiks_client_access_token(client, &second, &err), FIKS_OK, err);
    CHECK(first && second && strcmp(first, second) != 0);
    char bearer[8192];
    snprintf(bearer, sizeof bearer, "Bearer %s", second ? second : "");
    CHECK_STATUS(fiks_client_evict_token(client, bearer, &retry, &err), FIKS_OK, err);
    CHECK(!retry); /* fetched after a 401: Fiks refuses the integrasjon, no new token */
    char *third = NULL;
    CHECK_STATUS(fiks_client_access_token(client, &third, &err), FIKS_OK, err);
    CHECK(second && third && strcmp(second, third) == 0);
    memset(bearer, 0, sizeof bearer);
    fiks_string_free(first);
    fiks_string_free(second);
    fiks_string_free(third);
    fiks_client_free(client);
}

static void toml_text_and_key_table(void) {
    char *toml = read_file(mock_env("MOCK_CONFIG"));
    CHECK(toml != NULL);
    fiks_config *config = fiks_config_new();
    fiks_error *err = NULL;
    CHECK_STATUS(fiks_config_load_toml(config, toml, &err), FIKS_OK, err);
    fiks_client *client = NULL;
    CHECK_STATUS(fiks_client_new(config, &client, &err), FIKS_OK, err);
    fiks_client_free(client);
    CHECK_STATUS(fiks_config_load_toml(config, "timeout = 5", &err), FIKS_ERROR_CONFIG, err);
    CHECK_CONTAINS(fiks_error_message(err), "did you mean `timeout_seconds`");
    fiks_error_free(err);
    err = NULL;
    fiks_config_free(config);
    free(toml);

    size_t n = fiks_config_key_count();
    CHECK(n > 20);
    int secret_seen = 0, issuer_seen = 0;
    for (size_t i = 0; i < n; i++) {
        const char *name = fiks_config_key_name(i);
        CHECK(name != NULL && fiks_config_key_kind(i) != NULL);
        if (name && strcmp(name, "integrasjon_passord") == 0) secret_seen = fiks_config_key_is_secret(i);
        if (name && strcmp(name, "issuer") == 0) issuer_seen = !fiks_config_key_is_secret(i);
    }
    CHECK(secret_seen && issuer_seen);
    CHECK(fiks_config_key_name(n) == NULL && fiks_config_key_kind(n) == NULL && !fiks_config_key_is_secret(n));
}

static void a_key_given_as_text_is_never_echoed(void) {
    static const char secret[] =
        "-----BEGIN PRIVATE KEY-----\nMIIEvQ-SECRET-KEY-MATERIAL\n-----END PRIVATE KEY-----\n";
    fiks_config *config = mock_config();
    fiks_error *err = NULL;
    char *chain = NULL;
    const char *p12 = mock_env("MOCK_P12"); /* .../virksomhet.p12: chain.pem is beside it */
    char path[1024];
    snprintf(path, sizeof path, "%.*schain.pem", (int)(strrchr(p12, '/') - p12 + 1), p12);
    chain = read_file(path);
    CHECK(chain != NULL);
    CHECK_STATUS(fiks_config_set(config, "certificate", chain ? chain : "", &err), FIKS_OK, err);
    CHECK_STATUS(fiks_config_set(config, "private_key", secret, &err), FIKS_OK, err);
    fiks_client *client = NULL;
    CHECK_STATUS(fiks_client_new(config, &client, &err), FIKS_ERROR_CERTIFICATE, err);
    CHECK(client == NULL);
    CHECK(err != NULL && strstr(fiks_error_message(err), "SECRET-KEY-MATERIAL") == NULL);
    CHECK(err != NULL && strstr(fiks_error_message(err), "BEGIN PRIVATE KEY") == NULL);
    fiks_error_free(err);
    fiks_config_free(config);
    free(chain);
}

int main(void) {
    a_key_given_as_text_is_never_echoed();
    headers_only_for_fiks_origins();
    one_content_type();
    evict_after_own_401();
    toml_text_and_key_table();
    return check_summary();
}
