/*
 * A tiny test harness for the C tests of libfiks_integrasjon (no dependency but libc).
 * Each program counts its checks, prints failures as they happen and ends with the line
 * "N passed, N failed"; main returns check_summary(), non-zero on any failure.
 *
 * The mock's values come from environment variables set by scripts/test-c:
 *   MOCK_CONFIG (a ready fiks.toml), MOCK_FIKS_BASE_URL, MOCK_BASE_URL, MOCK_ISSUER,
 *   MOCK_AUDIENCE, MOCK_TOKEN_ENDPOINT, MOCK_P12, MOCK_PASSWORD, MOCK_INTEGRASJON_ID,
 *   MOCK_INTEGRASJON_PASSORD.
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

#endif /* FIKS_TEST_CHECK_H */
