/* Error codes and their strings, generated from the one table in dmasim/error.h. */
#include "internal.h"

const char *dmasim_strerror(int err)
{
    if (err >= 0)
        return "success";
    switch (err) {
#define DMASIM__ERR_STR(name, value, text) \
    case (value):                          \
        return text;
        DMASIM_ERRNO_MAP(DMASIM__ERR_STR)
#undef DMASIM__ERR_STR
    default:
        return "unknown error";
    }
}

const char *dmasim_err_name(int err)
{
    if (err >= 0)
        return "DMASIM_OK";
    switch (err) {
#define DMASIM__ERR_NAME(name, value, text) \
    case (value):                           \
        return "DMASIM_" #name;
        DMASIM_ERRNO_MAP(DMASIM__ERR_NAME)
#undef DMASIM__ERR_NAME
    default:
        return "DMASIM_EUNKNOWN";
    }
}

const char *dmasim_version_string(void)
{
    return "0.1.0";
}
