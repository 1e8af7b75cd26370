/*
 * One client for many integrasjoner, services and citizens through the C ABI: derived clients
 * send their own IntegrasjonId and share one token, outlive their parent; a citizen's client
 * sends the person token; named lookups, services, Fiks IO credentials and multipart bodies.
 * The mock accepts mock_integrasjon(i) = ("00000000-0000-4000-8000-<i in 12 digits>",
 * "mock-passord-<i>") and its fiks.toml names kommune-1 ... kommune-3 and the service svarut.
 */
#include "check.h"

#include <stdint.h>
#include <time.h>

static void mock_integrasjon(int i, char *id, size_t id_size, char *passord, size_t passord_size) {
    snprintf(id, id_size, "00000000-0000-4000-8000-%012d", i);
    snprintf(passord, passord_size, "mock-passord-%d", i);
}

/* Sends `req` and returns the response body as an owned string (NULL on failure). */
static char *send_body(fiks_client *client, const fiks_request *req) {
    fiks_error *err = NULL;
    fiks_response *resp = NULL;
    fiks_status s = fiks_client_send(client, req, &resp, &err);
    CHECK_STATUS(s, FIKS_OK, err);
    fiks_error_free(err);
    if (s != FIKS_OK) return NULL;
    size_t len = 0;
    const uint8_t *body = fiks_response_body(resp, &len);
    char *copy = malloc(len + 1);
    memcpy(copy, body, len);
    copy[len] = '\0';
    fiks_response_free(resp);
    return copy;
}

static char *echo(fiks_client *client) {
    fiks_error *err = NULL;
    fiks_request *req = NULL;
    CHECK_STATUS(fiks_request_new("GET", "/echo", &req, &err), FIKS_OK, err);
    char *body = send_body(client, req);
    fiks_request_free(req);
    return body;
}

/* The token requests the mock has counted, from GET /_mock/counters. */
static int token_requests(void) {
    char answer[16384];
    if (mock_control("GET", "/_mock/counters", NULL, answer, sizeof answer) != 200) return -1;
    const char *p = strstr(answer, "\"token_requests\":");
    return p ? atoi(p + strlen("\"token_requests\":")) : -1;
}

static void derived_clients(void) {
    fiks_client *parent = mock_client_with(NULL, 0);
    fiks_error *err = NULL;
    fiks_client *children[3] = {NULL, NULL, NULL};
    char ids[3][64];
    int before = token_requests();
    for (int i = 0; i < 3; i++) {
        char passord[64];
        mock_integrasjon(i + 4, ids[i], sizeof ids[i], passord, sizeof passord);
        CHECK_STATUS(fiks_client_for_integrasjon(parent, ids[i], passord, &children[i], &err), FIKS_OK, err);
        CHECK(children[i] != NULL);
    }
    for (int i = 0; i < 3; i++) {
        fiks_headers *h = NULL;
        CHECK_STATUS(fiks_client_headers(children[i], &h, &err), FIKS_OK, err);
        CHECK_STREQ(fiks_headers_name(h, 1), "IntegrasjonId");
        CHECK_STREQ(fiks_headers_value(h, 1), ids[i]);
        fiks_headers_free(h);
    }
    /* The parent first: the children stay valid. */
    fiks_client_free(parent);
    for (int i = 0; i < 3; i++) {
        char *body = echo(children[i]);
        CHECK_CONTAINS(body, ids[i]);
        free(body);
        fiks_client_free(children[i]);
    }
    CHECK(before >= 0 && token_requests() == before + 1);

    /* The core's rules: a malformed id; the password is never quoted. */
    parent = mock_client_with(NULL, 0);
    fiks_client *bad = NULL;
    CHECK_STATUS(fiks_client_for_integrasjon(parent, "kommune", "hemmelig-passord", &bad, &err), FIKS_ERROR_CONFIG, err);
    CHECK(bad == NULL);
    CHECK(err != NULL && strstr(fiks_error_message(err), "hemmelig-passord") == NULL);
    fiks_error_free(err);
    err = NULL;
    CHECK_STATUS(fiks_client_for_integrasjon(NULL, ids[0], "x", &bad, &err), FIKS_ERROR_INVALID_ARGUMENT, err);
    fiks_error_free(err);
    err = NULL;
    fiks_client_free(parent);
}

static void named(void) {
    fiks_config *config = mock_config();
    fiks_error *err = NULL;
    char id[64], passord[64];
    mock_integrasjon(9, id, sizeof id, passord, sizeof passord);
    CHECK_STATUS(fiks_config_set_integrasjon(config, "kommune-9", id, passord, &err), FIKS_OK, err);
    fiks_client *parent = NULL;
    CHECK_STATUS(fiks_client_new(config, &parent, &err), FIKS_OK, err);
    fiks_config_free(config);

    fiks_client *child = NULL;
    CHECK_STATUS(fiks_client_for_integrasjon_named(parent, "kommune-9", &child, &err), FIKS_OK, err);
    char *body = echo(child);
    CHECK_CONTAINS(body, id);
    free(body);
    fiks_client_free(child);
    child = NULL;
    CHECK_STATUS(fiks_client_for_integrasjon_named(parent, "kommune-1", &child, &err), FIKS_OK, err);
    body = echo(child);
    CHECK_CONTAINS(body, "00000000-0000-4000-8000-000000000001");
    free(body);
    fiks_client_free(child);
    child = NULL;

    CHECK_STATUS(fiks_client_for_integrasjon_named(parent, "oslo", &child, &err), FIKS_ERROR_CONFIG, err);
    CHECK(child == NULL);
    CHECK_CONTAINS(fiks_error_message(err), "oslo");
    CHECK_CONTAINS(fiks_error_message(err), "kommune-9");
    fiks_error_free(err);
    fiks_client_free(parent);
}

static void as_person(void) {
    char answer[4096];
    CHECK(mock_control("POST", "/_mock/person-tokens", "{\"tokens\": [\"innbygger-c-test-token\"]}", answer,
                       sizeof answer) == 200);
    fiks_client *parent = mock_client_with(NULL, 0);
    fiks_error *err = NULL;
    fiks_client *person = NULL;
    CHECK_STATUS(fiks_client_as_person(parent, "innbygger-c-test-token", &person, &err), FIKS_OK, err);
    fiks_client_free(parent);
    fiks_headers *h = NULL;
    CHECK_STATUS(fiks_client_headers(person, &h, &err), FIKS_OK, err);
    CHECK_STREQ(fiks_headers_value(h, 0), "Bearer innbygger-c-test-token");
    CHECK_STREQ(fiks_headers_value(h, 1), mock_env("MOCK_INTEGRASJON_ID"));
    fiks_headers_free(h);
    char *body = echo(person);
    CHECK_CONTAINS(body, "\"kind\":\"person\"");
    free(body);

    char *user = NULL, *pass = NULL;
    int64_t expires = 0, renew = 0;
    CHECK_STATUS(fiks_client_fiks_io_credentials(person, &user, &pass, &expires, &renew, &err), FIKS_ERROR_USAGE, err);
    CHECK(user == NULL && pass == NULL);
    fiks_error_free(err);
    fiks_client_free(person);
}

static void fiks_io(void) {
    fiks_client *client = mock_client_with(NULL, 0);
    fiks_error *err = NULL;
    char *user = NULL, *pass = NULL, *token = NULL;
    int64_t expires = 0, renew = 0;
    CHECK_STATUS(fiks_client_fiks_io_credentials(client, &user, &pass, &expires, &renew, &err), FIKS_OK, err);
    CHECK_STREQ(user, mock_env("MOCK_INTEGRASJON_ID"));
    CHECK_STATUS(fiks_client_access_token(client, &token, &err), FIKS_OK, err);
    char expected[8192];
    snprintf(expected, sizeof expected, "%s %s", mock_env("MOCK_INTEGRASJON_PASSORD"), token ? token : "");
    CHECK_STREQ(pass, expected);
    int64_t now = (int64_t)time(NULL);
    CHECK(expires > now - 5 && renew <= expires);
    fiks_string_free(user);
    fiks_string_free(pass);
    fiks_string_free(token);
    fiks_client_free(client);
}

static void services_and_multipart(void) {
    fiks_client *client = mock_client_with(NULL, 0);
    fiks_error *err = NULL;
    fiks_request *req = NULL;
    CHECK_STATUS(fiks_request_new("GET", "/echo", &req, &err), FIKS_OK, err);
    CHECK_STATUS(fiks_request_set_service(req, "svarut", &err), FIKS_OK, err);
    char *body = send_body(client, req);
    CHECK_CONTAINS(body, "\"service\":\"svarut\"");
    free(body);
    CHECK_STATUS(fiks_request_set_service(req, "ukjent", &err), FIKS_OK, err);
    fiks_response *resp = NULL;
    CHECK_STATUS(fiks_client_send(client, req, &resp, &err), FIKS_ERROR_USAGE, err);
    CHECK(resp == NULL);
    fiks_error_free(err);
    err = NULL;
    fiks_request_free(req);

    const char *path = "/tmp/fiks-tenancy-c-test.bin";
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    for (int i = 0; f != NULL && i < 5000; i++) fputs("0123456789", f);
    if (f != NULL) fclose(f);

    fiks_parts *parts = fiks_parts_new();
    CHECK_STATUS(fiks_parts_add_json(parts, "forsendelse", "{\"tittel\": \"Vedtak\"}", &err), FIKS_OK, err);
    CHECK_STATUS(fiks_parts_add_text(parts, "merknad", "hei", &err), FIKS_OK, err);
    CHECK_STATUS(fiks_parts_add_bytes(parts, "vedlegg", (const uint8_t *)"abc", 3, "a.txt", "text/plain", &err),
                 FIKS_OK, err);
    CHECK_STATUS(fiks_parts_add_file(parts, "dokument", path, "brev.pdf", "application/pdf", &err), FIKS_OK, err);
    CHECK_STATUS(fiks_parts_add_json(parts, "x", "{not json", &err), FIKS_ERROR_INVALID_ARGUMENT, err);
    fiks_error_free(err);
    err = NULL;
    CHECK(fiks_parts_count(parts) == 4);
    CHECK_STATUS(fiks_request_new("POST", "/echo/multipart", &req, &err), FIKS_OK, err);
    CHECK_STATUS(fiks_request_set_multipart(req, parts, &err), FIKS_OK, err);
    fiks_parts_free(parts);
    body = send_body(client, req);
    CHECK_CONTAINS(body, "\"brev.pdf\"");
    CHECK_CONTAINS(body, "\"size\":50000");
    CHECK_CONTAINS(body, "\"forsendelse\"");
    free(body);
    fiks_request_free(req);

    /* The plain echo: a well-formed multipart content type. */
    parts = fiks_parts_new();
    CHECK_STATUS(fiks_parts_add_text(parts, "merknad", "hei", &err), FIKS_OK, err);
    CHECK_STATUS(fiks_request_new("POST", "/echo", &req, &err), FIKS_OK, err);
    CHECK_STATUS(fiks_request_set_multipart(req, parts, &err), FIKS_OK, err);
    body = send_body(client, req);
    CHECK_CONTAINS(body, "\"content_type\":\"multipart/form-data; boundary=");
    free(body);
    fiks_parts_free(parts);

    /* The core's checks: no parts. */
    parts = fiks_parts_new();
    CHECK_STATUS(fiks_request_set_multipart(req, parts, &err), FIKS_ERROR_INVALID_ARGUMENT, err);
    fiks_error_free(err);
    fiks_parts_free(parts);
    fiks_parts_free(NULL);
    fiks_request_free(req);
    remove(path);
    fiks_client_free(client);
}

int main(void) {
    derived_clients();
    named();
    as_person();
    fiks_io();
    services_and_multipart();
    return check_summary();
}
