/*
 * 16 threads share one client from a cold cache: they all get the same token (one fetch for
 * all), headers and Fiks calls work concurrently, and the client is freed from another thread.
 */
#include <pthread.h>
#include <stdint.h>

#include "check.h"

#define THREADS 16
#define ROUNDS 25

static fiks_client *shared_client;
static pthread_barrier_t start_line;

struct result {
    char *first_token;
    int mismatches;
};

static void *worker(void *arg) {
    struct result *r = arg;
    fiks_error *err = NULL;
    pthread_barrier_wait(&start_line);
    for (int i = 0; i < ROUNDS; i++) {
        char *token = NULL;
        CHECK_STATUS(fiks_client_access_token(shared_client, &token, &err), FIKS_OK, err);
        if (token == NULL) break;
        if (r->first_token == NULL) {
            r->first_token = token;
        } else {
            if (strcmp(r->first_token, token) != 0) r->mismatches++;
            fiks_string_free(token);
        }
        fiks_headers *headers = NULL;
        CHECK_STATUS(fiks_client_headers(shared_client, &headers, &err), FIKS_OK, err);
        const char *auth = fiks_headers_value(headers, 0);
        if (auth == NULL || r->first_token == NULL || strcmp(auth + 7, r->first_token) != 0) r->mismatches++;
        fiks_headers_free(headers);
        if (i % 8 == 0) {
            static const char body[] = "{\"sok\": \"parallell\"}";
            fiks_response *resp = NULL;
            CHECK_STATUS(fiks_client_request(shared_client, "POST", "/innsyn-sok/api/v1/sok", (const uint8_t *)body,
                                             strlen(body), &resp, &err),
                         FIKS_OK, err);
            CHECK(fiks_response_status(resp) == 200);
            fiks_response_free(resp);
        }
    }
    if (err != NULL) fiks_error_free(err);
    return NULL;
}

static void *free_client(void *arg) {
    fiks_client_free((fiks_client *)arg);
    return NULL;
}

int main(void) {
    shared_client = mock_client_with(NULL, 0);
    pthread_barrier_init(&start_line, NULL, THREADS);
    pthread_t threads[THREADS];
    struct result results[THREADS];
    memset(results, 0, sizeof results);
    for (int i = 0; i < THREADS; i++) {
        CHECK(pthread_create(&threads[i], NULL, worker, &results[i]) == 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(threads[i], NULL);
    }
    /* Every thread saw the same token the whole time: one token for all (single flight). */
    int same = 1;
    for (int i = 0; i < THREADS; i++) {
        CHECK(results[i].first_token != NULL);
        CHECK(results[i].mismatches == 0);
        if (results[i].first_token && results[0].first_token && strcmp(results[i].first_token, results[0].first_token))
            same = 0;
    }
    CHECK(same);
    for (int i = 0; i < THREADS; i++) fiks_string_free(results[i].first_token);
    pthread_barrier_destroy(&start_line);

    /* Free the client on a thread that never used it (like a .NET finalizer). */
    pthread_t freer;
    CHECK(pthread_create(&freer, NULL, free_client, shared_client) == 0);
    pthread_join(freer, NULL);
    return check_summary();
}
