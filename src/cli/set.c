/* --set path=value: overrides applied to a loaded scenario, through the schema (path.c). */
#include <stdio.h>
#include <string.h>

#include "load.h"
#include "path.h"

static int apply_one(scn_file *f, const char *arg)
{
    const char *eq = strchr(arg, '=');
    char path[256], err[1024];
    scn_leaf leaf;

    if (!eq || eq == arg || (size_t)(eq - arg) >= sizeof(path)) {
        fprintf(stderr, "dmasim: --set %s: expected path=value (e.g. bus.width=4)\n", arg);
        return -1;
    }
    memcpy(path, arg, (size_t)(eq - arg));
    path[eq - arg] = '\0';
    if (scn_path_leaf(f->scn, path, &leaf, err, sizeof(err))) {
        fprintf(stderr, "dmasim: --set: %s\n", err);
        return -1;
    }
    if (scn_leaf_parse(&leaf, eq + 1, err, sizeof(err))) {
        fprintf(stderr, "dmasim: --set %s: %s\n", path, err);
        return -1;
    }
    return 0;
}

int scn_file_apply_sets(scn_file *f, const char *const *sets, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (apply_one(f, sets[i]))
            return -1;
    }
    f->sets = sets;
    f->set_count = n;
    return 0;
}
