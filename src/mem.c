/* Sparse physical memory: 4 KiB pages allocated on first write, found through an
 * open-addressing hash table keyed by page number, with a one-entry cache for streaming. */
#include "internal.h"

static inline size_t hash_page(uint64_t key, size_t mask)
{
    key *= 0x9E3779B97F4A7C15ull;
    return (size_t)(key >> 20) & mask;
}

static int mem_rehash(dmasim_sim *sim, dmasim__mem *m)
{
    size_t ncap = m->cap ? m->cap * 2 : 1024;
    uint64_t *keys = dmasim__alloc(sim, ncap * sizeof *keys);
    uint8_t **pages = dmasim__alloc(sim, ncap * sizeof *pages);
    if (!keys || !pages) {
        dmasim__free(sim, keys, ncap * sizeof *keys);
        dmasim__free(sim, pages, ncap * sizeof *pages);
        return DMASIM_ENOMEM;
    }
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->keys[i])
            continue;
        size_t j = hash_page(m->keys[i], ncap - 1);
        while (keys[j])
            j = (j + 1) & (ncap - 1);
        keys[j] = m->keys[i];
        pages[j] = m->pages[i];
    }
    dmasim__free(sim, m->keys, m->cap * sizeof *m->keys);
    dmasim__free(sim, m->pages, m->cap * sizeof *m->pages);
    m->keys = keys;
    m->pages = pages;
    m->cap = ncap;
    return 0;
}

static void mem_remember(dmasim__mem *m, uint64_t key, uint8_t *page)
{
    m->last_key[1] = m->last_key[0];
    m->last_page[1] = m->last_page[0];
    m->last_key[0] = key;
    m->last_page[0] = page;
}

uint8_t *dmasim__mem_page(dmasim_sim *sim, dmasim__mem *m, dmasim_addr addr, int create)
{
    uint64_t key = (addr >> DMASIM__PAGE_SHIFT) + 1;
    if (key == m->last_key[0])
        return m->last_page[0];
    if (key == m->last_key[1]) {
        uint8_t *hit = m->last_page[1];
        mem_remember(m, key, hit); /* swaps the two entries */
        return hit;
    }
    if (m->cap) {
        size_t j = hash_page(key, m->cap - 1);
        while (m->keys[j]) {
            if (m->keys[j] == key) {
                mem_remember(m, key, m->pages[j]);
                return m->pages[j];
            }
            j = (j + 1) & (m->cap - 1);
        }
    }
    if (!create)
        return NULL;
    if ((m->count + 1) * 2 > m->cap && mem_rehash(sim, m))
        return NULL;
    uint8_t *page = dmasim__alloc(sim, DMASIM__PAGE_SIZE);
    if (!page)
        return NULL;
    size_t j = hash_page(key, m->cap - 1);
    while (m->keys[j])
        j = (j + 1) & (m->cap - 1);
    m->keys[j] = key;
    m->pages[j] = page;
    m->count++;
    mem_remember(m, key, page);
    return page;
}

void dmasim__mem_free(dmasim_sim *sim, dmasim__mem *m)
{
    for (size_t i = 0; i < m->cap; i++)
        if (m->keys[i])
            dmasim__free(sim, m->pages[i], DMASIM__PAGE_SIZE);
    dmasim__free(sim, m->keys, m->cap * sizeof *m->keys);
    dmasim__free(sim, m->pages, m->cap * sizeof *m->pages);
    memset(m, 0, sizeof *m);
}

int dmasim_mem_read(dmasim_sim *sim, dmasim_addr addr, void *buf, size_t len)
{
    dmasim__mem *m = dmasim__sim_mem(sim);
    uint8_t *out = buf;
    while (len) {
        size_t off = (size_t)(addr & (DMASIM__PAGE_SIZE - 1));
        size_t n = DMASIM__PAGE_SIZE - off;
        if (n > len)
            n = len;
        const uint8_t *page = dmasim__mem_page(sim, m, addr, 0);
        if (page)
            memcpy(out, page + off, n);
        else
            memset(out, 0, n);
        out += n;
        addr += n;
        len -= n;
    }
    return 0;
}

int dmasim_mem_write(dmasim_sim *sim, dmasim_addr addr, const void *buf, size_t len)
{
    dmasim__mem *m = dmasim__sim_mem(sim);
    const uint8_t *in = buf;
    while (len) {
        size_t off = (size_t)(addr & (DMASIM__PAGE_SIZE - 1));
        size_t n = DMASIM__PAGE_SIZE - off;
        if (n > len)
            n = len;
        uint8_t *page = dmasim__mem_page(sim, m, addr, 1);
        if (!page)
            return dmasim__error(sim, DMASIM_ENOMEM, "out of memory for simulated page at 0x%llx",
                                 (unsigned long long)addr);
        memcpy(page + off, in, n);
        in += n;
        addr += n;
        len -= n;
    }
    return 0;
}

int dmasim_mem_fill(dmasim_sim *sim, dmasim_addr addr, uint8_t byte, size_t len)
{
    dmasim__mem *m = dmasim__sim_mem(sim);
    while (len) {
        size_t off = (size_t)(addr & (DMASIM__PAGE_SIZE - 1));
        size_t n = DMASIM__PAGE_SIZE - off;
        if (n > len)
            n = len;
        uint8_t *page = dmasim__mem_page(sim, m, addr, byte != 0);
        if (page)
            memset(page + off, byte, n);
        else if (byte != 0)
            return dmasim__error(sim, DMASIM_ENOMEM, "out of memory for simulated page at 0x%llx",
                                 (unsigned long long)addr);
        addr += n;
        len -= n;
    }
    return 0;
}

size_t dmasim_mem_resident_bytes(const dmasim_sim *sim)
{
    return dmasim__sim_mem((dmasim_sim *)sim)->count * DMASIM__PAGE_SIZE;
}
