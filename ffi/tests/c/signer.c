/*
 * External signers and per-request token options through the C ABI, against the mock:
 *   - fiks_config_set_signer with a callback that signs with OpenSSL libcrypto (the mock's
 *     key.pem as an EVP_PKEY, EVP_DigestSign with SHA-256, RSASSA-PKCS1-v1_5) and `certificate`
 *     = the mock's chain.pem without its key: the token works at Fiks and the grant carried x5c;
 *     the chain as PEM text works too; one client used from several threads at once;
 *   - a failing callback: FIKS_ERROR_CERTIFICATE, problem "signer", its message; a message
 *     filling the whole buffer without a NUL;
 *   - free_user_data runs exactly once, after both the config and the client are freed;
 *   - fiks_token_request: two consumer_org values give two tokens (two token requests at the
 *     mock), the same request twice gives one; authorization_details from
 *     fiks_authorization_details_systembruker reach the grant; bad options and values; the
 *     _async variant.
 * Needs MOCK_CHAIN_PEM and MOCK_KEY_PEM (set by scripts/test-c) besides the usual MOCK_*.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "check.h"

/* The user_data of the test signer. */
struct signer {
    EVP_PKEY *key;
    int fail;             /* 1: fail with a message; 2: fill the message buffer without a NUL */
    atomic_int calls;
    atomic_int frees;
    atomic_size_t signature_capacity;
    atomic_size_t message_capacity;
};

static int32_t sign_with_openssl(void *user_data, const uint8_t *input, size_t input_len, uint8_t *signature_out,
                                 size_t signature_capacity, size_t *signature_len_out, char *message_out,
                                 size_t message_capacity) {
    struct signer *s = user_data;
    atomic_fetch_add(&s->calls, 1);
    atomic_store(&s->signature_capacity, signature_capacity);
    atomic_store(&s->message_capacity, message_capacity);
    if (s->fail == 1) {
        snprintf(message_out, message_capacity, "the smart card was removed (reader 2)");
        return 5;
    }
    if (s->fail == 2) {
        memset(message_out, 'z', message_capacity); /* no NUL anywhere */
        return -1;
    }
    /* One EVP_MD_CTX per call: the callback runs on several library threads at once. */
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    size_t len = signature_capacity;
    int ok = ctx != NULL && EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, s->key) == 1 &&
             EVP_DigestSign(ctx, signature_out, &len, input, input_len) == 1;
    EVP_MD_CTX_free(ctx);
    if (!ok) {
        snprintf(message_out, message_capacity, "EVP_DigestSign failed");
        return 1;
    }
    *signature_len_out = len;
    return 0;
}

static void free_signer(void *user_data) {
    struct signer *s = user_data;
    atomic_fetch_add(&s->frees, 1);
}

static void signer_init(struct signer *s, int fail) {
    memset(s, 0, sizeof *s);
    s->fail = fail;
    FILE *f = fopen(mock_env("MOCK_KEY_PEM"), "r");
    CHECK(f != NULL);
    if (f != NULL) {
        s->key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
        fclose(f);
    }
    CHECK(s->key != NULL);
}

/* The whole of a file as a C string (owned), or NULL. */
static char *read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) return NULL;
    char *text = NULL;
    size_t size = 0;
    if (fseek(f, 0, SEEK_END) == 0) {
        long n = ftell(f);
        if (n > 0 && fseek(f, 0, SEEK_SET) == 0 && (text = malloc((size_t)n + 1)) != NULL) {
            size = fread(text, 1, (size_t)n, f);
            text[size] = '\0';
        }
    }
    fclose(f);
    return text;
}

/* A config for the mock with no key: the mock's values one by one, `certificate` = `certificate`
 * (a path or PEM text), and `s` as its signer. */
static fiks_config *signer_config(struct signer *s, const char *certificate) {
    static const char *const keys[][2] = {
        {"audience", "MOCK_AUDIENCE"},       {"token_endpoint", "MOCK_TOKEN_ENDPOINT"},
        {"fiks_base_url", "MOCK_FIKS_BASE_URL"}, {"issuer", "MOCK_ISSUER"},
        {"integrasjon_id", "MOCK_INTEGRASJON_ID"}, {"integrasjon_passord", "MOCK_INTEGRASJON_PASSORD"},
    };
    fiks_config *config = fiks_config_new();
    fiks_error *err = NULL;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        CHECK_STATUS(fiks_config_set(config, keys[i][0], mock_env(keys[i][1]), &err), FIKS_OK, err);
    }
    CHECK_STATUS(fiks_config_set(config, "certificate", certificate, &err), FIKS_OK, err);
    CHECK_STATUS(fiks_config_set_signer(config, sign_with_openssl, s, free_signer, &err), FIKS_OK, err);
    fiks_error_free(err);
    return config;
}

static fiks_client *client_of(const fiks_config *config) {
    fiks_client *client = NULL;
    fiks_error *err = NULL;
    CHECK_STATUS(fiks_client_new(config, &client, &err), FIKS_OK, err);
    fiks_error_free(err);
    return client;
}

/* GET /_mock/counters into `answer` (the last grant's header and claims included). */
static int counters(char *answer, size_t size) {
    return mock_control("GET", "/_mock/counters", NULL, answer, size) == 200;
}

static void signs_with_openssl(void) {
    struct signer s;
    signer_init(&s, 0);
    fiks_config *config = signer_config(&s, mock_env("MOCK_CHAIN_PEM"));
    fiks_client *client = client_of(config);
    fiks_error *err = NULL;
    long before = mock_counter("token_requests");
    char *token = NULL;
    CHECK_STATUS(fiks_client_access_token(client, &token, &err), FIKS_OK, err);
    CHECK(token != NULL && strlen(token) > 10);
    CHECK(atomic_load(&s.calls) == 1);
    CHECK(atomic_load(&s.signature_capacity) == 1024);
    CHECK(atomic_load(&s.message_capacity) == 512);
    CHECK(mock_counter("token_requests") == before + 1);
    /* The grant carried x5c: the chain from chain.pem (leaf, intermediate). */
    static char answer[65536];
    CHECK(counters(answer, sizeof answer));
    const char *header = strstr(answer, "\"last_grant_header\":");
    CHECK(header != NULL);
    CHECK_CONTAINS(header, "\"x5c\":[\"");
    CHECK_CONTAINS(header, "\"alg\":\"RS256\"");
    /* The token works at Fiks. */
    fiks_response *resp = NULL;
    CHECK_STATUS(fiks_client_request(client, "GET", "/echo", NULL, 0, &resp, &err), FIKS_OK, err);
    CHECK(fiks_response_status(resp) == 200);
    CHECK_CONTAINS((const char *)fiks_response_body(resp, NULL), mock_env("MOCK_INTEGRASJON_ID"));
    fiks_response_free(resp);
    /* Cached: no second signature. */
    char *again = NULL;
    CHECK_STATUS(fiks_client_access_token(client, &again, &err), FIKS_OK, err);
    CHECK(token != NULL && again != NULL && strcmp(token, again) == 0);
    CHECK(atomic_load(&s.calls) == 1);
    fiks_string_free(token);
    fiks_string_free(again);

    /* free_user_data: exactly once, after the config and the client are both gone. */
    fiks_config_free(config);
    CHECK(atomic_load(&s.frees) == 0);
    fiks_client_free(client);
    CHECK(atomic_load(&s.frees) == 1);
    EVP_PKEY_free(s.key);
    fiks_error_free(err);
}

static void chain_as_pem_text_and_the_cores_rules(void) {
    struct signer s;
    signer_init(&s, 0);
    char *pem = read_file(mock_env("MOCK_CHAIN_PEM"));
    CHECK(pem != NULL && strstr(pem, "BEGIN CERTIFICATE") != NULL);
    fiks_config *config = signer_config(&s, pem ? pem : "");
    free(pem);
    fiks_client *client = client_of(config);
    fiks_error *err = NULL;
    char *token = NULL;
    CHECK_STATUS(fiks_client_access_token(client, &token, &err), FIKS_OK, err);
    fiks_string_free(token);
    fiks_client_free(client);
    CHECK(atomic_load(&s.frees) == 0); /* the config still holds it */

    /* With a signer, private_key must not be set. */
    CHECK_STATUS(fiks_config_set(config, "private_key", mock_env("MOCK_KEY_PEM"), &err), FIKS_OK, err);
    client = NULL;
    CHECK_STATUS(fiks_client_new(config, &client, &err), FIKS_ERROR_CONFIG, err);
    CHECK(client == NULL);
    CHECK_STREQ(fiks_error_config_key(err), "private_key");
    fiks_error_free(err);
    err = NULL;
    fiks_config_free(config);
    CHECK(atomic_load(&s.frees) == 1);

    /* NULL arguments take nothing. */
    CHECK_STATUS(fiks_config_set_signer(NULL, sign_with_openssl, &s, free_signer, &err), FIKS_ERROR_INVALID_ARGUMENT,
                 err);
    fiks_error_free(err);
    err = NULL;
    config = fiks_config_new();
    CHECK_STATUS(fiks_config_set_signer(config, NULL, &s, free_signer, &err), FIKS_ERROR_INVALID_ARGUMENT, err);
    CHECK_CONTAINS(fiks_error_message(err), "`sign` is NULL");
    fiks_error_free(err);
    fiks_config_free(config);
    CHECK(atomic_load(&s.frees) == 1);
    EVP_PKEY_free(s.key);
}

static void failing_signer(void) {
    for (int fail = 1; fail <= 2; fail++) {
        struct signer s;
        signer_init(&s, fail);
        fiks_config *config = signer_config(&s, mock_env("MOCK_CHAIN_PEM"));
        fiks_client *client = client_of(config);
        fiks_config_free(config);
        fiks_error *err = NULL;
        char *token = NULL;
        long before = mock_counter("token_requests");
        CHECK_STATUS(fiks_client_access_token(client, &token, &err), FIKS_ERROR_CERTIFICATE, err);
        CHECK(token == NULL);
        CHECK(fiks_error_kind(err) == FIKS_ERROR_CERTIFICATE);
        CHECK_STREQ(fiks_error_problem(err), "signer");
        CHECK_STREQ(fiks_error_config_key(err), "signer");
        CHECK_CONTAINS(fiks_error_message(err), "the external signer failed");
        if (fail == 1) {
            CHECK_CONTAINS(fiks_error_message(err), "the smart card was removed (reader 2)");
        } else {
            /* Read up to the buffer's end (512 bytes), never past it. */
            char zs[514];
            memset(zs, 'z', 513);
            zs[513] = '\0';
            CHECK(err != NULL && strstr(fiks_error_message(err), zs) == NULL);
            zs[512] = '\0';
            CHECK_CONTAINS(fiks_error_message(err), zs);
        }
        CHECK(mock_counter("token_requests") == before); /* nothing went out unsigned */
        fiks_error_free(err);
        fiks_client_free(client);
        CHECK(atomic_load(&s.frees) == 1);
        EVP_PKEY_free(s.key);
    }
}

/* Several threads at once, each its own consumer_org: the callback runs concurrently. */
struct worker {
    fiks_client *client;
    const char *consumer_org;
    fiks_status status;
};

static void *work(void *arg) {
    struct worker *w = arg;
    fiks_token_request *request = NULL;
    char *token = NULL;
    w->status = fiks_token_request_new(w->client, &request, NULL);
    if (w->status == FIKS_OK) w->status = fiks_token_request_set(request, "consumer_org", w->consumer_org, NULL);
    if (w->status == FIKS_OK) w->status = fiks_client_access_token_for(w->client, request, &token, NULL);
    fiks_string_free(token);
    fiks_token_request_free(request);
    return NULL;
}

static void signer_from_threads(void) {
    struct signer s;
    signer_init(&s, 0);
    fiks_config *config = signer_config(&s, mock_env("MOCK_CHAIN_PEM"));
    fiks_client *client = client_of(config);
    fiks_config_free(config);
    static const char *const orgs[] = {"910000011", "910000012", "910000013", "910000014"};
    struct worker workers[8];
    pthread_t threads[8];
    for (int i = 0; i < 8; i++) {
        workers[i] = (struct worker){client, orgs[i % 4], FIKS_ERROR_INTERNAL};
        CHECK(pthread_create(&threads[i], NULL, work, &workers[i]) == 0);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(threads[i], NULL);
        CHECK(workers[i].status == FIKS_OK);
    }
    CHECK(atomic_load(&s.calls) == 4); /* one grant per consumer_org */
    fiks_client_free(client);
    CHECK(atomic_load(&s.frees) == 1);
    EVP_PKEY_free(s.key);
}

static char *token_for(fiks_client *client, const fiks_token_request *request) {
    fiks_error *err = NULL;
    char *token = NULL;
    CHECK_STATUS(fiks_client_access_token_for(client, request, &token, &err), FIKS_OK, err);
    fiks_error_free(err);
    return token;
}

static fiks_token_request *request_for_org(fiks_client *client, const char *consumer_org) {
    fiks_token_request *request = NULL;
    fiks_error *err = NULL;
    CHECK_STATUS(fiks_token_request_new(client, &request, &err), FIKS_OK, err);
    CHECK_STATUS(fiks_token_request_set(request, "consumer_org", consumer_org, &err), FIKS_OK, err);
    fiks_error_free(err);
    return request;
}

static void per_request_options(void) {
    /* The core's option names. */
    static const char *const expected[] = {"scopes", "resource", "consumer_org", "pid", "on_behalf_of",
                                           "authorization_details"};
    size_t n = 0;
    while (fiks_token_option_name(n) != NULL) n++;
    CHECK(n == sizeof expected / sizeof expected[0]);
    for (size_t i = 0; i < n && i < sizeof expected / sizeof expected[0]; i++) {
        CHECK_STREQ(fiks_token_option_name(i), expected[i]);
    }
    CHECK(fiks_token_option_name((size_t)-1) == NULL);

    fiks_client *client = mock_client_with(NULL, 0);
    fiks_token_request *a = request_for_org(client, "910000021");
    fiks_token_request *b = request_for_org(client, "910000022");
    long before = mock_counter("token_requests");
    char *ta = token_for(client, a);
    char *tb = token_for(client, b);
    CHECK(ta != NULL && tb != NULL && strcmp(ta, tb) != 0);
    long after_two = mock_counter("token_requests");
    CHECK(before >= 0 && after_two >= before + 2);
    /* The same request twice (and another object with the same options): one token. */
    char *ta2 = token_for(client, a);
    fiks_token_request *a_again = request_for_org(client, "910000021");
    char *ta3 = token_for(client, a_again);
    CHECK(ta != NULL && ta2 != NULL && ta3 != NULL && strcmp(ta, ta2) == 0 && strcmp(ta, ta3) == 0);
    CHECK(mock_counter("token_requests") == after_two);
    fiks_string_free(ta);
    fiks_string_free(tb);
    fiks_string_free(ta2);
    fiks_string_free(ta3);
    fiks_token_request_free(a_again);

    /* Bad options and values: the core's errors; the request stays as it was. */
    fiks_error *err = NULL;
    CHECK_STATUS(fiks_token_request_set(a, "consumer", "910000021", &err), FIKS_ERROR_USAGE, err);
    CHECK_CONTAINS(fiks_error_message(err), "consumer_org");
    fiks_error_free(err);
    err = NULL;
    CHECK_STATUS(fiks_token_request_set(a, "consumer_org", "1234", &err), FIKS_ERROR_CONFIG, err);
    CHECK_STREQ(fiks_error_config_key(err), "consumer_org");
    fiks_error_free(err);
    err = NULL;
    CHECK_STATUS(fiks_token_request_set(a, "pid", "0101", &err), FIKS_ERROR_CONFIG, err);
    CHECK_STREQ(fiks_error_config_key(err), "pid");
    fiks_error_free(err);
    err = NULL;
    CHECK_STATUS(fiks_token_request_set(NULL, "pid", "0101", &err), FIKS_ERROR_INVALID_ARGUMENT, err);
    fiks_error_free(err);
    err = NULL;
    CHECK_STATUS(fiks_token_request_set(a, "pid", NULL, &err), FIKS_ERROR_INVALID_ARGUMENT, err);
    CHECK_CONTAINS(fiks_error_message(err), "`value` is NULL");
    fiks_error_free(err);
    err = NULL;
    CHECK_STATUS(fiks_token_request_new(NULL, &b, &err), FIKS_ERROR_INVALID_ARGUMENT, err);
    fiks_error_free(err);
    err = NULL;
    ta = token_for(client, a);
    fiks_string_free(ta);
    CHECK(mock_counter("token_requests") == after_two); /* still the cached one */

    /* "" clears: the configured request's token. */
    char *configured = NULL;
    CHECK_STATUS(fiks_client_access_token(client, &configured, &err), FIKS_OK, err);
    CHECK_STATUS(fiks_token_request_set(b, "consumer_org", "", &err), FIKS_OK, err);
    char *cleared = token_for(client, b);
    CHECK(configured != NULL && cleared != NULL && strcmp(configured, cleared) == 0);
    fiks_string_free(configured);
    fiks_string_free(cleared);

    fiks_token_request_free(a);
    fiks_token_request_free(b);
    fiks_token_request_free(NULL);
    fiks_client_free(client);
}

static void authorization_details(void) {
    fiks_error *err = NULL;
    char *json = NULL;
    CHECK_STATUS(fiks_authorization_details_systembruker("910000031", "kunde-7", &json, &err), FIKS_OK, err);
    /* The core's JSON (its key order is serde_json's, not part of the contract). */
    CHECK(json != NULL && json[0] == '[' && strchr(json, '\n') == NULL);
    CHECK_CONTAINS(json, "\"type\":\"urn:altinn:systemuser\"");
    CHECK_CONTAINS(json, "\"systemuser_org\":{");
    CHECK_CONTAINS(json, "\"authority\":\"iso6523-actorid-upis\"");
    CHECK_CONTAINS(json, "\"ID\":\"0192:910000031\"");
    CHECK_CONTAINS(json, "\"externalRef\":\"kunde-7\"");
    char *plain = NULL;
    CHECK_STATUS(fiks_authorization_details_systembruker("910000031", NULL, &plain, &err), FIKS_OK, err);
    CHECK(plain != NULL && strstr(plain, "externalRef") == NULL);
    fiks_string_free(plain);
    char *consent = NULL;
    CHECK_STATUS(fiks_authorization_details_samtykke("5f1c1c5e-9c1a-4c7e-8a57-2a1f4b8a9d10", "910000031", &consent, &err),
                 FIKS_OK, err);
    CHECK_CONTAINS(consent, "urn:altinn:organization:identifier-no:910000031");
    fiks_string_free(consent);
    char *bad = NULL;
    CHECK_STATUS(fiks_authorization_details_systembruker("12", NULL, &bad, &err), FIKS_ERROR_CONFIG, err);
    CHECK(bad == NULL);
    CHECK_STREQ(fiks_error_config_key(err), "authorization_details");
    fiks_error_free(err);
    err = NULL;
    CHECK_STATUS(fiks_authorization_details_samtykke("not-a-uuid", "910000031", &bad, &err), FIKS_ERROR_CONFIG, err);
    CHECK_STREQ(fiks_error_config_key(err), "authorization_details");
    fiks_error_free(err);
    err = NULL;
    CHECK_STATUS(fiks_authorization_details_samtykke(NULL, "910000031", &bad, &err), FIKS_ERROR_INVALID_ARGUMENT, err);
    fiks_error_free(err);
    err = NULL;

    /* Into the grant. */
    fiks_client *client = mock_client_with(NULL, 0);
    fiks_token_request *request = NULL;
    CHECK_STATUS(fiks_token_request_new(client, &request, &err), FIKS_OK, err);
    CHECK_STATUS(fiks_token_request_set(request, "authorization_details", json ? json : "", &err), FIKS_OK, err);
    char *token = token_for(client, request);
    CHECK(token != NULL);
    fiks_string_free(token);
    static char answer[65536];
    CHECK(counters(answer, sizeof answer));
    const char *claims = strstr(answer, "\"last_grant_claims\":");
    CHECK(claims != NULL);
    CHECK_CONTAINS(claims, "\"authorization_details\":[{");
    CHECK_CONTAINS(claims, "\"ID\":\"0192:910000031\"");
    CHECK_CONTAINS(claims, "\"externalRef\":\"kunde-7\"");

    /* A bad value: FIKS_ERROR_CONFIG naming the key; the request keeps its details. */
    CHECK_STATUS(fiks_token_request_set(request, "authorization_details", "[{\"type\":\"urn:altinn:ukjent\"}]", &err),
                 FIKS_ERROR_CONFIG, err);
    CHECK_STREQ(fiks_error_config_key(err), "authorization_details");
    fiks_error_free(err);
    err = NULL;
    CHECK_STATUS(fiks_token_request_set(request, "authorization_details", "{not json", &err), FIKS_ERROR_CONFIG, err);
    CHECK_STREQ(fiks_error_config_key(err), "authorization_details");
    fiks_error_free(err);
    err = NULL;
    long before = mock_counter("token_requests");
    token = token_for(client, request);
    fiks_string_free(token);
    CHECK(mock_counter("token_requests") == before);
    fiks_string_free(json);
    fiks_token_request_free(request);
    fiks_client_free(client);
}

/* The _async variant: a callback signalling a condition variable. */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;

struct delivered {
    int runs;
    fiks_status status;
    char *token;
    char config_key[64];
};

static void on_token(void *user_data, fiks_status status, char *token, fiks_error *error) {
    struct delivered *d = user_data;
    pthread_mutex_lock(&mu);
    d->runs++;
    d->status = status;
    d->token = token;
    if (error != NULL && fiks_error_config_key(error) != NULL) {
        snprintf(d->config_key, sizeof d->config_key, "%s", fiks_error_config_key(error));
    }
    fiks_error_free(error);
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
}

static int wait_delivered(struct delivered *d) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 30; /* a failure bound only */
    pthread_mutex_lock(&mu);
    while (d->runs == 0 && pthread_cond_timedwait(&cv, &mu, &until) == 0) {
    }
    int runs = d->runs;
    pthread_mutex_unlock(&mu);
    return runs == 1;
}

static void async_variant(void) {
    fiks_client *client = mock_client_with(NULL, 0);
    fiks_token_request *request = request_for_org(client, "910000041");
    fiks_error *err = NULL;
    struct delivered d;
    memset(&d, 0, sizeof d);
    fiks_call *call = NULL;
    CHECK_STATUS(fiks_client_access_token_for_async(client, request, on_token, &d, &call, &err), FIKS_OK, err);
    /* Copied at the start: changing the request now does not change the call. */
    CHECK_STATUS(fiks_token_request_set(request, "consumer_org", "910000042", &err), FIKS_OK, err);
    CHECK(wait_delivered(&d));
    CHECK(d.status == FIKS_OK && d.token != NULL);
    fiks_call_free(call);
    fiks_token_request *same = request_for_org(client, "910000041");
    char *sync = token_for(client, same);
    CHECK(sync != NULL && d.token != NULL && strcmp(sync, d.token) == 0);
    fiks_string_free(sync);
    fiks_string_free(d.token);
    fiks_token_request_free(same);

    /* A bad combination comes through the callback. */
    CHECK_STATUS(fiks_token_request_set(request, "on_behalf_of", "leverandor-1", &err), FIKS_OK, err);
    memset(&d, 0, sizeof d);
    CHECK_STATUS(fiks_client_access_token_for_async(client, request, on_token, &d, NULL, &err), FIKS_OK, err);
    CHECK(wait_delivered(&d));
    CHECK(d.status == FIKS_ERROR_CONFIG && d.token == NULL);
    CHECK_STREQ(d.config_key, "consumer_org");

    /* Argument errors come back at once; the callback never runs. */
    memset(&d, 0, sizeof d);
    CHECK_STATUS(fiks_client_access_token_for_async(client, NULL, on_token, &d, &call, &err),
                 FIKS_ERROR_INVALID_ARGUMENT, err);
    fiks_error_free(err);
    err = NULL;
    CHECK_STATUS(fiks_client_access_token_for_async(client, request, NULL, &d, &call, &err),
                 FIKS_ERROR_INVALID_ARGUMENT, err);
    fiks_error_free(err);
    fiks_token_request_free(request);
    fiks_client_free(client);
    CHECK(d.runs == 0);
}

int main(void) {
    signs_with_openssl();
    chain_as_pem_text_and_the_cores_rules();
    failing_signer();
    signer_from_threads();
    per_request_options();
    authorization_details();
    async_variant();
    return check_summary();
}
