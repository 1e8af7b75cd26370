/*
 * A tiny test harness for the C tests of libfiks_integrasjon (no dependency but libc).
 * Each program counts its checks, prints failures as they happen and ends with the line
 * "N passed, N failed"; main returns check_summary(), non-zero on any failure.
 *
 * The mock's values come from environment variables set by scripts/test-c:
 *   MOCK_CONFIG (a ready fiks.toml), MOCK_FIKS_BASE_URL, MOCK_BASE_URL, MOCK_ISSUER,
 *   MOCK_AUDIENCE, MOCK_TOKEN_ENDPOINT, MOCK_P12, MOCK_PASSWORD, MOCK_INTEGRASJON_ID,
 *   MOCK_INTEGRASJON_PASSORD, MOCK_CHAIN_PEM (leaf + intermediate, no key), MOCK_KEY_PEM.
 */
#ifndef FIKS_TEST_CHECK_H
#define FIKS_TEST_CHECK_H

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fiks_integrasjon.h"

static atomic_int check_passed;
static atomic_int check_failed;

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (cond) {                                                                   \
            atomic_fetch_add(&check_passed, 1);                                       \
        } else {                                                                      \
            atomic_fetch_add(&check_failed, 1);                                       \
            fprintf(stderr, "FAILED %s:%d: %s\n", __FILE__, __LINE__, #cond);         \
        }                                                                             \
    } while (0)

/* CHECK_STATUS(call, expected, err): checks a status and prints the error message if wrong. */
#define CHECK_STATUS(status, expected, err)                                           \
    do {                                                                              \
        fiks_status check_s_ = (status);                                              \
        if (check_s_ == (expected)) {                                                 \
            atomic_fetch_add(&check_passed, 1);                                       \
        } else {                                                                      \
            atomic_fetch_add(&check_failed, 1);                                       \
            fprintf(stderr, "FAILED %s:%d: status %d, expected %d (%s): %s\n",        \
                    __FILE__, __LINE__, (int)check_s_, (int)(expected), #expected,    \
                    (err) ? fiks_error_message(err) : "(no error object)");           \
        }                                                                             \
    } while (0)

/* Checks that a C string is non-NULL and contains `needle`. */
#define CHECK_CONTAINS(haystack, needle)                                              \
    do {                                                                              \
        const char *check_h_ = (haystack);                                            \
        if (check_h_ != NULL && strstr(check_h_, (needle)) != NULL) {                 \
            atomic_fetch_add(&check_passed, 1);                                       \
        } else {                                                                      \
            atomic_fetch_add(&check_failed, 1);                                       \
            fprintf(stderr, "FAILED %s:%d: %s = \"%s\" does not contain \"%s\"\n",    \
                    __FILE__, __LINE__, #haystack, check_h_ ? check_h_ : "(null)",    \
                    (needle));                                                        \
        }                                                                             \
    } while (0)

/* Checks that a C string is non-NULL and equal to `expected`. */
#define CHECK_STREQ(actual, expected)                                                 \
    do {                                                                              \
        const char *check_a_ = (actual);                                              \
        if (check_a_ != NULL && strcmp(check_a_, (expected)) == 0) {                  \
            atomic_fetch_add(&check_passed, 1);                                       \
        } else {                                                                      \
            atomic_fetch_add(&check_failed, 1);                                       \
            fprintf(stderr, "FAILED %s:%d: %s = \"%s\", expected \"%s\"\n",           \
                    __FILE__, __LINE__, #actual, check_a_ ? check_a_ : "(null)",      \
                    (expected));                                                      \
        }                                                                             \
    } while (0)

/* Prints the closing line and returns the exit code. */
static inline int check_summary(void) {
    int passed = atomic_load(&check_passed);
    int failed = atomic_load(&check_failed);
    printf("%d passed, %d failed\n", passed, failed);
    fflush(stdout);
    return failed == 0 && passed > 0 ? 0 : 1;
}

/* An environment variable that must be set. */
static inline const char *mock_env(const char *name) {
    const char *v = getenv(name);
    if (v == NULL || *v == '\0') {
        fprintf(stderr, "missing environment variable %s (run via scripts/test-c)\n", name);
        exit(2);
    }
    return v;
}

/* A new config loaded from the mock's fiks.toml. */
static inline fiks_config *mock_config(void) {
    fiks_config *config = fiks_config_new();
    fiks_error *err = NULL;
    CHECK(config != NULL);
    CHECK_STATUS(fiks_config_load_file(config, mock_env("MOCK_CONFIG"), &err), FIKS_OK, err);
    fiks_error_free(err);
    return config;
}

/* A new client from the mock's fiks.toml plus `n` key/value pairs set with fiks_config_set. */
static inline fiks_client *mock_client_with(const char *const *pairs, size_t n) {
    fiks_config *config = mock_config();
    fiks_client *client = NULL;
    fiks_error *err = NULL;
    for (size_t i = 0; i + 1 < 2 * n; i += 2) {
        CHECK_STATUS(fiks_config_set(config, pairs[i], pairs[i + 1], &err), FIKS_OK, err);
        fiks_error_free(err);
        err = NULL;
    }
    CHECK_STATUS(fiks_client_new(config, &client, &err), FIKS_OK, err);
    fiks_error_free(err);
    fiks_config_free(config);
    return client;
}

/*
 * The mock's control endpoints (MOCK_BASE_URL/_mock/...) over a plain loopback socket: no HTTP
 * library needed. Each exchange is bounded by a 30 s receive timeout (a failure bound only).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

/* Sends `method path` with an optional JSON body; the whole answer (head and body) goes to
 * `answer` (NUL-terminated). Returns the HTTP status, or -1 when the exchange failed. */
static inline int mock_control(const char *method, const char *path, const char *body, char *answer,
                               size_t answer_size) {
    const char *base = mock_env("MOCK_BASE_URL"); /* http://127.0.0.1:PORT */
    const char *colon = strrchr(base, ':');
    if (colon == NULL || strncmp(base, "http://127.0.0.1:", 17) != 0 || answer_size < 16) return -1;
    int port = atoi(colon + 1);
    char request[1024];
    size_t blen = body ? strlen(body) : 0;
    int rlen = snprintf(request, sizeof request,
                        "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                        "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
                        method, path, blen, body ? body : "");
    if (rlen <= 0 || (size_t)rlen >= sizeof request) return -1;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    struct timeval limit = {30, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    size_t got = 0;
    int ok = connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0 &&
             send(fd, request, (size_t)rlen, 0) == (ssize_t)rlen;
    while (ok && got + 1 < answer_size) {
        ssize_t n = recv(fd, answer + got, answer_size - 1 - got, 0);
        if (n < 0) ok = 0;
        if (n <= 0) break;
        got += (size_t)n;
    }
    close(fd);
    answer[got] = '\0';
    if (!ok || got < 12 || strncmp(answer, "HTTP/1.1 ", 9) != 0) return -1;
    return atoi(answer + 9);
}

/* POSTs a JSON body to a control endpoint ("/_mock/token-delay", ...): 0 when answered 200. */
static inline int mock_post(const char *path, const char *body) {
    char answer[1024];
    return mock_control("POST", path, body, answer, sizeof answer) == 200 ? 0 : -1;
}

/* Holds back every token answer this long after its request arrived (0 turns it off). */
static inline int mock_set_token_delay_ms(unsigned ms) {
    char body[64];
    snprintf(body, sizeof body, "{\"ms\":%u}", ms);
    return mock_post("/_mock/token-delay", body);
}

/* Queues `fault` ("503", "partial_head", ...) for the next `times` requests to `target`
 * ("token" or "fiks"). */
static inline int mock_queue_fault(const char *target, const char *fault, unsigned times) {
    char body[256];
    snprintf(body, sizeof body, "{\"target\":\"%s\",\"faults\":[\"%s\"],\"times\":%u}", target, fault, times);
    return mock_post("/_mock/faults", body);
}

/* One numeric counter of GET /_mock/counters ("token_requests", "fiks_requests", ...), or -1. */
static inline long mock_counter(const char *name) {
    char answer[65536]; /* the counters hold the last grant: not small */
    if (mock_control("GET", "/_mock/counters", NULL, answer, sizeof answer) != 200) return -1;
    char key[96];
    snprintf(key, sizeof key, "\"%s\":", name);
    const char *at = strstr(answer, key);
    return at ? strtol(at + strlen(key), NULL, 10) : -1;
}

#endif /* FIKS_TEST_CHECK_H */
