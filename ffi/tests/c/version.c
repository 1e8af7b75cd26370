/*
 * The header's version macros: usable in #if, consistent with each other, and equal to
 * fiks_version(), the version of the library actually linked (scripts/gen-header writes the
 * macros from the workspace version in Cargo.toml, which the library is built with); and the ABI
 * version: the header's FIKS_INTEGRASJON_ABI_VERSION equals fiks_abi_version() of the loaded library
 * and the number in its SONAME (this program, linked with -lfiks_integrasjon, loads
 * libfiks_integrasjon.so.<ABI>; scripts/test-c and scripts/check-package check the SONAME).
 */
#include <stdio.h>

#include "check.h"

#if !defined(FIKS_INTEGRASJON_VERSION_MAJOR) || !defined(FIKS_INTEGRASJON_VERSION_MINOR) || \
    !defined(FIKS_INTEGRASJON_VERSION_PATCH) || !defined(FIKS_INTEGRASJON_VERSION)
#error "fiks_integrasjon.h lacks a FIKS_INTEGRASJON_VERSION* macro (run scripts/gen-header)"
#endif
#if !defined(FIKS_INTEGRASJON_ABI_VERSION) || FIKS_INTEGRASJON_ABI_VERSION < 0
#error "fiks_integrasjon.h lacks a non-negative FIKS_INTEGRASJON_ABI_VERSION"
#endif
#if FIKS_INTEGRASJON_VERSION_MAJOR < 0 || FIKS_INTEGRASJON_VERSION_MINOR < 0 || FIKS_INTEGRASJON_VERSION_PATCH < 0
#error "the FIKS_INTEGRASJON_VERSION_* macros are not non-negative integers"
#endif

int main(void) {
    char numbers[64];
    snprintf(numbers, sizeof numbers, "%d.%d.%d", FIKS_INTEGRASJON_VERSION_MAJOR, FIKS_INTEGRASJON_VERSION_MINOR,
             FIKS_INTEGRASJON_VERSION_PATCH);
    /* "MAJOR.MINOR.PATCH", or that followed by a pre-release or build suffix. */
    size_t n = strlen(numbers);
    CHECK(strncmp(FIKS_INTEGRASJON_VERSION, numbers, n) == 0 &&
          (FIKS_INTEGRASJON_VERSION[n] == '\0' || FIKS_INTEGRASJON_VERSION[n] == '-' ||
           FIKS_INTEGRASJON_VERSION[n] == '+'));
    CHECK_STREQ(fiks_version(), FIKS_INTEGRASJON_VERSION);
    CHECK(fiks_abi_version() == FIKS_INTEGRASJON_ABI_VERSION);
    return check_summary();
}
