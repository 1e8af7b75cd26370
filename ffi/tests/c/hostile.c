/*
 * Hostile and broken answers through the C ABI: the host process lives and gets clear errors.
 *   - SIGPIPE left at its default action (which kills a process): a 16 MiB upload to the mock,
 *     which refuses bodies over 1 MiB and closes the connection while the upload is still being
 *     written, gives the mock's 413 or a transport error, and the process goes on;
 *   - an endless Fiks error body is kept as its first 1 MiB, marked truncated;
 *   - a Fiks answer over max_response_bytes fails as "too_large", naming the key.
 * Faults are set on the mock's control endpoint (POST MOCK_BASE_URL/_mock/faults) over a plain
 * socket.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"

/* Queues one fault on the mock: target "token" or "fiks", a fault mode such as "endless". */
static int mock_fault(const char *target, const char *fault) {
    const char *base = mock_env("MOCK_BASE_URL"); /* http://127.0.0.1:PORT */
    const char *colon = strrchr(base, ':');
    if (colon == NULL || strncmp(base, "http://127.0.0.1:", 17) != 0) return -1;
    int port = atoi(colon + 1);
    char body[256], request[512];
    int blen = snprintf(body, sizeof body, "{\"target\":\"%s\",\"faults\":[\"%s\"],\"times\":1}", target, fault);
    int rlen = snprintf(request, sizeof request,
                        "POST /_mock/faults HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                        "Content-Length: %d\r\nConnection: close\r\n\r\n%s",
                        blen, body);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    struct sockaddr_in addr = {0};
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    char answer[64] = {0};
    int ok = connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0 && send(fd, request, (size_t)rlen, 0) == rlen &&
             recv(fd, answer, sizeof answer - 1, 0) > 12 && strncmp(answer + 9, "200", 3) == 0;
    close(fd);
    return ok ? 0 : -1;
}

static void test_upload_refused_midway_does_not_kill_the_process(void) {
    /* The default action of SIGPIPE terminates the process: as in a C host that never set it. */
    CHECK(signal(SIGPIPE, SIG_DFL) != SIG_ERR);
    const char *pairs[] = {"max_retries", "0"};
    fiks_client *client = mock_client_with(pairs, 1);
    size_t len = 16u * 1024 * 1024;
    uint8_t *big = malloc(len);
    CHECK(big != NULL);
    if (!big) return;
    memset(big, 'x', len);
    for (int round = 0; round < 3; round++) {
        fiks_request *request = NULL;
        fiks_response *response = NULL;
        fiks_error *err = NULL;
        CHECK_STATUS(fiks_request_new("POST", "/echo", &request, &err), FIKS_OK, err);
        CHECK_STATUS(fiks_request_set_body(request, big, len, "application/octet-stream", &err), FIKS_OK, err);
        fiks_status s = fiks_client_send(client, request, &response, &err);
        /* Either the mock's 413 arrived, or the write failed first: an error, and we live. */
        CHECK(s == FIKS_ERROR_API || s == FIKS_ERROR_TRANSPORT);
        if (s == FIKS_ERROR_API) CHECK(fiks_error_http_status(err) == 413);
        fiks_error_free(err);
        fiks_response_free(response);
        fiks_request_free(request);
    }
    /* Still alive, and the client still works. */
    fiks_request *request = NULL;
    fiks_response *response = NULL;
    fiks_error *err = NULL;
    CHECK_STATUS(fiks_request_new("GET", "/echo", &request, &err), FIKS_OK, err);
    CHECK_STATUS(fiks_client_send(client, request, &response, &err), FIKS_OK, err);
    fiks_error_free(err);
    fiks_response_free(response);
    fiks_request_free(request);
    free(big);
    fiks_client_free(client);
}

static fiks_status get_echo(fiks_client *client, fiks_error **err) {
    fiks_request *request = NULL;
    fiks_response *response = NULL;
    fiks_status s = fiks_request_new("GET", "/echo", &request, err);
    if (s == FIKS_OK) s = fiks_client_send(client, request, &response, err);
    fiks_response_free(response);
    fiks_request_free(request);
    return s;
}

static void test_endless_error_body_is_truncated(void) {
    const char *pairs[] = {"max_retries", "0", "timeout_seconds", "60"};
    fiks_client *client = mock_client_with(pairs, 2);
    fiks_error *err = NULL;
    CHECK_STATUS(get_echo(client, &err), FIKS_OK, err); /* the token first */
    fiks_error_free(err);
    err = NULL;
    CHECK(mock_fault("fiks", "endless_error") == 0);
    CHECK_STATUS(get_echo(client, &err), FIKS_ERROR_API, err);
    CHECK(fiks_error_http_status(err) == 400);
    CHECK(fiks_error_body_truncated(err));
    size_t len = 0;
    CHECK(fiks_error_body(err, &len) != NULL && len == 1024 * 1024);
    CHECK_STREQ(fiks_error_problem(err), "not_a_fiks_error");
    fiks_error_free(err);
    err = NULL;
    CHECK_STATUS(get_echo(client, &err), FIKS_OK, err);
    CHECK(!fiks_error_body_truncated(NULL));
    fiks_error_free(err);
    fiks_client_free(client);
}

static void test_answer_over_max_response_bytes(void) {
    const char *pairs[] = {"max_retries", "0", "timeout_seconds", "60", "max_response_bytes", "1048576"};
    fiks_client *client = mock_client_with(pairs, 3);
    fiks_error *err = NULL;
    CHECK(mock_fault("fiks", "endless") == 0);
    CHECK_STATUS(get_echo(client, &err), FIKS_ERROR_TRANSPORT, err);
    CHECK_STREQ(fiks_error_problem(err), "too_large");
    CHECK_STREQ(fiks_error_config_key(err), "max_response_bytes");
    CHECK_CONTAINS(fiks_error_message(err), "`max_response_bytes` (1048576 bytes)");
    CHECK(!fiks_error_body_truncated(err));
    fiks_error_free(err);
    fiks_client_free(client);
}

int main(void) {
    test_upload_refused_midway_does_not_kill_the_process();
    test_endless_error_body_is_truncated();
    test_answer_over_max_response_bytes();
    return check_summary();
}
