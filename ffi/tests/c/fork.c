/*
 * fork(): in the child, a client made by the parent returns FIKS_ERROR_USAGE for anything that
 * needs the network (quickly, never a hang), cached reads keep working, freeing it is safe,
 * and a new client made in the child works. The parent's clients are not disturbed.
 */
#include <stdint.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char sok[] = "{\"sok\": \"fork\"}";

static int child(fiks_client *cold, fiks_client *warm, const char *parent_token) {
    fiks_error *err = NULL;
    char *token = NULL;

    /* Empty cache: a fetch is needed, which the parent's runtime cannot do here. */
    double t0 = now();
    CHECK_STATUS(fiks_client_access_token(cold, &token, &err), FIKS_ERROR_USAGE, err);
    CHECK(now() - t0 < 5.0);
    CHECK(token == NULL);
    CHECK(fiks_error_kind(err) == FIKS_ERROR_USAGE);
    CHECK_CONTAINS(fiks_error_message(err), "fork");
    fiks_error_free(err);
    err = NULL;

    fiks_response *resp = NULL;
    CHECK_STATUS(fiks_client_request(warm, "POST", "/innsyn-sok/api/v1/sok", (const uint8_t *)sok, strlen(sok), &resp,
                                     &err),
                 FIKS_ERROR_USAGE, err);
    CHECK(resp == NULL);
    fiks_error_free(err);
    err = NULL;

    /* A cached read still works. */
    CHECK_STATUS(fiks_client_access_token(warm, &token, &err), FIKS_OK, err);
    CHECK(token != NULL && strcmp(token, parent_token) == 0);
    fiks_string_free(token);
    token = NULL;

    /* Freeing the parent's clients in the child is safe (they are only forgotten). */
    fiks_client_free(cold);
    fiks_client_free(warm);

    /* A client made in the child works. */
    fiks_client *own = mock_client_with(NULL, 0);
    CHECK_STATUS(fiks_client_access_token(own, &token, &err), FIKS_OK, err);
    CHECK(token != NULL);
    fiks_string_free(token);
    fiks_client_free(own);
    printf("child: %d passed, %d failed\n", atomic_load(&check_passed), atomic_load(&check_failed));
    fflush(stdout);
    return atomic_load(&check_failed) == 0 ? 0 : 1;
}

int main(void) {
    fiks_client *cold = mock_client_with(NULL, 0);
    fiks_client *warm = mock_client_with(NULL, 0);
    fiks_error *err = NULL;
    char *token = NULL;
    CHECK_STATUS(fiks_client_access_token(warm, &token, &err), FIKS_OK, err);
    if (token == NULL) return check_summary();
    fflush(stdout);

    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        alarm(60); /* a hang would fail the test instead of blocking it */
        int code = child(cold, warm, token);
        fiks_string_free(token);
        exit(code);
    }
    int status = 0;
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    /* The parent's clients still work: the child did not touch their threads or sockets. */
    char *again = NULL;
    CHECK_STATUS(fiks_client_access_token(cold, &again, &err), FIKS_OK, err);
    fiks_string_free(again);
    fiks_response *resp = NULL;
    CHECK_STATUS(fiks_client_request(warm, "POST", "/innsyn-sok/api/v1/sok", (const uint8_t *)sok, strlen(sok), &resp,
                                     &err),
                 FIKS_OK, err);
    CHECK(fiks_response_status(resp) == 200);
    fiks_response_free(resp);
    fiks_string_free(token);
    fiks_client_free(cold);
    fiks_client_free(warm);
    return check_summary();
}
