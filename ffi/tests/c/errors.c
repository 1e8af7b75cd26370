/*
 * Every error kind with its fields: invalid arguments (NULL, invalid UTF-8), config
 * (unknown key, missing key), certificate, token (a Maskinporten refusal), api (every field of
 * a Fiks error), transport, and fiks_parse_error. Usage (fork) is in fork.c.
 */
#include <stdint.h>

#include "check.h"

static void test_invalid_arguments(void) {
    fiks_config *config = fiks_config_new();
    fiks_error *err = NULL;

    CHECK_STATUS(fiks_config_set(NULL, "issuer", "x", &err), FIKS_ERROR_INVALID_ARGUMENT, err);
    CHECK(fiks_error_kind(err) == FIKS_ERROR_INVALID_ARGUMENT);
    CHECK_CONTAINS(fiks_error_message(err), "fiks_config_set");
    CHECK_CONTAINS(fiks_error_message(err), "`config` is NULL");
    CHECK(fiks_error_http_status(err) == 0);
    CHECK(fiks_error_id(err) == NULL && fiks_error_body(err, NULL) == NULL);
    fiks_error_free(err);
    err = NULL;

    CHECK_STATUS(fiks_config_set(config, NULL, "x", &err), FIKS_ERROR_INVALID_ARGUMENT, err);
    CHECK_CONTAINS(fiks_error_message(err), "`key` is NULL");
    fiks_error_free(err);
    err = NULL;

    CHECK_STATUS(fiks_config_set(config, "issuer", NULL, &err), FIKS_ERROR_INVALID_ARGUMENT, err);
    CHECK_CONTAINS(fiks_error_message(err), "`value` is NULL");
    fiks_error_free(err);
    err = NULL;

    /* Invalid UTF-8: the message names the argument and never quotes the value. */
    CHECK_STATUS(fiks_config_set(config, "certificate_password", "hemmelig\xff", &err), FIKS_ERROR_INVALID_ARGUMENT,
                 err);
    CHECK_CONTAINS(fiks_error_message(err), "`value` is not valid UTF-8");
    CHECK(fiks_error_message(err) != NULL && strstr(fiks_error_message(err), "hemmelig") == NULL);
    fiks_error_free(err);
    err = NULL;

    /* error_out may be NULL: the status alone. */
    CHECK(fiks_config_set(config, NULL, NULL, NULL) == FIKS_ERROR_INVALID_ARGUMENT);
    CHECK(fiks_config_load_file(config, NULL, NULL) == FIKS_ERROR_INVALID_ARGUMENT);
    CHECK(fiks_config_load_env(NULL, NULL) == FIKS_ERROR_INVALID_ARGUMENT);
    CHECK(fiks_config_set_certificate_pkcs12(config, NULL, 10, NULL, NULL) == FIKS_ERROR_INVALID_ARGUMENT);
    CHECK(fiks_config_set_certificate_pkcs12(config, (const uint8_t *)"x", 0, NULL, NULL) ==
          FIKS_ERROR_INVALID_ARGUMENT);

    fiks_client *client = NULL;
    CHECK_STATUS(fiks_client_new(NULL, &client, &err), FIKS_ERROR_INVALID_ARGUMENT, err);
    CHECK_CONTAINS(fiks_error_message(err), "`config` is NULL");
    CHECK(client == NULL); /* out-params are written only on success */
    fiks_error_free(err);
    err = NULL;
    CHECK_STATUS(fiks_client_new(config, NULL, &err), FIKS_ERROR_INVALID_ARGUMENT, err);
    CHECK_CONTAINS(fiks_error_message(err), "`client_out` is NULL");
    fiks_error_free(err);
    err = NULL;

    char *token = NULL;
    CHECK(fiks_client_access_token(NULL, &token, NULL) == FIKS_ERROR_INVALID_ARGUMENT);
    CHECK(token == NULL);
    fiks_headers *headers = NULL;
    CHECK(fiks_client_headers(NULL, &headers, NULL) == FIKS_ERROR_INVALID_ARGUMENT);
    CHECK(headers == NULL);
    fiks_response *resp = NULL;
    CHECK(fiks_client_request(NULL, "GET", "/", NULL, 0, &resp, NULL) == FIKS_ERROR_INVALID_ARGUMENT);
    CHECK(resp == NULL);

    /* Accessors on NULL: NULL, 0, false; frees of NULL: no-ops. */
    CHECK(fiks_error_kind(NULL) == FIKS_ERROR_INVALID_ARGUMENT);
    CHECK(fiks_error_message(NULL) == NULL);
    CHECK(fiks_error_http_status(NULL) == 0);
    int64_t ts = 42;
    CHECK(!fiks_error_timestamp(NULL, &ts) && ts == 42);
    CHECK(fiks_headers_count(NULL) == 0 && fiks_headers_name(NULL, 0) == NULL && fiks_headers_value(NULL, 0) == NULL);
    CHECK(fiks_response_status(NULL) == 0 && fiks_response_body(NULL, NULL) == NULL);
    CHECK(fiks_response_headers_count(NULL) == 0 && fiks_response_header_name(NULL, 0) == NULL);
    CHECK(fiks_response_header_value(NULL, 0) == NULL);
    fiks_config_free(NULL);
    fiks_client_free(NULL);
    fiks_headers_free(NULL);
    fiks_response_free(NULL);
    fiks_error_free(NULL);
    fiks_string_free(NULL);
    fiks_config_free(config);
}

static void test_config_errors(void) {
    fiks_config *config = fiks_config_new();
    fiks_error *err = NULL;

    CHECK_STATUS(fiks_config_set(config, "isuer", "x", &err), FIKS_ERROR_CONFIG, err);
    CHECK(fiks_error_kind(err) == FIKS_ERROR_CONFIG);
    CHECK_CONTAINS(fiks_error_message(err), "did you mean `issuer`");
    fiks_error_free(err);
    err = NULL;

    CHECK_STATUS(fiks_config_load_file(config, "/nonexistent/fiks.toml", &err), FIKS_ERROR_CONFIG, err);
    CHECK_CONTAINS(fiks_error_message(err), "/nonexistent/fiks.toml");
    fiks_error_free(err);
    err = NULL;

    /* Nothing set: fiks_client_new says what is missing. */
    fiks_client *client = NULL;
    CHECK_STATUS(fiks_client_new(config, &client, &err), FIKS_ERROR_CONFIG, err);
    CHECK(client == NULL);
    CHECK(fiks_error_message(err) != NULL && strlen(fiks_error_message(err)) > 10);
    fiks_error_free(err);
    err = NULL;
    fiks_config_free(config);

    /* A bad method is an argument error naming `method`. */
    client = mock_client_with(NULL, 0);
    fiks_response *resp = NULL;
    CHECK_STATUS(fiks_client_request(client, "GE T", "/echo", NULL, 0, &resp, &err), FIKS_ERROR_INVALID_ARGUMENT,
                 err);
    CHECK_CONTAINS(fiks_error_message(err), "`method`");
    fiks_error_free(err);
    err = NULL;
    const char *names[] = {"bad name"};
    const char *values[] = {"v"};
    CHECK_STATUS(fiks_client_request_with_headers(client, "GET", "/echo", names, values, 1, NULL, 0, &resp, &err),
                 FIKS_ERROR_INVALID_ARGUMENT, err);
    CHECK_CONTAINS(fiks_error_message(err), "header_names[0]");
    fiks_error_free(err);
    err = NULL;
    CHECK_STATUS(fiks_client_request(client, "POST", "/echo", NULL, 5, &resp, &err), FIKS_ERROR_INVALID_ARGUMENT,
                 err);
    CHECK_CONTAINS(fiks_error_message(err), "`body` is NULL");
    CHECK(resp == NULL);
    fiks_error_free(err);
    fiks_client_free(client);
}

static void test_certificate_error(void) {
    const char *pairs[] = {"certificate_password", "feil-passord"};
    fiks_config *config = mock_config();
    fiks_error *err = NULL;
    fiks_client *client = NULL;
    CHECK_STATUS(fiks_config_set(config, pairs[0], pairs[1], &err), FIKS_OK, err);
    CHECK_STATUS(fiks_client_new(config, &client, &err), FIKS_ERROR_CERTIFICATE, err);
    CHECK(fiks_error_kind(err) == FIKS_ERROR_CERTIFICATE);
    CHECK_CONTAINS(fiks_error_message(err), "certificate_password");
    CHECK(strstr(fiks_error_message(err), "feil-passord") == NULL);
    CHECK(client == NULL);
    fiks_error_free(err);
    fiks_config_free(config);
}

static void test_token_error(void) {
    /* An issuer Maskinporten does not know. */
    const char *pairs[] = {"issuer", "ukjent-klient"};
    fiks_client *client = mock_client_with(pairs, 1);
    fiks_error *err = NULL;
    char *token = NULL;
    CHECK_STATUS(fiks_client_access_token(client, &token, &err), FIKS_ERROR_TOKEN, err);
    CHECK(token == NULL);
    CHECK(fiks_error_kind(err) == FIKS_ERROR_TOKEN);
    CHECK(fiks_error_http_status(err) >= 400 && fiks_error_http_status(err) < 500);
    CHECK(fiks_error_oauth_error(err) != NULL && strlen(fiks_error_oauth_error(err)) > 0);
    CHECK(fiks_error_oauth_description(err) != NULL);
    CHECK(fiks_error_mp_code(err) != NULL && strncmp(fiks_error_mp_code(err), "MP-", 3) == 0);
    CHECK_CONTAINS(fiks_error_message(err), fiks_error_oauth_error(err));
    CHECK(fiks_error_id(err) == NULL && fiks_error_body(err, NULL) == NULL);
    printf("token error: %s\n", fiks_error_message(err));
    fiks_error_free(err);
    fiks_client_free(client);
}

static void check_all_api_fields(const fiks_error *err, uint16_t status) {
    CHECK(fiks_error_kind(err) == FIKS_ERROR_API);
    CHECK(fiks_error_http_status(err) == status);
    CHECK(fiks_error_id(err) != NULL && strlen(fiks_error_id(err)) == 36); /* a uuid */
    CHECK_STREQ(fiks_error_code(err), "MOCK_FEIL");
    CHECK_STREQ(fiks_error_json(err), "{\"antall\":13}");
    CHECK(fiks_error_fiks_message(err) != NULL);
    CHECK(fiks_error_path(err) != NULL);
    /* The mock sends no originalPath (KS: "in rare cases"); test_parse_error covers it. */
    CHECK(fiks_error_original_path(err) == NULL || fiks_error_original_path(err)[0] == '/');
    CHECK(fiks_error_error(err) != NULL);
    int64_t ts = 0;
    CHECK(fiks_error_timestamp(err, &ts) && ts > 1600000000000LL);
    CHECK(fiks_error_oauth_error(err) == NULL && fiks_error_mp_code(err) == NULL);
    size_t len = 0;
    const char *body = (const char *)fiks_error_body(err, &len);
    CHECK(body != NULL && len > 0 && body[len] == '\0');
    CHECK_CONTAINS(body, fiks_error_id(err));
    CHECK_CONTAINS(fiks_error_message(err), fiks_error_id(err));
    /* The hint is its own field, never baked into the message. */
    CHECK(fiks_error_hint(err) != NULL && strstr(fiks_error_message(err), "hint") == NULL);
    CHECK(fiks_error_is_transient(err) == (fiks_error_http_status(err) >= 500 || fiks_error_http_status(err) == 429));
}

static void test_api_error(void) {
    fiks_client *client = mock_client_with(NULL, 0);
    const uint16_t statuses[] = {400, 403, 404, 500};
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
        char path[32];
        snprintf(path, sizeof path, "/status/%u", (unsigned)statuses[i]);
        fiks_error *err = NULL;
        fiks_response *resp = NULL;
        /* POST: not retried, even for 500. */
        CHECK_STATUS(fiks_client_request(client, "POST", path, NULL, 0, &resp, &err), FIKS_ERROR_API, err);
        CHECK(resp == NULL);
        check_all_api_fields(err, statuses[i]);
        CHECK_CONTAINS(fiks_error_path(err), path);
        if (i == 0) printf("api error: %s\n", fiks_error_message(err));
        fiks_error_free(err);
    }
    fiks_client_free(client);
}

static void test_transport_error(void) {
    /* Nothing listens on port 9 of loopback (discard); no retries. */
    const char *pairs[] = {"fiks_base_url", "http://127.0.0.1:9/fiks", "max_retries", "0", "timeout_seconds", "5"};
    fiks_client *client = mock_client_with(pairs, 3);
    fiks_error *err = NULL;
    fiks_response *resp = NULL;
    CHECK_STATUS(fiks_client_request(client, "GET", "/echo", NULL, 0, &resp, &err), FIKS_ERROR_TRANSPORT, err);
    CHECK(fiks_error_kind(err) == FIKS_ERROR_TRANSPORT);
    CHECK_CONTAINS(fiks_error_message(err), "127.0.0.1:9");
    CHECK(fiks_error_http_status(err) == 0);
    fiks_error_free(err);
    fiks_client_free(client);
}

static void test_parse_error(void) {
    static const char ks[] = "{\"timestamp\": 1637218198035, \"status\": 400, \"error\": \"Bad Request\","
                             " \"errorId\": \"3389ad1b-afa4-42e1-b6f8-76f63e560ad5\","
                             " \"path\": \"/tjeneste/api/v1/ressurs/123456\","
                             " \"originalPath\": \"/tjeneste/api/v1/ressurs\","
                             " \"message\": \"Beskrivelse av feilen\", \"errorCode\": \"FEILKODE\","
                             " \"errorJson\": \"{\\\"antall\\\":13}\"}";
    fiks_error *err = NULL;
    CHECK_STATUS(fiks_parse_error((const uint8_t *)ks, strlen(ks), 0, &err), FIKS_OK, err);
    CHECK(fiks_error_kind(err) == FIKS_ERROR_API);
    CHECK(fiks_error_http_status(err) == 400);
    CHECK_STREQ(fiks_error_error(err), "Bad Request");
    CHECK_STREQ(fiks_error_id(err), "3389ad1b-afa4-42e1-b6f8-76f63e560ad5");
    CHECK_STREQ(fiks_error_path(err), "/tjeneste/api/v1/ressurs/123456");
    CHECK_STREQ(fiks_error_original_path(err), "/tjeneste/api/v1/ressurs");
    CHECK_STREQ(fiks_error_fiks_message(err), "Beskrivelse av feilen");
    CHECK_STREQ(fiks_error_code(err), "FEILKODE");
    CHECK_STREQ(fiks_error_json(err), "{\"antall\":13}");
    int64_t ts = 0;
    CHECK(fiks_error_timestamp(err, &ts) && ts == 1637218198035LL);
    CHECK(!fiks_error_timestamp(err, NULL));
    size_t len = 0;
    const uint8_t *body = fiks_error_body(err, &len);
    CHECK(body != NULL && len == strlen(ks) && memcmp(body, ks, len) == 0);
    fiks_error_free(err);
    err = NULL;

    static const char html[] = "<html><body>502 Bad Gateway</body></html>";
    CHECK_STATUS(fiks_parse_error((const uint8_t *)html, strlen(html), 0, &err), FIKS_ERROR_INVALID_ARGUMENT, err);
    CHECK_CONTAINS(fiks_error_message(err), "not a Fiks error");
    fiks_error_free(err);
    err = NULL;
    CHECK(fiks_parse_error(NULL, 3, 0, NULL) == FIKS_ERROR_INVALID_ARGUMENT);
    CHECK(fiks_parse_error((const uint8_t *)ks, strlen(ks), 0, NULL) == FIKS_OK);
    /* The answer's status decides: a 2xx body is never an error; a bare message needs a status. */
    CHECK(fiks_parse_error((const uint8_t *)ks, strlen(ks), 200, NULL) == FIKS_ERROR_INVALID_ARGUMENT);
    const char *hei = "{\"message\":\"hei\"}";
    CHECK(fiks_parse_error((const uint8_t *)hei, strlen(hei), 0, NULL) == FIKS_ERROR_INVALID_ARGUMENT);
    CHECK_STATUS(fiks_parse_error((const uint8_t *)hei, strlen(hei), 409, &err), FIKS_OK, err);
    CHECK(fiks_error_http_status(err) == 409);
    CHECK(strcmp(fiks_status_name(fiks_error_kind(err)), "api") == 0);
    fiks_error_free(err);
    err = NULL;
    CHECK(strcmp(fiks_status_name(FIKS_ERROR_CERTIFICATE), "certificate") == 0);
    CHECK(strcmp(fiks_status_name((fiks_status)999), "unknown") == 0);
}

int main(void) {
    test_invalid_arguments();
    test_config_errors();
    test_certificate_error();
    test_token_error();
    test_api_error();
    test_transport_error();
    test_parse_error();
    return check_summary();
}
