/*
 * libcurl sends the Fiks calls itself, with the headers from fiks_client_headers: a sok call
 * that succeeds, and one that fails, whose Fiks error body is read with fiks_parse_error.
 */
#include <curl/curl.h>
#include <stdint.h>

#include "check.h"

struct buffer {
    char *data;
    size_t len;
};

static size_t collect(char *ptr, size_t size, size_t nmemb, void *userdata) {
    struct buffer *b = userdata;
    size_t n = size * nmemb;
    char *grown = realloc(b->data, b->len + n + 1);
    if (grown == NULL) return 0;
    memcpy(grown + b->len, ptr, n);
    b->data = grown;
    b->len += n;
    b->data[b->len] = '\0';
    return n;
}

/* Sends METHOD url with the Fiks headers (and a JSON body); returns the HTTP status. */
static long fiks_curl(fiks_client *client, const char *method, const char *url, const char *json, struct buffer *out) {
    fiks_headers *headers = NULL;
    fiks_error *err = NULL;
    CHECK_STATUS(fiks_client_headers(client, &headers, &err), FIKS_OK, err);
    if (headers == NULL) {
        fiks_error_free(err);
        return -1;
    }
    struct curl_slist *list = NULL;
    for (size_t i = 0; i < fiks_headers_count(headers); i++) {
        char line[4096];
        snprintf(line, sizeof line, "%s: %s", fiks_headers_name(headers, i), fiks_headers_value(headers, i));
        list = curl_slist_append(list, line);
        memset(line, 0, sizeof line); /* it held a secret */
    }
    fiks_headers_free(headers);
    if (json != NULL) list = curl_slist_append(list, "Content-Type: application/json");

    CURL *curl = curl_easy_init();
    long status = -1;
    if (curl != NULL) {
        curl_easy_setopt(curl, CURLOPT_URL, url);
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
        curl_easy_setopt(curl, CURLOPT_WRITEDATA, out);
        curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
        if (json != NULL) curl_easy_setopt(curl, CURLOPT_POSTFIELDS, json);
        CURLcode rc = curl_easy_perform(curl);
        CHECK(rc == CURLE_OK);
        if (rc == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_cleanup(curl);
    }
    curl_slist_free_all(list);
    return status;
}

int main(void) {
    CHECK(curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK);
    fiks_client *client = mock_client_with(NULL, 0);
    const char *base = mock_env("MOCK_FIKS_BASE_URL");
    char url[1024];

    struct buffer ok = {NULL, 0};
    snprintf(url, sizeof url, "%s/innsyn-sok/api/v1/sok", base);
    long status = fiks_curl(client, "POST", url, "{\"sok\": \"byggesak\"}", &ok);
    CHECK(status == 200);
    CHECK_CONTAINS(ok.data, "byggesak");
    free(ok.data);

    /* A Fiks error answered to curl: parse it with the library. */
    struct buffer failed = {NULL, 0};
    snprintf(url, sizeof url, "%s/status/403", base);
    status = fiks_curl(client, "GET", url, NULL, &failed);
    CHECK(status == 403);
    fiks_error *err = NULL;
    CHECK_STATUS(fiks_parse_error((const uint8_t *)failed.data, failed.len, 0, &err), FIKS_OK, err);
    CHECK(fiks_error_kind(err) == FIKS_ERROR_API);
    CHECK(fiks_error_http_status(err) == 403);
    CHECK(fiks_error_id(err) != NULL);
    CHECK_STREQ(fiks_error_code(err), "MOCK_FEIL");
    CHECK_STREQ(fiks_error_json(err), "{\"antall\":13}");
    fiks_error_free(err);
    free(failed.data);

    /* Without the headers the mock refuses the call: they really were what made it work. */
    struct buffer bare = {NULL, 0};
    CURL *curl = curl_easy_init();
    snprintf(url, sizeof url, "%s/innsyn-sok/api/v1/sok", base);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, "{\"sok\": \"x\"}");
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &bare);
    CHECK(curl_easy_perform(curl) == CURLE_OK);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    CHECK(status == 401);
    curl_easy_cleanup(curl);
    free(bare.data);

    fiks_client_free(client);
    curl_global_cleanup();
    return check_summary();
}
