/*
 * An external signer: the grant's signature is made outside the library, as it is when the
 * enterprise certificate's key sits in an HSM, on a smart card or in the OS certificate store
 * and cannot be read. Here OpenSSL's libcrypto with a PEM key stands in for the key store; a
 * PKCS#11 module (or a KMS call) goes in the same place.
 *
 *   hsm_signer CONFIG.toml CHAIN.pem KEY.pem
 *
 * CONFIG.toml is a fiks.toml (issuer, endpoints, integrasjon); CHAIN.pem the certificate chain
 * without its key (leaf first, sent as x5c). Prints the answer of one sok call.
 * Build: make (links -lcrypto for this program).
 */
#include <fiks_integrasjon.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

/* The library calls this on one of its threads, possibly on several at once: it must be thread
 * safe. A new EVP_MD_CTX per call; the EVP_PKEY is only read. */
static int32_t sign(void *user_data, const uint8_t *input, size_t input_len, uint8_t *signature_out,
                    size_t signature_capacity, size_t *signature_len_out, char *message_out,
                    size_t message_capacity) {
    EVP_PKEY *key = user_data;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    size_t len = signature_capacity;
    /* RS256: RSASSA-PKCS1-v1_5 with SHA-256 (OpenSSL's default padding for an RSA key). */
    int ok = ctx != NULL && EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, key) == 1 &&
             EVP_DigestSign(ctx, signature_out, &len, input, input_len) == 1;
    EVP_MD_CTX_free(ctx);
    if (!ok) {
        snprintf(message_out, message_capacity, "the key store could not sign");
        return 1;
    }
    *signature_len_out = len;
    return 0;
}

/* Called once, when the last config or client holding the signer is freed. */
static void release_key(void *user_data) { EVP_PKEY_free(user_data); }

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s CONFIG.toml CHAIN.pem KEY.pem\n", argv[0]);
        return 2;
    }
    FILE *f = fopen(argv[3], "r");
    EVP_PKEY *key = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
    if (f) fclose(f);
    if (key == NULL) {
        fprintf(stderr, "cannot read the key %s\n", argv[3]);
        return 1;
    }

    fiks_error *err = NULL;
    fiks_client *client = NULL;
    fiks_response *resp = NULL;
    fiks_config *config = fiks_config_new();
    fiks_status s = fiks_config_load_file(config, argv[1], &err);
    /* The chain without its key; no certificate_password is needed for it. */
    if (s == FIKS_OK) s = fiks_config_set(config, "certificate", argv[2], &err);
    if (s == FIKS_OK) s = fiks_config_set(config, "certificate_password", "", &err);
    if (s == FIKS_OK) {
        s = fiks_config_set_signer(config, sign, key, release_key, &err);
        if (s != FIKS_OK) EVP_PKEY_free(key); /* not taken on failure */
    } else {
        EVP_PKEY_free(key);
    }
    if (s == FIKS_OK) s = fiks_client_new(config, &client, &err);
    fiks_config_free(config); /* the client keeps the signer */

    const char *sok = "{\"sok\": \"byggesak\"}";
    if (s == FIKS_OK)
        s = fiks_client_request(client, "POST", "/innsyn-sok/api/v1/sok", (const uint8_t *)sok, strlen(sok), &resp,
                                &err);
    if (s == FIKS_OK) {
        printf("%s\n", (const char *)fiks_response_body(resp, NULL));
    } else {
        /* A signer failure: FIKS_ERROR_CERTIFICATE, problem "signer", with the callback's message. */
        const char *problem = fiks_error_problem(err);
        fprintf(stderr, "%s (problem: %s)\n", fiks_error_message(err), problem ? problem : "-");
    }
    fiks_response_free(resp);
    fiks_error_free(err);
    fiks_client_free(client); /* frees the key through release_key */
    return s == FIKS_OK ? 0 : 1;
}
