/* libFuzzer target for the shared byte ring (services/lib/char_ring.c).
 *
 * Input: byte 0 sizes the shared memory (header + 16..271 bytes, an
 * exactly-sized heap object so ASan sees any access past it). Then
 * operations, an opcode byte and its arguments (zeros past the end):
 * write n bytes, read n bytes, or a hostile peer overwriting the head or
 * the tail with four bytes. A model (the bytes written and not yet read)
 * checks that, while nobody scribbled on the counters, the consumer reads
 * exactly what the producer wrote, in order; afterwards only that nothing
 * is touched outside the memory and no side claims more than the
 * capacity. */
#include <stdlib.h>
#include <string.h>

#include "services/lib/char_ring.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct input {
    const uint8_t *data;
    size_t size, at;
};

static uint8_t next(struct input *in)
{
    return in->at < in->size ? in->data[in->at++] : 0;
}

enum { OP_WRITE, OP_READ, OP_SCRIBBLE_HEAD, OP_SCRIBBLE_TAIL, OP_COUNT };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input in = {data, size, 0};
    size_t bytes = CHAR_RING_HEADER_SIZE + CHAR_RING_MIN_CAPACITY + next(&in);
    uint8_t *memory = calloc(1, bytes);
    struct char_ring tx, rx;
    if (!char_ring_attach(&tx, memory, bytes, true) || !char_ring_attach(&rx, memory, bytes, false))
        abort();
    uint8_t model[512], buf[256];
    size_t model_len = 0;
    uint8_t counter = 0;
    bool honest = true;
    while (in.at < in.size) {
        uint8_t op = next(&in) % OP_COUNT, n = next(&in);
        struct char_ring_shared *s = (struct char_ring_shared *)memory;
        uint32_t v = 0;
        switch (op) {
        case OP_WRITE:
            for (unsigned i = 0; i < n; i++)
                buf[i] = counter++;
            size_t w = char_ring_write(&tx, buf, n);
            if (w > n || w > tx.capacity)
                abort();
            if (honest) {
                memcpy(model + model_len, buf, w);
                model_len += w;
                if (model_len > tx.capacity)
                    abort();
            }
            counter = (uint8_t)(counter - (n - w)); /* unwritten bytes come again */
            break;
        case OP_READ: {
            size_t r = char_ring_read(&rx, buf, n);
            if (r > n || r > rx.capacity)
                abort();
            if (honest) {
                if (r > model_len || memcmp(buf, model, r) != 0)
                    abort();
                memmove(model, model + r, model_len - r);
                model_len -= r;
            }
            break;
        }
        default:
            for (int i = 0; i < 4; i++)
                v = v << 8 | next(&in);
            if (op == OP_SCRIBBLE_HEAD)
                s->head = v;
            else
                s->tail = v;
            honest = false;
            break;
        }
        if (char_ring_available(&tx) > tx.capacity || char_ring_available(&rx) > rx.capacity)
            abort();
    }
    free(memory);
    return 0;
}
