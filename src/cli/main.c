/* dmasim: the scenario runner. `dmasim run` and `dmasim compare`; docs/scenario.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dram_cmd.h"
#include "dmasim/dmasim.h"

void cli_usage(FILE *out)
{
    fprintf(out,
            "usage: dmasim run SCENARIO.yaml [--set path=value]... [--stats-json FILE] [--resolved FILE]\n"
            "                  [--vcd FILE[.gz]] [--timeline FILE.json] [--reference]\n"
            "       dmasim compare SCENARIO.yaml [--set path=value]... [--csv FILE]\n"
            "       dmasim dram (--config FILE | --preset NAME) (--trace FILE | --pattern ...) (see dmasim dram --help)\n"
            "       dmasim --help | --version\n"
            "\n"
            "  run       build the system the scenario describes, run it, print a summary\n"
            "  compare   run it without DMA and in each DMA mode (burst, cycle_stealing,\n"
            "            transparent) and print one table\n"
            "\n"
            "  --set path=value   override a scenario value (bus.width=4, dmac.mode=transparent,\n"
            "                     memory.0.wait_states=3, dmac.jobs.0.count=0x400)\n"
            "  --stats-json FILE  write every statistic as JSON\n"
            "  --resolved FILE    write the scenario with every default and --set applied\n"
            "  --vcd FILE         write a VCD of every signal and the bus transactions (GTKWave;\n"
            "                     gzip if FILE ends in .gz)\n"
            "  --timeline FILE    write the transactions and DMA channel operations as\n"
            "                     trace-event JSON (ui.perfetto.dev, chrome://tracing)\n"
            "  --reference        use the per-cycle reference path (same as --set reference=true)\n"
            "  --csv FILE         write compare's table as CSV\n"
            "\n"
            "Exit status: 0 success, 1 bad scenario or failed run, 2 usage error.\n"
            "The scenario format is described in docs/scenario.md.\n");
}

static int add_set(cli_opts *o, const char *set)
{
    const char **grown = realloc(o->sets, (o->nsets + 1) * sizeof(*grown));

    if (!grown) {
        fprintf(stderr, "dmasim: out of memory\n");
        return CLI_FAIL;
    }
    o->sets = grown;
    o->sets[o->nsets++] = set;
    return CLI_OK;
}

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "dmasim: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n");
    cli_usage(stderr);
    return CLI_USAGE;
}

/* An option that takes a value: "--opt VALUE" or "--opt=VALUE". NULL if argv[*i] is not it. */
static const char *option_value(int argc, char **argv, int *i, const char *name, int *missing)
{
    size_t n = strlen(name);

    if (strncmp(argv[*i], name, n) != 0)
        return NULL;
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (argv[*i][n] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        *missing = 1;
        return NULL;
    }
    return argv[++*i];
}

static int parse_one(int argc, char **argv, int *i, int compare, cli_opts *o)
{
    const char *v = NULL;
    int missing = 0;

    if ((v = option_value(argc, argv, i, "--set", &missing)))
        return add_set(o, v);
    if (!compare && (v = option_value(argc, argv, i, "--stats-json", &missing)))
        o->stats_json = v;
    else if (!compare && (v = option_value(argc, argv, i, "--resolved", &missing)))
        o->resolved = v;
    else if (!compare && (v = option_value(argc, argv, i, "--vcd", &missing)))
        o->vcd = v;
    else if (!compare && (v = option_value(argc, argv, i, "--timeline", &missing)))
        o->timeline = v;
    else if (compare && (v = option_value(argc, argv, i, "--csv", &missing)))
        o->csv = v;
    if (v)
        return CLI_OK;
    if (missing)
        return usage_error("option %s needs a value", argv[*i]);
    if (!compare && strcmp(argv[*i], "--reference") == 0)
        return add_set(o, "reference=true");
    if (argv[*i][0] == '-' && argv[*i][1] != '\0')
        return usage_error("unknown option '%s'", argv[*i]);
    if (o->scenario)
        return usage_error("more than one scenario given ('%s')", argv[*i]);
    o->scenario = argv[*i];
    return CLI_OK;
}

int cli_parse(int argc, char **argv, const char *command, cli_opts *o)
{
    int i, compare = strcmp(command, "compare") == 0;

    memset(o, 0, sizeof(*o));
    o->command = command;
    for (i = 0; i < argc; i++) {
        int rc = parse_one(argc, argv, &i, compare, o);

        if (rc != CLI_OK)
            return rc;
    }
    if (!o->scenario)
        return usage_error("%s: no scenario file given", command);
    return CLI_OK;
}

void cli_opts_free(cli_opts *o)
{
    free(o->sets);
    o->sets = NULL;
    o->nsets = 0;
}

int main(int argc, char **argv)
{
    cli_opts o;
    int rc;

    if (argc < 2)
        return usage_error("%s", "no command given");
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        cli_usage(stdout);
        return CLI_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("dmasim %s\n", dmasim_version_string());
        return CLI_OK;
    }
    if (strcmp(argv[1], "dram") == 0)
        return cli_dram(argc - 2, argv + 2);
    if (strcmp(argv[1], "run") != 0 && strcmp(argv[1], "compare") != 0)
        return usage_error("unknown command '%s'", argv[1]);
    rc = cli_parse(argc - 2, argv + 2, argv[1], &o);
    if (rc == CLI_OK)
        rc = strcmp(argv[1], "run") == 0 ? cli_run(&o) : cli_compare(&o);
    cli_opts_free(&o);
    return rc;
}
