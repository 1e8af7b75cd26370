/* The README's C example: fiks.toml in the current directory, one sok call. */
#include <fiks_integrasjon.h>
#include <stdio.h>
#include <string.h>

int main(void) {
    fiks_error *err = NULL;
    fiks_client *client = NULL;
    fiks_response *resp = NULL;
    fiks_config *config = fiks_config_new();
    fiks_status s = fiks_config_load_file(config, "fiks.toml", &err);
    if (s == FIKS_OK) s = fiks_client_new(config, &client, &err);
    fiks_config_free(config);                    /* the client keeps what it needs */
    const char *sok = "{\"sok\": \"byggesak\"}";
    if (s == FIKS_OK)
        s = fiks_client_request(client, "POST", "/innsyn-sok/api/v1/sok",
                                (const uint8_t *)sok, strlen(sok), &resp, &err);
    if (s == FIKS_OK) printf("%s\n", (const char *)fiks_response_body(resp, NULL));
    else fprintf(stderr, "%s\n", fiks_error_message(err));  /* errorId etc. included */
    fiks_response_free(resp);
    fiks_error_free(err);
    fiks_client_free(client);
    return s == FIKS_OK ? 0 : 1;
}
