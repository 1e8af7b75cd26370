/*
 * The completion-based calls (fiks_client_*_async, fiks_call_*, the cached fast paths):
 *   - success of each, and the cached token/headers read without a thread hop;
 *   - every error kind arriving through the callback (token refused, API error with its
 *     fields, transport error, timeout), argument and policy errors returned by the starting
 *     function with the callback never run;
 *   - the callback runs on the library thread, never the starter's, and a waiting call made
 *     inside it returns FIKS_ERROR_USAGE;
 *   - cancel before and during a token fetch; cancelling one of two waiters leaves the shared
 *     fetch (one token request at the mock) to the other;
 *   - a cancel race: threads start and cancel many calls at arbitrary moments, each callback
 *     runs exactly once;
 *   - fiks_client_free with calls pending: every callback has run (client_closed) when it
 *     returns; a callback that frees the client; one that starts other calls; call handles
 *     freed before and after completion, also by the callback itself.
 * Waiting is done with a mutex and a condition variable; the only bounds on time are failure
 * bounds. "Pending" is made certain by the mock's token delay (much longer than the test
 * needs) and by polling the mock's counters until the token request has arrived.
 */
#include <dirent.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <time.h>

#include "check.h"

#define WAIT_SECS 30         /* failure bound of one wait */
#define RACE_WAIT_SECS 180   /* failure bound of the whole race (slow under valgrind) */
#define LONG_DELAY_MS 20000  /* a token that surely does not arrive during the test */
#define SHARED_DELAY_MS 4000 /* a token the test waits for, long enough to cancel one waiter first */

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static pthread_t main_thread;

/* What one callback saw. Written under `mu`; the callback never touches it after unlocking. */
struct outcome {
    int runs;
    fiks_status status;
    char *token;
    fiks_headers *headers;
    fiks_response *response;
    fiks_error *error;
    int shape_ok; /* result XOR error, error kind == status */
    int on_starter_thread;
    char thread_name[17];
};

static void deadline_in(struct timespec *ts, int secs) {
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += secs;
}

/* Waits (under `mu`) until *counter >= n; false after `secs`. */
static int wait_count(const int *counter, int n, int secs) {
    struct timespec until;
    deadline_in(&until, secs);
    int ok = 1;
    pthread_mutex_lock(&mu);
    while (*counter < n) {
        if (pthread_cond_timedwait(&cv, &mu, &until) != 0 && *counter < n) {
            ok = 0;
            break;
        }
    }
    pthread_mutex_unlock(&mu);
    return ok;
}

static int wait_runs(struct outcome *o) {
    int ok = wait_count(&o->runs, 1, WAIT_SECS);
    if (!ok) fprintf(stderr, "a callback did not run within %d s\n", WAIT_SECS);
    return ok;
}

/* Polls a condition (not a synchronisation: the mock's state or the library's threads) every
 * 5 ms; false after `secs`. */
static int poll_until(int (*cond)(void *), void *arg, int secs) {
    struct timespec step = {0, 5 * 1000 * 1000};
    long rounds = (long)secs * 200;
    for (long i = 0; i < rounds; i++) {
        if (cond(arg)) return 1;
        nanosleep(&step, NULL);
    }
    return cond(arg);
}

struct counter_goal {
    const char *name;
    long above;
};

static int counter_reached(void *arg) {
    struct counter_goal *g = arg;
    return mock_counter(g->name) > g->above;
}

/* Waits until the mock has seen a request more than `before` (token or fiks). */
static int mock_saw(const char *name, long before) {
    struct counter_goal g = {name, before};
    int ok = poll_until(counter_reached, &g, WAIT_SECS);
    if (!ok) fprintf(stderr, "the mock never counted %s above %ld\n", name, before);
    return ok;
}

static int call_finished(void *arg) {
    return fiks_call_is_finished((const fiks_call *)arg);
}

/* Whether no thread of this process is named like the library's (/proc/self/task/N/comm). */
static int no_library_threads(void *arg) {
    (void)arg;
    DIR *dir = opendir("/proc/self/task");
    if (dir == NULL) return 1;
    int found = 0;
    struct dirent *e;
    while (!found && (e = readdir(dir)) != NULL) {
        if (e->d_name[0] == '.') continue;
        char path[300], name[32] = {0};
        snprintf(path, sizeof path, "/proc/self/task/%s/comm", e->d_name);
        FILE *f = fopen(path, "r");
        if (f == NULL) continue;
        if (fgets(name, sizeof name, f) != NULL && strncmp(name, "fiks-integrasj", 14) == 0) found = 1;
        fclose(f);
    }
    closedir(dir);
    return !found;
}

static void record(struct outcome *o, fiks_status status, void *result, fiks_error *error) {
    o->status = status;
    o->error = error;
    o->shape_ok = status == FIKS_OK ? (result != NULL && error == NULL)
                                    : (result == NULL && error != NULL && fiks_error_kind(error) == status);
    o->on_starter_thread = pthread_equal(pthread_self(), main_thread);
    memset(o->thread_name, 0, sizeof o->thread_name);
    prctl(PR_GET_NAME, o->thread_name, 0, 0, 0);
    o->runs++;
    pthread_cond_broadcast(&cv);
}

static void on_token(void *user_data, fiks_status status, char *token, fiks_error *error) {
    struct outcome *o = user_data;
    pthread_mutex_lock(&mu);
    o->token = token;
    record(o, status, token, error);
    pthread_mutex_unlock(&mu);
}

static void on_headers(void *user_data, fiks_status status, fiks_headers *headers, fiks_error *error) {
    struct outcome *o = user_data;
    pthread_mutex_lock(&mu);
    o->headers = headers;
    record(o, status, headers, error);
    pthread_mutex_unlock(&mu);
}

static void on_response(void *user_data, fiks_status status, fiks_response *response, fiks_error *error) {
    struct outcome *o = user_data;
    pthread_mutex_lock(&mu);
    o->response = response;
    record(o, status, response, error);
    pthread_mutex_unlock(&mu);
}

/* Frees what an outcome holds (the test owns it once the callback has run). */
static void outcome_free(struct outcome *o) {
    fiks_string_free(o->token);
    fiks_headers_free(o->headers);
    fiks_response_free(o->response);
    fiks_error_free(o->error);
    memset(o, 0, sizeof *o);
}

/* Checks a callback ran once, on the library thread, with a well-formed result. */
#define CHECK_DELIVERED(o, expected)                                                   \
    do {                                                                               \
        CHECK((o).runs == 1);                                                          \
        CHECK_STATUS((o).status, (expected), (o).error);                               \
        CHECK((o).shape_ok);                                                           \
        CHECK(!(o).on_starter_thread);                                                 \
        CHECK(strncmp((o).thread_name, "fiks-integrasj", 14) == 0);                    \
    } while (0)

static fiks_request *new_request(const char *method, const char *path, const char *body) {
    fiks_request *req = NULL;
    fiks_error *err = NULL;
    CHECK_STATUS(fiks_request_new(method, path, &req, &err), FIKS_OK, err);
    if (body != NULL) {
        CHECK_STATUS(fiks_request_set_body(req, (const uint8_t *)body, strlen(body), NULL, &err), FIKS_OK, err);
    }
    fiks_error_free(err);
    return req;
}

static void set_token_delay(unsigned ms) {
    CHECK(mock_set_token_delay_ms(ms) == 0);
}

/* ---------------------------------------------------------------------------------------- */

static int never_runs;

static void never_token(void *u, fiks_status s, char *t, fiks_error *e) {
    (void)u, (void)s;
    fiks_string_free(t);
    fiks_error_free(e);
    pthread_mutex_lock(&mu);
    never_runs++;
    pthread_mutex_unlock(&mu);
}

static void never_headers(void *u, fiks_status s, fiks_headers *h, fiks_error *e) {
    (void)u, (void)s;
    fiks_headers_free(h);
    fiks_error_free(e);
    pthread_mutex_lock(&mu);
    never_runs++;
    pthread_mutex_unlock(&mu);
}

static void never_response(void *u, fiks_status s, fiks_response *r, fiks_error *e) {
    (void)u, (void)s;
    fiks_response_free(r);
    fiks_error_free(e);
    pthread_mutex_lock(&mu);
    never_runs++;
    pthread_mutex_unlock(&mu);
}

/* Argument and policy errors come back from the starting function; the callback never runs. */
static void test_start_errors(void) {
    fiks_client *client = mock_client_with(NULL, 0);
    fiks_error *err = NULL;
    fiks_call *call = NULL;

    CHECK_STATUS(fiks_client_access_token_async(client, NULL, NULL, NULL, &call, &err), FIKS_ERROR_INVALID_ARGUMENT,
                 err);
    CHECK_CONTAINS(fiks_error_message(err), "callback");
    CHECK(call == NULL);
    fiks_error_free(err);
    err = NULL;
    CHECK_STATUS(fiks_client_headers_async(client, NULL, NULL, NULL, &call, &err), FIKS_ERROR_INVALID_ARGUMENT, err);
    CHECK_CONTAINS(fiks_error_message(err), "callback");
    fiks_error_free(err);
    err = NULL;
    fiks_request *req = new_request("GET", "/echo", NULL);
    CHECK_STATUS(fiks_client_send_async(client, req, NULL, NULL, &call, &err), FIKS_ERROR_INVALID_ARGUMENT, err);
    CHECK_CONTAINS(fiks_error_message(err), "callback");
    fiks_error_free(err);
    err = NULL;
    CHECK(call == NULL);

    /* NULL client, NULL request. */
    CHECK_STATUS(fiks_client_access_token_async(NULL, NULL, never_token, NULL, &call, &err),
                 FIKS_ERROR_INVALID_ARGUMENT, err);
    CHECK_CONTAINS(fiks_error_message(err), "client");
    fiks_error_free(err);
    err = NULL;
    CHECK_STATUS(fiks_client_headers_async(NULL, NULL, never_headers, NULL, &call, &err), FIKS_ERROR_INVALID_ARGUMENT,
                 err);
    fiks_error_free(err);
    err = NULL;
    CHECK_STATUS(fiks_client_send_async(NULL, req, never_response, NULL, &call, &err), FIKS_ERROR_INVALID_ARGUMENT,
                 err);
    fiks_error_free(err);
    err = NULL;
    CHECK_STATUS(fiks_client_send_async(client, NULL, never_response, NULL, &call, &err), FIKS_ERROR_INVALID_ARGUMENT,
                 err);
    CHECK_CONTAINS(fiks_error_message(err), "request");
    fiks_error_free(err);
    err = NULL;
    /* error_out may be NULL: the status alone. */
    CHECK(fiks_client_access_token_async(client, NULL, NULL, NULL, NULL, NULL) == FIKS_ERROR_INVALID_ARGUMENT);

    /* Blank scopes. */
    CHECK_STATUS(fiks_client_access_token_async(client, "  ", never_token, NULL, &call, &err),
                 FIKS_ERROR_INVALID_ARGUMENT, err);
    CHECK_CONTAINS(fiks_error_message(err), "scopes");
    fiks_error_free(err);
    err = NULL;
    /* Invalid UTF-8 in the URL. */
    CHECK_STATUS(fiks_client_headers_async(client, "http://127.0.0.1/\xff", never_headers, NULL, &call, &err),
                 FIKS_ERROR_INVALID_ARGUMENT, err);
    fiks_error_free(err);
    err = NULL;

    /* A URL the Fiks headers may not go to: refused now, by the starting function. */
    const char *base = mock_env("MOCK_BASE_URL"); /* http://127.0.0.1:PORT */
    const char *colon = strrchr(base, ':');
    char other[256];
    snprintf(other, sizeof other, "http://127.0.0.1:%d/fiks/echo", colon ? atoi(colon + 1) + 1 : 1);
    CHECK_STATUS(fiks_client_headers_async(client, other, never_headers, NULL, &call, &err), FIKS_ERROR_USAGE, err);
    CHECK_CONTAINS(fiks_error_message(err), "refusing to send the Fiks headers");
    fiks_error_free(err);
    err = NULL;
    CHECK_STATUS(fiks_client_headers_async(client, "https://evil.example.no/fiks/echo", never_headers, NULL, &call,
                                           &err),
                 FIKS_ERROR_USAGE, err);
    fiks_error_free(err);
    err = NULL;
    CHECK(call == NULL);
    fiks_request_free(req);

    /* Every callback of a client has run when fiks_client_free returns: none may come later. */
    fiks_client_free(client);
    pthread_mutex_lock(&mu);
    CHECK(never_runs == 0);
    pthread_mutex_unlock(&mu);

    /* The cached fast paths with NULL arguments. */
    char *token = NULL;
    fiks_headers *headers = NULL;
    CHECK(!fiks_client_cached_access_token(NULL, &token));
    CHECK(!fiks_client_cached_headers(NULL, NULL, &headers));
    CHECK(token == NULL && headers == NULL);
    /* NULL handles do nothing. */
    fiks_call_cancel(NULL);
    CHECK(!fiks_call_is_finished(NULL));
    fiks_call_free(NULL);
}

/* Each call succeeds; the cached reads see what the calls fetched. */
static void test_success_and_cached(void) {
    fiks_client *client = mock_client_with(NULL, 0);
    fiks_error *err = NULL;
    char *cached = NULL;
    fiks_headers *cached_headers = NULL;

    /* Cold: nothing cached, nothing written. */
    CHECK(!fiks_client_cached_access_token(client, &cached));
    CHECK(!fiks_client_cached_headers(client, NULL, &cached_headers));
    CHECK(!fiks_client_cached_access_token(client, NULL));
    CHECK(cached == NULL && cached_headers == NULL);

    struct outcome tok = {0};
    fiks_call *call = NULL;
    CHECK_STATUS(fiks_client_access_token_async(client, NULL, on_token, &tok, &call, &err), FIKS_OK, err);
    CHECK(call != NULL);
    CHECK(wait_runs(&tok));
    CHECK_DELIVERED(tok, FIKS_OK);
    CHECK(tok.token != NULL && strlen(tok.token) > 10);
    CHECK(tok.error == NULL);
    /* The handle reports the end (once the callback has returned). */
    CHECK(poll_until(call_finished, call, WAIT_SECS));
    fiks_call_cancel(call); /* after the end: nothing happens */
    fiks_call_free(call);
    CHECK(tok.runs == 1);

    /* Now cached: the fast paths answer on this thread. */
    CHECK(fiks_client_cached_access_token(client, &cached));
    CHECK(cached != NULL && tok.token != NULL && strcmp(cached, tok.token) == 0);
    fiks_string_free(cached);
    CHECK(fiks_client_cached_headers(client, NULL, &cached_headers));
    CHECK(fiks_headers_count(cached_headers) == 3);
    const char *auth = fiks_headers_value(cached_headers, 0);
    CHECK(auth != NULL && tok.token != NULL && strncmp(auth, "Bearer ", 7) == 0 && strcmp(auth + 7, tok.token) == 0);
    fiks_headers_free(cached_headers);
    cached_headers = NULL;
    char url[512];
    snprintf(url, sizeof url, "%s/echo", mock_env("MOCK_FIKS_BASE_URL"));
    CHECK(fiks_client_cached_headers(client, url, &cached_headers));
    fiks_headers_free(cached_headers);
    cached_headers = NULL;
    CHECK(!fiks_client_cached_headers(client, "https://evil.example.no/fiks/echo", &cached_headers));
    CHECK(!fiks_client_cached_headers(client, NULL, NULL));
    CHECK(cached_headers == NULL);

    /* Explicit scopes. */
    struct outcome scoped = {0};
    CHECK_STATUS(fiks_client_access_token_async(client, "ks:fiks", on_token, &scoped, NULL, &err), FIKS_OK, err);
    CHECK(wait_runs(&scoped));
    CHECK_DELIVERED(scoped, FIKS_OK);
    CHECK(scoped.token != NULL && strlen(scoped.token) > 10);

    /* Headers for the base URL and for a URL under it. */
    struct outcome h1 = {0}, h2 = {0};
    CHECK_STATUS(fiks_client_headers_async(client, NULL, on_headers, &h1, NULL, &err), FIKS_OK, err);
    CHECK_STATUS(fiks_client_headers_async(client, url, on_headers, &h2, NULL, &err), FIKS_OK, err);
    CHECK(wait_runs(&h1));
    CHECK(wait_runs(&h2));
    CHECK_DELIVERED(h1, FIKS_OK);
    CHECK_DELIVERED(h2, FIKS_OK);
    CHECK(fiks_headers_count(h1.headers) == 3);
    CHECK_STREQ(fiks_headers_name(h1.headers, 0), "Authorization");
    CHECK_STREQ(fiks_headers_name(h1.headers, 1), "IntegrasjonId");
    CHECK_STREQ(fiks_headers_value(h1.headers, 1), mock_env("MOCK_INTEGRASJON_ID"));
    CHECK_STREQ(fiks_headers_value(h1.headers, 2), mock_env("MOCK_INTEGRASJON_PASSORD"));
    auth = fiks_headers_value(h2.headers, 0);
    CHECK(auth != NULL && tok.token != NULL && strcmp(auth + 7, tok.token) == 0);

    /* A Fiks call; the request is copied, so it is freed at once. */
    struct outcome sok = {0};
    fiks_request *req = new_request("POST", "/innsyn-sok/api/v1/sok", "{\"sok\": \"byggesak\"}");
    CHECK_STATUS(fiks_client_send_async(client, req, on_response, &sok, NULL, &err), FIKS_OK, err);
    fiks_request_free(req);
    CHECK(wait_runs(&sok));
    CHECK_DELIVERED(sok, FIKS_OK);
    CHECK(fiks_response_status(sok.response) == 200);
    CHECK_CONTAINS((const char *)fiks_response_body(sok.response, NULL), "byggesak");

    CHECK(err == NULL);
    fiks_client_free(client);
    /* Results outlive the client. */
    CHECK(fiks_headers_count(h1.headers) == 3);
    outcome_free(&tok);
    outcome_free(&scoped);
    outcome_free(&h1);
    outcome_free(&h2);
    outcome_free(&sok);
}

/* Every error kind arrives through the callback, owned, with its fields. */
static void test_errors_through_callback(void) {
    fiks_error *err = NULL;

    /* Maskinporten refuses the grant (an issuer it does not know). */
    {
        const char *pairs[] = {"issuer", "ukjent-klient"};
        fiks_client *client = mock_client_with(pairs, 1);
        struct outcome t = {0}, h = {0};
        CHECK_STATUS(fiks_client_access_token_async(client, NULL, on_token, &t, NULL, &err), FIKS_OK, err);
        CHECK_STATUS(fiks_client_headers_async(client, NULL, on_headers, &h, NULL, &err), FIKS_OK, err);
        CHECK(wait_runs(&t));
        CHECK(wait_runs(&h));
        CHECK_DELIVERED(t, FIKS_ERROR_TOKEN);
        CHECK_DELIVERED(h, FIKS_ERROR_TOKEN);
        CHECK(t.token == NULL && h.headers == NULL);
        CHECK(fiks_error_http_status(t.error) >= 400 && fiks_error_http_status(t.error) < 500);
        CHECK(fiks_error_oauth_error(t.error) != NULL);
        CHECK(fiks_error_mp_code(t.error) != NULL && strncmp(fiks_error_mp_code(t.error), "MP-", 3) == 0);
        fiks_client_free(client);
        outcome_free(&t);
        outcome_free(&h);
    }

    /* A token fault injected at the mock: a 503 from Maskinporten, not retried here. */
    {
        const char *pairs[] = {"max_retries", "0"};
        fiks_client *client = mock_client_with(pairs, 1);
        CHECK(mock_queue_fault("token", "503", 1) == 0);
        struct outcome t = {0};
        CHECK_STATUS(fiks_client_access_token_async(client, NULL, on_token, &t, NULL, &err), FIKS_OK, err);
        CHECK(wait_runs(&t));
        CHECK_DELIVERED(t, FIKS_ERROR_TOKEN);
        CHECK(fiks_error_http_status(t.error) == 503);
        CHECK_STREQ(fiks_error_oauth_error(t.error), "server_error");
        CHECK(fiks_error_is_transient(t.error));
        CHECK(mock_post("/_mock/faults", "{\"target\":\"token\",\"clear\":true}") == 0);
        fiks_client_free(client);
        outcome_free(&t);
    }

    /* The Fiks API answers non-2xx: FIKS_ERROR_API with every field. */
    {
        fiks_client *client = mock_client_with(NULL, 0);
        struct outcome r = {0};
        fiks_request *req = new_request("POST", "/status/400", NULL);
        CHECK_STATUS(fiks_client_send_async(client, req, on_response, &r, NULL, &err), FIKS_OK, err);
        fiks_request_free(req);
        CHECK(wait_runs(&r));
        CHECK_DELIVERED(r, FIKS_ERROR_API);
        CHECK(r.response == NULL);
        CHECK(fiks_error_http_status(r.error) == 400);
        CHECK(fiks_error_id(r.error) != NULL && strlen(fiks_error_id(r.error)) == 36);
        CHECK_STREQ(fiks_error_code(r.error), "MOCK_FEIL");
        CHECK_STREQ(fiks_error_json(r.error), "{\"antall\":13}");
        CHECK_CONTAINS(fiks_error_path(r.error), "/status/400");
        CHECK(fiks_error_body(r.error, NULL) != NULL);
        CHECK(!fiks_error_is_transient(r.error));
        fiks_client_free(client);
        outcome_free(&r);
    }

    /* Nothing listens on loopback port 9: transport errors, for the Fiks call and the token. */
    {
        const char *pairs[] = {"fiks_base_url", "http://127.0.0.1:9/fiks", "max_retries", "0"};
        fiks_client *client = mock_client_with(pairs, 2);
        struct outcome r = {0};
        fiks_request *req = new_request("GET", "/echo", NULL);
        CHECK_STATUS(fiks_client_send_async(client, req, on_response, &r, NULL, &err), FIKS_OK, err);
        fiks_request_free(req);
        CHECK(wait_runs(&r));
        CHECK_DELIVERED(r, FIKS_ERROR_TRANSPORT);
        CHECK_CONTAINS(fiks_error_message(r.error), "127.0.0.1:9");
        CHECK(fiks_error_http_status(r.error) == 0);
        CHECK(fiks_error_problem(r.error) != NULL);
        fiks_client_free(client);
        outcome_free(&r);

        const char *pairs2[] = {"token_endpoint", "http://127.0.0.1:9/token", "max_retries", "0"};
        client = mock_client_with(pairs2, 2);
        struct outcome t = {0};
        CHECK_STATUS(fiks_client_access_token_async(client, NULL, on_token, &t, NULL, &err), FIKS_OK, err);
        CHECK(wait_runs(&t));
        CHECK_DELIVERED(t, FIKS_ERROR_TRANSPORT);
        CHECK_CONTAINS(fiks_error_message(t.error), "127.0.0.1:9");
        fiks_client_free(client);
        outcome_free(&t);
    }

    /* A Fiks answer whose head never ends, and a 300 ms deadline: a timeout. */
    {
        fiks_client *client = mock_client_with(NULL, 0);
        char *token = NULL;
        CHECK_STATUS(fiks_client_access_token(client, &token, &err), FIKS_OK, err); /* the deadline is the call's */
        fiks_string_free(token);
        CHECK(mock_queue_fault("fiks", "partial_head", 1) == 0);
        struct outcome r = {0};
        fiks_request *req = new_request("POST", "/echo", "{}");
        CHECK_STATUS(fiks_request_set_timeout_ms(req, 300, &err), FIKS_OK, err);
        CHECK_STATUS(fiks_client_send_async(client, req, on_response, &r, NULL, &err), FIKS_OK, err);
        fiks_request_free(req);
        CHECK(wait_runs(&r));
        CHECK_DELIVERED(r, FIKS_ERROR_TRANSPORT);
        CHECK_STREQ(fiks_error_problem(r.error), "timeout");
        CHECK(mock_post("/_mock/faults", "{\"target\":\"fiks\",\"clear\":true}") == 0);
        fiks_client_free(client);
        outcome_free(&r);
    }
    CHECK(err == NULL);
}

/* The callback runs on the library thread; waiting calls made there refuse to wait. */
struct inside {
    struct outcome o;
    fiks_client *client;
    fiks_status request_status, scoped_status, send_status;
    int request_error_ok;
};

static void on_token_blocking_inside(void *user_data, fiks_status status, char *token, fiks_error *error) {
    struct inside *in = user_data;
    fiks_error *err = NULL;
    fiks_response *resp = NULL;
    char *scoped = NULL;
    in->request_status = fiks_client_request(in->client, "GET", "/echo", NULL, 0, &resp, &err);
    in->request_error_ok = err != NULL && fiks_error_kind(err) == FIKS_ERROR_USAGE && resp == NULL;
    fiks_error_free(err);
    err = NULL;
    in->scoped_status = fiks_client_access_token_for_scopes(in->client, "ks:fiks", &scoped, &err);
    fiks_string_free(scoped);
    fiks_error_free(err);
    err = NULL;
    fiks_request *req = NULL;
    if (fiks_request_new("GET", "/echo", &req, NULL) == FIKS_OK) {
        in->send_status = fiks_client_send(in->client, req, &resp, &err);
        fiks_request_free(req);
        fiks_response_free(resp);
        fiks_error_free(err);
    }
    on_token(&in->o, status, token, error);
}

static void test_callback_thread_and_waiting_inside(void) {
    fiks_client *client = mock_client_with(NULL, 0);
    fiks_error *err = NULL;
    struct inside in;
    memset(&in, 0, sizeof in);
    in.client = client;
    CHECK_STATUS(fiks_client_access_token_async(client, NULL, on_token_blocking_inside, &in, NULL, &err), FIKS_OK,
                 err);
    CHECK(wait_runs(&in.o));
    CHECK_DELIVERED(in.o, FIKS_OK);
    CHECK_STATUS(in.request_status, FIKS_ERROR_USAGE, NULL);
    CHECK(in.request_error_ok);
    CHECK_STATUS(in.scoped_status, FIKS_ERROR_USAGE, NULL);
    CHECK_STATUS(in.send_status, FIKS_ERROR_USAGE, NULL);
    /* The client still works from an ordinary thread. */
    fiks_response *resp = NULL;
    CHECK_STATUS(fiks_client_request(client, "GET", "/echo", NULL, 0, &resp, &err), FIKS_OK, err);
    fiks_response_free(resp);
    fiks_client_free(client);
    outcome_free(&in.o);
}

/* A callback starts other calls on the same client. */
struct chain {
    struct outcome first, headers, response;
    fiks_client *client;
    const fiks_request *request;
    fiks_status start_headers, start_send;
};

static void on_token_start_more(void *user_data, fiks_status status, char *token, fiks_error *error) {
    struct chain *c = user_data;
    fiks_call *call = NULL;
    c->start_headers = fiks_client_headers_async(c->client, NULL, on_headers, &c->headers, &call, NULL);
    fiks_call_free(call); /* a handle freed at once, inside a callback */
    c->start_send = fiks_client_send_async(c->client, c->request, on_response, &c->response, NULL, NULL);
    on_token(&c->first, status, token, error);
}

static void test_callback_starts_calls(void) {
    fiks_client *client = mock_client_with(NULL, 0);
    fiks_error *err = NULL;
    struct chain c;
    memset(&c, 0, sizeof c);
    c.client = client;
    fiks_request *req = new_request("GET", "/echo", NULL);
    c.request = req;
    CHECK_STATUS(fiks_client_access_token_async(client, NULL, on_token_start_more, &c, NULL, &err), FIKS_OK, err);
    CHECK(wait_runs(&c.first));
    CHECK_DELIVERED(c.first, FIKS_OK);
    CHECK_STATUS(c.start_headers, FIKS_OK, NULL);
    CHECK_STATUS(c.start_send, FIKS_OK, NULL);
    CHECK(wait_runs(&c.headers));
    CHECK(wait_runs(&c.response));
    CHECK_DELIVERED(c.headers, FIKS_OK);
    CHECK_DELIVERED(c.response, FIKS_OK);
    CHECK(fiks_headers_count(c.headers.headers) == 3);
    CHECK(fiks_response_status(c.response.response) == 200);
    fiks_request_free(req);
    fiks_client_free(client);
    outcome_free(&c.first);
    outcome_free(&c.headers);
    outcome_free(&c.response);
}

/* Handles freed before completion, after it, and by the callback itself (whichever of the
 * starter and the callback comes second frees it: the callback may run before *call_out is
 * written). */
struct handoff {
    struct outcome o;
    fiks_call *call;
    int started; /* the starter has stored `call` */
    int freed_by_callback;
    int freed_by_starter;
};

static void on_token_free_own_handle(void *user_data, fiks_status status, char *token, fiks_error *error) {
    struct handoff *h = user_data;
    pthread_mutex_lock(&mu);
    if (h->started) {
        fiks_call_free(h->call);
        h->call = NULL;
        h->freed_by_callback++;
    }
    h->o.token = token;
    record(&h->o, status, token, error);
    pthread_mutex_unlock(&mu);
}

#define HANDOFFS 24

static void test_call_handles(void) {
    fiks_error *err = NULL;
    set_token_delay(300); /* the first calls wait for a token while their handles are freed */
    fiks_client *client = mock_client_with(NULL, 0);

    /* Freed at once, while the call waits for the token: the call goes on. */
    struct outcome early = {0};
    fiks_call *call = NULL;
    CHECK_STATUS(fiks_client_headers_async(client, NULL, on_headers, &early, &call, &err), FIKS_OK, err);
    fiks_call_free(call);
    call = NULL;

    static struct handoff hs[HANDOFFS];
    memset(hs, 0, sizeof hs);
    for (int i = 0; i < HANDOFFS; i++) {
        fiks_call *c = NULL;
        CHECK_STATUS(fiks_client_access_token_async(client, NULL, on_token_free_own_handle, &hs[i], &c, &err), FIKS_OK,
                     err);
        pthread_mutex_lock(&mu);
        if (hs[i].o.runs > 0) {
            fiks_call_free(c);
            hs[i].freed_by_starter++;
        } else {
            hs[i].call = c;
            hs[i].started = 1;
        }
        pthread_mutex_unlock(&mu);
    }
    CHECK(wait_runs(&early));
    CHECK_DELIVERED(early, FIKS_OK);
    int by_callback = 0;
    for (int i = 0; i < HANDOFFS; i++) {
        CHECK(wait_runs(&hs[i].o));
        CHECK_DELIVERED(hs[i].o, FIKS_OK);
        pthread_mutex_lock(&mu);
        CHECK(hs[i].freed_by_callback + hs[i].freed_by_starter == 1);
        by_callback += hs[i].freed_by_callback;
        pthread_mutex_unlock(&mu);
        outcome_free(&hs[i].o);
    }
    printf("handles freed by their callback: %d of %d\n", by_callback, HANDOFFS);
    set_token_delay(0);

    /* Freed after completion. */
    struct outcome late = {0};
    CHECK_STATUS(fiks_client_access_token_async(client, NULL, on_token, &late, &call, &err), FIKS_OK, err);
    CHECK(wait_runs(&late));
    CHECK_DELIVERED(late, FIKS_OK);
    CHECK(poll_until(call_finished, call, WAIT_SECS));
    fiks_client_free(client);
    /* A handle outlives its client. */
    CHECK(fiks_call_is_finished(call));
    fiks_call_cancel(call);
    fiks_call_free(call);
    outcome_free(&early);
    outcome_free(&late);
}

static void check_cancelled(struct outcome *o, const char *problem) {
    CHECK(o->runs == 1);
    CHECK_STATUS(o->status, FIKS_ERROR_CANCELLED, o->error);
    CHECK(o->shape_ok);
    CHECK_STREQ(fiks_error_problem(o->error), problem);
    CHECK(o->token == NULL && o->headers == NULL && o->response == NULL);
}

/* Cancel right after starting, and while the token request is at the mock. */
static void test_cancel_before_and_during(void) {
    fiks_error *err = NULL;
    set_token_delay(LONG_DELAY_MS);

    /* Before: cancelled at once (the token cannot arrive within the delay). */
    fiks_client *client = mock_client_with(NULL, 0);
    struct outcome o = {0};
    fiks_call *call = NULL;
    CHECK_STATUS(fiks_client_access_token_async(client, NULL, on_token, &o, &call, &err), FIKS_OK, err);
    CHECK(!fiks_call_is_finished(call));
    fiks_call_cancel(call);
    fiks_call_cancel(call); /* twice: nothing more */
    CHECK(wait_runs(&o));
    CHECK(!o.on_starter_thread);
    check_cancelled(&o, "cancelled");
    CHECK(fiks_error_kind(o.error) == FIKS_ERROR_CANCELLED);
    CHECK_STREQ(fiks_status_name(FIKS_ERROR_CANCELLED), "cancelled");
    CHECK(poll_until(call_finished, call, WAIT_SECS));
    fiks_call_cancel(call); /* after the end: nothing */
    fiks_call_free(call);
    outcome_free(&o);
    fiks_client_free(client);

    /* During: the token request has reached the mock, which holds it back. */
    client = mock_client_with(NULL, 0);
    long before = mock_counter("token_requests");
    CHECK(before >= 0);
    struct outcome h = {0}, r = {0};
    fiks_call *hc = NULL, *rc = NULL;
    CHECK_STATUS(fiks_client_headers_async(client, NULL, on_headers, &h, &hc, &err), FIKS_OK, err);
    fiks_request *req = new_request("GET", "/echo", NULL);
    CHECK_STATUS(fiks_client_send_async(client, req, on_response, &r, &rc, &err), FIKS_OK, err);
    fiks_request_free(req);
    CHECK(mock_saw("token_requests", before));
    CHECK(!fiks_call_is_finished(hc) && !fiks_call_is_finished(rc));
    pthread_mutex_lock(&mu);
    CHECK(h.runs == 0 && r.runs == 0);
    pthread_mutex_unlock(&mu);
    fiks_call_cancel(hc);
    CHECK(wait_runs(&h));
    check_cancelled(&h, "cancelled");
    CHECK(!h.on_starter_thread);
    /* The other call still waits for the token. */
    CHECK(!fiks_call_is_finished(rc));
    fiks_call_cancel(rc);
    CHECK(wait_runs(&r));
    check_cancelled(&r, "cancelled");
    fiks_call_free(hc);
    fiks_call_free(rc);
    outcome_free(&h);
    outcome_free(&r);
    fiks_client_free(client); /* the shared fetch, still held by the mock, ends with the client */
    set_token_delay(0);
}

/* Two waiters share one token fetch; cancelling one leaves it to the other. */
static void test_cancel_one_of_two_waiters(void) {
    fiks_error *err = NULL;
    set_token_delay(SHARED_DELAY_MS);
    fiks_client *client = mock_client_with(NULL, 0);
    long requests = mock_counter("token_requests");
    long issued = mock_counter("tokens_issued");
    CHECK(requests >= 0 && issued >= 0);
    struct outcome a = {0}, b = {0};
    fiks_call *ac = NULL, *bc = NULL;
    CHECK_STATUS(fiks_client_access_token_async(client, NULL, on_token, &a, &ac, &err), FIKS_OK, err);
    CHECK_STATUS(fiks_client_headers_async(client, NULL, on_headers, &b, &bc, &err), FIKS_OK, err);
    CHECK(mock_saw("token_requests", requests));
    fiks_call_cancel(ac);
    CHECK(wait_runs(&a));
    check_cancelled(&a, "cancelled");
    CHECK(wait_runs(&b));
    CHECK_DELIVERED(b, FIKS_OK);
    CHECK(fiks_headers_count(b.headers) == 3);
    CHECK(mock_counter("token_requests") == requests + 1);
    CHECK(mock_counter("tokens_issued") == issued + 1);
    /* The token the fetch brought is the cached one. */
    char *cached = NULL;
    CHECK(fiks_client_cached_access_token(client, &cached));
    const char *auth = fiks_headers_value(b.headers, 0);
    CHECK(cached != NULL && auth != NULL && strcmp(auth + 7, cached) == 0);
    fiks_string_free(cached);
    fiks_call_free(ac);
    fiks_call_free(bc);
    outcome_free(&a);
    outcome_free(&b);
    fiks_client_free(client);
    set_token_delay(0);
}

/* fiks_client_free with calls pending: every callback has run when it returns. */
#define PENDING 9

static void test_free_client_with_pending(void) {
    fiks_error *err = NULL;
    set_token_delay(LONG_DELAY_MS);
    fiks_client *client = mock_client_with(NULL, 0);
    long before = mock_counter("token_requests");
    static struct outcome os[PENDING];
    memset(os, 0, sizeof os);
    fiks_call *calls[PENDING] = {0};
    fiks_request *req = new_request("GET", "/echo", NULL);
    for (int i = 0; i < PENDING; i++) {
        fiks_status s;
        switch (i % 3) {
        case 0: s = fiks_client_access_token_async(client, NULL, on_token, &os[i], &calls[i], &err); break;
        case 1: s = fiks_client_headers_async(client, NULL, on_headers, &os[i], &calls[i], &err); break;
        default: s = fiks_client_send_async(client, req, on_response, &os[i], i == PENDING - 1 ? NULL : &calls[i], &err);
        }
        CHECK_STATUS(s, FIKS_OK, err);
    }
    fiks_request_free(req);
    CHECK(mock_saw("token_requests", before));
    fiks_client_free(client);
    /* No waiting here: they have all run. */
    pthread_mutex_lock(&mu);
    for (int i = 0; i < PENDING; i++) {
        check_cancelled(&os[i], "client_closed");
    }
    pthread_mutex_unlock(&mu);
    for (int i = 0; i < PENDING; i++) {
        CHECK(calls[i] == NULL || fiks_call_is_finished(calls[i]));
        fiks_call_cancel(calls[i]); /* the client is gone: still nothing happens */
        fiks_call_free(calls[i]);
        outcome_free(&os[i]);
    }
    set_token_delay(0);
}

/* A callback frees the client; a call pending then ends with client_closed. */
struct freeing {
    struct outcome o;
    fiks_client *client;
};

static void on_token_free_client(void *user_data, fiks_status status, char *token, fiks_error *error) {
    struct freeing *f = user_data;
    fiks_client_free(f->client);
    on_token(&f->o, status, token, error);
}

static void test_callback_frees_client(void) {
    fiks_error *err = NULL;
    fiks_client *client = mock_client_with(NULL, 0);
    char *token = NULL;
    CHECK_STATUS(fiks_client_access_token(client, &token, &err), FIKS_OK, err);
    fiks_string_free(token);

    /* A call held at the mock: its answer's head never ends (and the timeout is 30 s). */
    long before = mock_counter("fiks_requests");
    CHECK(mock_queue_fault("fiks", "partial_head", 1) == 0);
    struct outcome stuck = {0};
    fiks_call *stuck_call = NULL;
    fiks_request *req = new_request("POST", "/echo", "{}");
    CHECK_STATUS(fiks_client_send_async(client, req, on_response, &stuck, &stuck_call, &err), FIKS_OK, err);
    fiks_request_free(req);
    CHECK(mock_saw("fiks_requests", before));

    struct freeing f;
    memset(&f, 0, sizeof f);
    f.client = client;
    CHECK_STATUS(fiks_client_access_token_async(client, NULL, on_token_free_client, &f, NULL, &err), FIKS_OK, err);
    CHECK(wait_runs(&f.o));
    CHECK_DELIVERED(f.o, FIKS_OK);
    CHECK(wait_runs(&stuck));
    check_cancelled(&stuck, "client_closed");
    CHECK(!stuck.on_starter_thread);
    CHECK(poll_until(call_finished, stuck_call, WAIT_SECS));
    fiks_call_free(stuck_call);
    outcome_free(&f.o);
    outcome_free(&stuck);
    CHECK(mock_post("/_mock/faults", "{\"target\":\"fiks\",\"clear\":true}") == 0);
    /* The runtime stopped from its own thread is not joined: wait until that thread is gone
     * (no other client is alive here), so that none is left running at exit. */
    CHECK(poll_until(no_library_threads, NULL, WAIT_SECS));
}

/* ---------------------------------------------------------------------------------------- */
/* The cancel race. */

#define RACE_THREADS 4
#define RACE_CALLS 150

enum race_mode {
    CANCEL_AT_ONCE,     /* from the starter, right after starting: races the completion */
    CANCEL_AFTER_SPIN,  /* from the starter, after a few hundred yields */
    CANCEL_ELSEWHERE,   /* only the canceller thread may cancel it */
    CANCEL_AFTER_END,   /* from the starter once the callback has run: no effect */
    NO_HANDLE,          /* call_out NULL: never cancelled */
    RACE_MODES
};

struct race_call {
    atomic_int runs;
    fiks_status status;
    int problem_ok;
    enum race_mode mode;
    _Atomic(fiks_call *) call; /* published for the canceller (modes it may cancel) */
    fiks_call *own;            /* every handle, freed at the end */
};

static struct race_call race[RACE_THREADS][RACE_CALLS];
static int race_done; /* under mu */
static atomic_int race_stop;
static fiks_client *race_client;
static pthread_barrier_t race_line;

static void race_finish(struct race_call *c, fiks_status status, fiks_error *error) {
    atomic_fetch_add(&c->runs, 1);
    c->status = status;
    const char *problem = error ? fiks_error_problem(error) : NULL;
    c->problem_ok = status != FIKS_ERROR_CANCELLED || (problem != NULL && strcmp(problem, "cancelled") == 0);
    fiks_error_free(error);
    pthread_mutex_lock(&mu);
    race_done++;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
}

static void race_token(void *u, fiks_status s, char *t, fiks_error *e) {
    fiks_string_free(t);
    race_finish(u, s, e);
}
static void race_headers(void *u, fiks_status s, fiks_headers *h, fiks_error *e) {
    fiks_headers_free(h);
    race_finish(u, s, e);
}
static void race_response(void *u, fiks_status s, fiks_response *r, fiks_error *e) {
    fiks_response_free(r);
    race_finish(u, s, e);
}

static void *race_worker(void *arg) {
    int t = (int)(intptr_t)arg;
    unsigned seed = 0x5eed0000u + (unsigned)t;
    fiks_request *req = NULL;
    fiks_request_new("GET", "/echo", &req, NULL);
    pthread_barrier_wait(&race_line);
    for (int i = 0; i < RACE_CALLS; i++) {
        struct race_call *c = &race[t][i];
        c->mode = (enum race_mode)(rand_r(&seed) % RACE_MODES);
        fiks_call **out = c->mode == NO_HANDLE ? NULL : &c->own;
        fiks_error *err = NULL;
        fiks_status s;
        switch (rand_r(&seed) % 3) {
        case 0: s = fiks_client_access_token_async(race_client, NULL, race_token, c, out, &err); break;
        case 1: s = fiks_client_headers_async(race_client, NULL, race_headers, c, out, &err); break;
        default: s = fiks_client_send_async(race_client, req, race_response, c, out, &err);
        }
        CHECK_STATUS(s, FIKS_OK, err);
        fiks_error_free(err);
        if (s != FIKS_OK) continue;
        if (c->mode != CANCEL_AFTER_END && c->mode != NO_HANDLE) atomic_store(&c->call, c->own);
        switch (c->mode) {
        case CANCEL_AT_ONCE: fiks_call_cancel(c->own); break;
        case CANCEL_AFTER_SPIN: {
            unsigned spins = rand_r(&seed) % 400;
            for (unsigned k = 0; k < spins; k++) sched_yield();
            fiks_call_cancel(c->own);
            break;
        }
        case CANCEL_AFTER_END: {
            struct timespec until;
            deadline_in(&until, WAIT_SECS);
            pthread_mutex_lock(&mu);
            while (atomic_load(&c->runs) == 0) {
                if (pthread_cond_timedwait(&cv, &mu, &until) != 0) break;
            }
            pthread_mutex_unlock(&mu);
            fiks_call_cancel(c->own);
            fiks_call_cancel(c->own);
            break;
        }
        default: break;
        }
    }
    fiks_request_free(req);
    return NULL;
}

/* Cancels published calls at random, until told to stop. */
static void *race_canceller(void *arg) {
    unsigned seed = 0xca11u + (unsigned)(intptr_t)arg;
    pthread_barrier_wait(&race_line);
    while (!atomic_load(&race_stop)) {
        struct race_call *c = &race[rand_r(&seed) % RACE_THREADS][rand_r(&seed) % RACE_CALLS];
        fiks_call *call = atomic_load(&c->call);
        if (call != NULL) fiks_call_cancel(call);
        else sched_yield();
    }
    return NULL;
}

static void test_cancel_race(void) {
    race_client = mock_client_with(NULL, 0); /* cold: the first calls share a fetch */
    memset(race, 0, sizeof race);
    race_done = 0;
    atomic_store(&race_stop, 0);
    pthread_barrier_init(&race_line, NULL, RACE_THREADS + 2);
    pthread_t workers[RACE_THREADS], cancellers[2];
    for (int t = 0; t < RACE_THREADS; t++) CHECK(pthread_create(&workers[t], NULL, race_worker, (void *)(intptr_t)t) == 0);
    for (int k = 0; k < 2; k++) CHECK(pthread_create(&cancellers[k], NULL, race_canceller, (void *)(intptr_t)k) == 0);
    for (int t = 0; t < RACE_THREADS; t++) pthread_join(workers[t], NULL);
    CHECK(wait_count(&race_done, RACE_THREADS * RACE_CALLS, RACE_WAIT_SECS));
    atomic_store(&race_stop, 1);
    for (int k = 0; k < 2; k++) pthread_join(cancellers[k], NULL);
    pthread_barrier_destroy(&race_line);

    /* Cancels after the end change nothing; then the client goes (any late callback would run
     * before fiks_client_free returns, and be counted). */
    for (int t = 0; t < RACE_THREADS; t++)
        for (int i = 0; i < RACE_CALLS; i++) fiks_call_cancel(race[t][i].own);
    fiks_client_free(race_client);

    int once = 1, shapes = 1, uncancelled_ok = 1, ok = 0, cancelled = 0;
    for (int t = 0; t < RACE_THREADS; t++) {
        for (int i = 0; i < RACE_CALLS; i++) {
            struct race_call *c = &race[t][i];
            if (atomic_load(&c->runs) != 1) {
                once = 0;
                fprintf(stderr, "call %d/%d (mode %d) ran its callback %d times\n", t, i, (int)c->mode,
                        atomic_load(&c->runs));
            }
            if (!(c->status == FIKS_OK || c->status == FIKS_ERROR_CANCELLED) || !c->problem_ok) {
                shapes = 0;
                fprintf(stderr, "call %d/%d ended with %s\n", t, i, fiks_status_name(c->status));
            }
            /* Never cancelled before its end: it succeeded. */
            if ((c->mode == CANCEL_AFTER_END || c->mode == NO_HANDLE) && c->status != FIKS_OK) uncancelled_ok = 0;
            ok += c->status == FIKS_OK;
            cancelled += c->status == FIKS_ERROR_CANCELLED;
            fiks_call_free(c->own);
        }
    }
    CHECK(once);
    CHECK(shapes);
    CHECK(uncancelled_ok);
    CHECK(race_done == RACE_THREADS * RACE_CALLS);
    printf("cancel race: %d calls, %d succeeded, %d cancelled\n", RACE_THREADS * RACE_CALLS, ok, cancelled);
}

int main(void) {
    main_thread = pthread_self();
    test_start_errors();
    test_success_and_cached();
    test_errors_through_callback();
    test_callback_thread_and_waiting_inside();
    test_callback_starts_calls();
    test_call_handles();
    test_cancel_before_and_during();
    test_cancel_one_of_two_waiters();
    test_free_client_with_pending();
    test_callback_frees_client();
    test_cancel_race();
    CHECK(mock_set_token_delay_ms(0) == 0);
    return check_summary();
}
