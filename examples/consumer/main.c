/* Minimal consumer of an installed dmasim: prints the library version and one error text. */
#include <stdio.h>

#include <dmasim/dmasim.h>
#include <dmasim/error.h>

int main(void)
{
    const char *version = dmasim_version_string();
    const char *err = dmasim_strerror(-1);

    printf("dmasim version: %s\n", version ? version : "(null)");
    printf("dmasim_strerror(-1): %s\n", err ? err : "(null)");
    return (version && *version && err && *err) ? 0 : 1;
}
