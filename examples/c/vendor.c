/*
 * One client for many integrasjoner and for citizens, run against the local mock.
 *
 *   vendor CONFIG.toml PERSON_TOKEN SHA256 [PERSON_TOKEN SHA256 ...]
 *
 * 1. vendor: a program serving 100 municipalities holds ONE client and derives one per
 *    municipality with fiks_client_for_integrasjon; each sends GET /echo to the fiks and the
 *    svarut service. All 200 calls carry the same Maskinporten token: one token request.
 * 2. citizen: a citizen-facing server derives fiks_client_as_person(token) in each request's
 *    handler; each call carries that citizen's ID-porten token and no other. The SHA-256 of each
 *    token is given so the example can check what the mock's echo saw (a real server has no
 *    such thing). scripts/test-c passes the mock's default person token.
 * Exits 1 on any mismatch.
 */
#include <fiks_integrasjon.h>
#include <stdio.h>
#include <string.h>

static int mismatches = 0;

static void check(int ok, const char *what, const char *echo) {
    if (ok) return;
    mismatches++;
    fprintf(stderr, "MISMATCH: %s: %s\n", what, echo);
}

/* GET /echo of `service` with `client`: its body into `out` (a C string). 0 on error. */
static int get_echo(fiks_client *client, const char *service, char *out, size_t size) {
    fiks_request *req = NULL;
    fiks_response *resp = NULL;
    fiks_error *err = NULL;
    fiks_status s = fiks_request_new("GET", "/echo", &req, &err);
    if (s == FIKS_OK) s = fiks_request_set_service(req, service, &err);
    if (s == FIKS_OK) s = fiks_client_send(client, req, &resp, &err);
    if (s == FIKS_OK) snprintf(out, size, "%s", (const char *)fiks_response_body(resp, NULL));
    else fprintf(stderr, "GET /echo of %s: %s\n", service, fiks_error_message(err));
    fiks_response_free(resp);
    fiks_request_free(req);
    fiks_error_free(err);
    if (s != FIKS_OK) mismatches++;
    return s == FIKS_OK;
}

/* Whether the echo holds "key":"value" (the mock writes compact JSON; a real program parses it). */
static int has(const char *echo, const char *key, const char *value) {
    char needle[256];
    snprintf(needle, sizeof needle, "\"%s\":\"%s\"", key, value);
    return strstr(echo, needle) != NULL;
}

static int vendor(fiks_client *client, char *token_sha256, size_t size) {
    const char *services[] = {"fiks", "svarut"};
    char echo[8192];
    int calls = 0;
    for (int i = 1; i <= 100; i++) {
        /* A real vendor reads its customers' ids and passwords from its own database (or names
         * them in fiks.toml as [integrasjoner.NAME], for fiks_client_for_integrasjon_named).
         * These are the 100 the mock accepts. */
        char id[64], passord[64];
        snprintf(id, sizeof id, "00000000-0000-4000-8000-%012d", i);
        snprintf(passord, sizeof passord, "mock-passord-%d", i);
        fiks_client *kommune = NULL;
        fiks_error *err = NULL;
        if (fiks_client_for_integrasjon(client, id, passord, &kommune, &err) != FIKS_OK) { /* no I/O */
            check(0, "fiks_client_for_integrasjon", fiks_error_message(err));
            fiks_error_free(err);
            continue;
        }
        for (int s = 0; s < 2; s++) {
            if (!get_echo(kommune, services[s], echo, sizeof echo)) continue;
            check(has(echo, "integrasjon_id", id), "an echo from another integrasjon", echo);
            check(has(echo, "service", services[s]), "an echo from another service", echo);
            const char *hash = strstr(echo, "\"token_sha256\":\"");
            if (hash && !token_sha256[0]) snprintf(token_sha256, size, "%.64s", hash + 16);
            check(has(echo, "token_sha256", token_sha256), "a second Maskinporten token", echo);
            calls++;
        }
        fiks_client_free(kommune);
    }
    /* The same integrasjon by its name in fiks.toml ([integrasjoner.kommune-1]). */
    fiks_client *named = NULL;
    fiks_error *err = NULL;
    if (fiks_client_for_integrasjon_named(client, "kommune-1", &named, &err) == FIKS_OK) {
        if (get_echo(named, "fiks", echo, sizeof echo))
            check(has(echo, "integrasjon_id", "00000000-0000-4000-8000-000000000001"), "kommune-1", echo);
    } else {
        check(0, "fiks_client_for_integrasjon_named", fiks_error_message(err));
    }
    fiks_error_free(err);
    fiks_client_free(named);
    return calls;
}

/* What a server's request handler does; the citizen's token comes from its session. */
static void handle_citizen_request(const fiks_client *client, const char *token, const char *sha256) {
    char echo[8192];
    fiks_client *citizen = NULL;
    fiks_error *err = NULL;
    if (fiks_client_as_person(client, token, &citizen, &err) != FIKS_OK) {
        check(0, "fiks_client_as_person", fiks_error_message(err));
    } else if (get_echo(citizen, "fiks", echo, sizeof echo)) {
        check(has(echo, "token_sha256", sha256), "a citizen's call carried another token", echo);
    }
    fiks_error_free(err);
    fiks_client_free(citizen);
}

int main(int argc, char **argv) {
    if (argc < 4 || argc % 2 != 0) {
        fprintf(stderr, "usage: %s CONFIG.toml PERSON_TOKEN SHA256 [PERSON_TOKEN SHA256 ...]\n", argv[0]);
        return 2;
    }
    fiks_error *err = NULL;
    fiks_client *client = NULL; /* the program's one client */
    fiks_config *config = fiks_config_new();
    fiks_status s = fiks_config_load_file(config, argv[1], &err);
    if (s == FIKS_OK) s = fiks_client_new(config, &client, &err);
    fiks_config_free(config);
    if (s != FIKS_OK) {
        fprintf(stderr, "%s\n", fiks_error_message(err));
        fiks_error_free(err);
        return 1;
    }

    char token_sha256[65] = "";
    int calls = vendor(client, token_sha256, sizeof token_sha256);
    /* fiks_client is thread safe: a threaded server calls this from every worker thread. */
    int citizens = (argc - 2) / 2;
    for (int i = 0; i < citizens; i++) handle_citizen_request(client, argv[2 + 2 * i], argv[3 + 2 * i]);
    fiks_client_free(client);

    printf("vendor: 100 municipalities, %d calls (fiks and svarut), each echo from its own integrasjon\n", calls);
    printf("vendor: every call carried one Maskinporten token (sha256 %.12s...)\n", token_sha256);
    printf("citizen: %d citizen(s), each echo carrying its own citizen's token\n", citizens);
    if (mismatches) printf("%d mismatches\n", mismatches);
    else printf("ok\n");
    return mismatches ? 1 : 0;
}
