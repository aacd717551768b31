/* Defaults and required keys (libcyaml 1.3 has neither for scalars).
 *
 * The walk goes through the schema, the loaded data and the file's YAML document side by
 * side, so it knows which keys the file wrote: a key left out gets its default from the table
 * below (parsed like a --set value), a required key left out is an error at the mapping that
 * lacks it. It also checks every scalar the file wrote with the --set parser: libcyaml 1.3
 * takes "1.5" as 1, "0x1_0000" as 1 and any unknown word as true.
 * docs/scenario.md lists the same defaults; the library's *_config_init() defaults are the
 * source of most of them.
 */
#include <stdio.h>
#include <string.h>

#include "load.h"
#include "path.h"

#define REQUIRED NULL

typedef struct scn_default {
    const char *pattern; /* dotted path, '*' for any sequence index */
    const char *value;   /* REQUIRED: the file must give it (unless `exceptions` says otherwise) */
} scn_default;

/* A REQUIRED key that is not required when unless(the mapping holding it) is true, and then
 * takes `value`. */
typedef struct scn_exception {
    const char *pattern;
    int (*unless)(const void *mapping);
    const char *value;
} scn_exception;

/* A scatter-gather job takes src, dst and count from its descriptors. */
static int job_has_descriptors(const void *mapping)
{
    return ((const scn_job *)mapping)->descriptors_count > 0;
}

static const scn_exception exceptions[] = {
    {"dmac.jobs.*.src", job_has_descriptors, "0"},
    {"dmac.jobs.*.dst", job_has_descriptors, "0"},
    {"dmac.jobs.*.count", job_has_descriptors, "0"},
};

static const scn_default defaults[] = {
    {"name", REQUIRED},
    {"seed", "1"},
    {"reference", "false"},
    {"bus.name", "bus0"},
    {"bus.period_ps", "10000"},
    {"bus.width", "8"},
    {"bus.arbitration", "fixed"},
    {"bus.arbitration_cycles", "1"},
    {"bus.address_cycles", "1"},
    {"memory", REQUIRED},
    {"memory.*.name", REQUIRED},
    {"memory.*.base", "0"},
    {"memory.*.size", REQUIRED},
    {"memory.*.wait_states", "0"},
    {"memory.*.kind", "sram"},
    {"cpu.name", "cpu0"},
    {"cpu.clock_ratio", "4"},
    {"cpu.bus_priority", "1"},
    {"cpu.snoop_cycles", "2"},
    {"cpu.maintenance_cycles", "2"},
    {"cpu.max_stale_reports", "16"},
    {"cpu.iommu_op_cycles", "100"},
    {"cpu.irq_latency_cycles", "0"},
    {"cpu.irq_handler_cycles", "0"},
    {"cpu.poll_interval_cycles", "20"},
    {"cpu.pio_cycles_per_word", "2"},
    {"cpu.uncached.*.base", REQUIRED},
    {"cpu.uncached.*.size", REQUIRED},
    {"cpu.dcache.enabled", "true"},
    {"cpu.dcache.size", "32768"},
    {"cpu.dcache.ways", "8"},
    {"cpu.dcache.line", "64"},
    {"cpu.dcache.hit_cycles", "0"},
    {"cpu.workload.trace.path", REQUIRED},
    {"cpu.workload.trace.cpi", "1"},
    {"cpu.workload.trace.base", "0"},
    {"cpu.workload.trace.mask", "0xffffffff"},
    {"cpu.workload.trace.max_lines", "0"},
    {"cpu.workload.script.*.op", REQUIRED},
    {"cpu.workload.script.*.cycles", "0"},
    {"cpu.workload.script.*.addr", "0"},
    {"cpu.workload.script.*.size", "8"},
    {"cpu.workload.script.*.value", "0"},
    {"cpu.workload.script.*.channel", "0"},
    {"cpu.workload.script.*.src", "0"},
    {"cpu.workload.script.*.dst", "0"},
    {"cpu.workload.script.*.count", "0"},
    {"cpu.workload.script.*.item_size", "4"},
    {"cpu.workload.script.*.mode", "default"},
    {"cpu.workload.script.*.coherence", "default"},
    {"cpu.workload.script.*.dir", "from_device"},
    {"cpu.workload.script.*.domain", "0"},
    {"cpu.workload.script.*.iova", "0"},
    {"cpu.workload.script.*.phys", "0"},
    {"cpu.workload.script.*.perms", "rw"},
    {"cpu.workload.script.*.page_size", "4k"},
    {"cpu.workload.synthetic.accesses", "100000"},
    {"cpu.workload.synthetic.base", "0"},
    {"cpu.workload.synthetic.working_set", "1048576"},
    {"cpu.workload.synthetic.read_percent", "70"},
    {"cpu.workload.synthetic.compute_cycles", "4"},
    {"cpu.workload.synthetic.size", "8"},
    {"dmac.name", "dmac0"},
    {"dmac.channels", "4"},
    {"dmac.bus_priority", "0"},
    {"dmac.reg_base", "0xF0000000"},
    {"dmac.reg_wait_states", "1"},
    {"dmac.max_burst", "0"},
    {"dmac.rotating_priority", "false"},
    {"dmac.max_descriptors", "65536"},
    {"dmac.mode", "burst"},
    {"dmac.coherence", "none"},
    {"dmac.iommu", "true"},
    {"dmac.iommu_device", "0"},
    {"dmac.jobs.*.channel", "0"},
    {"dmac.jobs.*.src", REQUIRED},
    {"dmac.jobs.*.dst", REQUIRED},
    {"dmac.jobs.*.count", REQUIRED},
    {"dmac.jobs.*.item_size", "4"},
    {"dmac.jobs.*.mode", "default"},
    {"dmac.jobs.*.coherence", "default"},
    {"dmac.jobs.*.start_ps", "0"},
    {"dmac.jobs.*.init_source", "pattern"},
    {"dmac.jobs.*.verify", "true"},
    {"dmac.jobs.*.src_step", "increment"},
    {"dmac.jobs.*.dst_step", "increment"},
    {"dmac.jobs.*.autoinit", "false"},
    {"dmac.jobs.*.check_only", "false"},
    {"dmac.jobs.*.sg_base", "0"},
    {"dmac.jobs.*.descriptors.*.src", REQUIRED},
    {"dmac.jobs.*.descriptors.*.dst", REQUIRED},
    {"dmac.jobs.*.descriptors.*.count", REQUIRED},
    {"dmac.jobs.*.descriptors.*.irq", "false"},
    {"iommu.name", "iommu0"},
    {"iommu.levels", "4"},
    {"iommu.iotlb_entries", "64"},
    {"iommu.iotlb_ways", "4"},
    {"iommu.mem_base", "0"},
    {"iommu.mem_size", "0x40000000"},
    {"iommu.table_base", "0x3FF00000"},
    {"iommu.table_size", "0x100000"},
    {"iommu.max_records", "16"},
    {"iommu.passthrough", "false"},
    {"iommu.attach.*.device", REQUIRED},
    {"iommu.attach.*.domain", REQUIRED},
    {"iommu.mappings.*.domain", REQUIRED},
    {"iommu.mappings.*.iova", REQUIRED},
    {"iommu.mappings.*.phys", REQUIRED},
    {"iommu.mappings.*.size", REQUIRED},
    {"iommu.mappings.*.perms", "rw"},
    {"iommu.mappings.*.page_size", "4k"},
    {"i8237.name", "i8237"},
    {"i8237.bus_priority", "0"},
    {"i8237.io_base", "0xE0000000"},
    {"i8237.page_base", "0xE0000080"},
    {"i8237.io_wait_states", "1"},
    {"i8237.page_bits", "8"},
    {"i8237.page_policy", "error"},
    {"devices.*.kind", REQUIRED},
    {"devices.*.name", REQUIRED},
    {"devices.*.dmac_channel", "-1"},
    {"devices.*.i8237_channel", "-1"},
    {"devices.*.command.op", "read"},
    {"devices.*.command.lba", "0"},
    {"devices.*.command.count", REQUIRED},
    {"devices.*.command.at_ps", "0"},
    {"devices.*.command.addr", REQUIRED},
    {"devices.*.command.mode", "demand"},
    {"devices.*.command.verify", "true"},
    {"devices.*.start.at_ps", "0"},
    {"devices.*.start.frames", REQUIRED},
    {"devices.*.start.addr", REQUIRED},
    {"devices.*.start.mode", "demand"},
    {"devices.*.job.to_memory", "true"},
    {"devices.*.job.addr", REQUIRED},
    {"devices.*.job.length", REQUIRED},
    {"devices.*.job.pattern", "0"},
    {"devices.*.job.at_ps", "0"},
    {"devices.*.ring.descriptors", REQUIRED},
    {"devices.*.ring.entries", REQUIRED},
    {"devices.*.ring.buffers", REQUIRED},
    {"devices.*.ring.buffer_size", "2048"},
    {"devices.*.ring.owned", "-1"},
    {"devices.*.ring.recycle_ps", "0"},
};

typedef struct fill_ctx {
    scn_file *file;
    char path[256];    /* real path, e.g. memory.1.size */
    char pattern[256]; /* table path, e.g. memory.*.size */
} fill_ctx;

static const scn_default *find_default(const char *pattern, int *found)
{
    size_t i;

    for (i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
        if (strcmp(defaults[i].pattern, pattern) == 0) {
            *found = 1;
            return &defaults[i];
        }
    }
    *found = 0;
    return NULL;
}

/* Append ".comp" to both paths; returns the old lengths packed for pop(). */
static void push(fill_ctx *c, const char *real, const char *pat, size_t *save)
{
    save[0] = strlen(c->path);
    save[1] = strlen(c->pattern);
    snprintf(c->path + save[0], sizeof(c->path) - save[0], "%s%s", save[0] ? "." : "", real);
    snprintf(c->pattern + save[1], sizeof(c->pattern) - save[1], "%s%s", save[1] ? "." : "", pat);
}

static void pop(fill_ctx *c, const size_t *save)
{
    c->path[save[0]] = '\0';
    c->pattern[save[1]] = '\0';
}

static int missing_required(fill_ctx *c, size_t parent_len, const char *key)
{
    char parent[256];

    snprintf(parent, sizeof(parent), "%.*s", (int)parent_len, c->path);
    return scn_error_at(c->file, parent, "missing required key '%s'", key);
}

static int fill_scalar(fill_ctx *c, const cyaml_schema_field_t *field, const void *mapping, void *addr,
                       yaml_node_t *node, size_t parent_len)
{
    scn_leaf leaf = {&field->value, addr};
    const scn_default *def;
    const char *value;
    char err[512];
    int found;

    if (node) {
        const char *text = node->type == YAML_SCALAR_NODE ? (const char *)node->data.scalar.value : "";

        if (scn_scalar_check(&field->value, text, err, sizeof(err)))
            return scn_error_at(c->file, c->path, "%s", err);
        return 0;
    }
    def = find_default(c->pattern, &found);
    if (!found)
        return 0;
    value = def->value;
    for (size_t i = 0; value == REQUIRED && i < sizeof(exceptions) / sizeof(exceptions[0]); i++) {
        if (strcmp(exceptions[i].pattern, c->pattern) == 0 && exceptions[i].unless(mapping))
            value = exceptions[i].value;
    }
    if (value == REQUIRED)
        return missing_required(c, parent_len, field->key);
    if (scn_leaf_parse(&leaf, value, err, sizeof(err)))
        return scn_error_at(c->file, c->path, "internal error: default: %s", err);
    return 0;
}

static int fill_mapping(fill_ctx *c, const cyaml_schema_value_t *schema, void *data, yaml_node_t *node);

static int fill_sequence(fill_ctx *c, const cyaml_schema_field_t *field, void *mapping, void *addr,
                         yaml_node_t *node)
{
    const cyaml_schema_value_t *entry = field->value.sequence.entry;
    uint64_t i, n = scn_load_uint((char *)mapping + field->count_offset, field->count_size);
    char *array = *(char **)addr;

    for (i = 0; i < n; i++) {
        char index[24];
        size_t save[2];
        int rc;

        snprintf(index, sizeof(index), "%llu", (unsigned long long)i);
        push(c, index, "*", save);
        rc = fill_mapping(c, entry, array + i * entry->data_size, scn_doc_item(&c->file->doc, node, i));
        pop(c, save);
        if (rc)
            return rc;
    }
    return 0;
}

static int fill_field(fill_ctx *c, const cyaml_schema_field_t *field, void *mapping, yaml_node_t *node,
                      size_t parent_len)
{
    void *addr = (char *)mapping + field->data_offset;
    int found;
    const scn_default *def;

    switch (field->value.type) {
    case CYAML_MAPPING:
        if (field->value.flags & CYAML_FLAG_POINTER)
            addr = *(void **)addr;
        return addr ? fill_mapping(c, &field->value, addr, node) : 0;
    case CYAML_SEQUENCE:
        def = find_default(c->pattern, &found);
        if (!node && found && def->value == REQUIRED)
            return missing_required(c, parent_len, field->key);
        return fill_sequence(c, field, mapping, addr, node);
    default:
        return fill_scalar(c, field, mapping, addr, node, parent_len);
    }
}

static int fill_mapping(fill_ctx *c, const cyaml_schema_value_t *schema, void *data, yaml_node_t *node)
{
    const cyaml_schema_field_t *field;
    size_t parent_len = strlen(c->path);

    for (field = schema->mapping.fields; field->key; field++) {
        yaml_node_t *child = scn_doc_lookup(&c->file->doc, node, field->key, NULL);
        size_t save[2];
        int rc;

        push(c, field->key, field->key, save);
        rc = fill_field(c, field, data, child, parent_len);
        pop(c, save);
        if (rc)
            return rc;
    }
    return 0;
}

int scn_fill_defaults(scn_file *f)
{
    fill_ctx c;

    memset(&c, 0, sizeof(c));
    c.file = f;
    return fill_mapping(&c, &scn_schema, f->scn, scn_doc_root(&f->doc));
}
