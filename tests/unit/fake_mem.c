/* See fake_mem.h. */
#include "tests/unit/fake_mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fake_mem_init(struct fake_mem *fm)
{
    memset(fm, 0, sizeof(*fm));
    fm->one_window = true;
}

void fake_mem_add(struct fake_mem *fm, uint64_t phys, const void *bytes, size_t len)
{
    if (fm->count >= FAKE_MEM_MAX_BLOBS) {
        fprintf(stderr, "fake_mem: more than %d blobs\n", FAKE_MEM_MAX_BLOBS);
        abort();
    }
    struct fake_blob *b = &fm->blobs[fm->count++];
    b->phys = phys;
    b->len = len;
    b->bytes = malloc(len ? len : 1);
    if (b->bytes == NULL)
        abort();
    memcpy(b->bytes, bytes, len);
}

uint8_t *fake_mem_blob(struct fake_mem *fm, uint64_t phys, size_t *len)
{
    for (size_t i = 0; i < fm->count; i++) {
        if (fm->blobs[i].phys == phys) {
            if (len)
                *len = fm->blobs[i].len;
            return fm->blobs[i].bytes;
        }
    }
    return NULL;
}

static void release_copies(struct fake_mem *fm)
{
    for (size_t i = 0; i < fm->copy_count; i++)
        free(fm->copies[i]);
    fm->copy_count = 0;
    free(fm->window);
    fm->window = NULL;
}

void fake_mem_free(struct fake_mem *fm)
{
    release_copies(fm);
    free(fm->copies);
    for (size_t i = 0; i < fm->count; i++)
        free(fm->blobs[i].bytes);
    memset(fm, 0, sizeof(*fm));
}

const void *fake_mem_map(void *ctx, uint64_t phys, size_t len)
{
    struct fake_mem *fm = ctx;
    fm->map_calls++;

    const struct fake_blob *hit = NULL;
    for (size_t i = 0; i < fm->count; i++) {
        const struct fake_blob *b = &fm->blobs[i];
        if (phys >= b->phys && phys - b->phys <= b->len && len <= b->len - (phys - b->phys)) {
            hit = b;
            break;
        }
    }
    if (hit == NULL) {
        fm->map_failures++;
        return NULL;
    }

    bool seen = false;
    for (unsigned i = 0; i < fm->mapped_count; i++)
        seen = seen || fm->mapped_phys[i] == phys;
    if (!seen && fm->mapped_count < sizeof(fm->mapped_phys) / sizeof(fm->mapped_phys[0]))
        fm->mapped_phys[fm->mapped_count++] = phys;

    void *copy = malloc(len ? len : 1);
    if (copy == NULL)
        abort();
    memcpy(copy, hit->bytes + (phys - hit->phys), len);
    if (fm->one_window) {
        free(fm->window);
        fm->window = copy;
    } else {
        if (fm->copy_count == fm->copy_cap) {
            fm->copy_cap = fm->copy_cap ? fm->copy_cap * 2 : 16;
            fm->copies = realloc(fm->copies, fm->copy_cap * sizeof(*fm->copies));
            if (fm->copies == NULL)
                abort();
        }
        fm->copies[fm->copy_count++] = copy;
    }
    return copy;
}
