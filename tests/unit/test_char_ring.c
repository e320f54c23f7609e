/* Host tests of the shared byte ring (services/lib/char_ring.c): a
 * producer view and a consumer view of one buffer, as two domains have. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "services/lib/char_ring.h"

#define RING_BYTES (CHAR_RING_HEADER_SIZE + 64)

static uint8_t *memory;
static struct char_ring tx, rx;

static void setup(size_t size)
{
    free(memory);
    memory = calloc(1, size); /* exactly sized: ASan sees any overrun */
    CHECK_TRUE("producer attaches", char_ring_attach(&tx, memory, size, true));
    CHECK_TRUE("consumer attaches", char_ring_attach(&rx, memory, size, false));
}

static void capacity_is_largest_power_of_two(void)
{
    setup(CHAR_RING_HEADER_SIZE + 100);
    CHECK_U("capacity", 64, tx.capacity);
    CHECK_U("free at start", 64, char_ring_available(&tx));
    CHECK_U("nothing to read at start", 0, char_ring_available(&rx));
}

static void too_small_is_refused(void)
{
    uint8_t small[CHAR_RING_HEADER_SIZE + CHAR_RING_MIN_CAPACITY - 1];
    struct char_ring r;
    CHECK_TRUE("refused", !char_ring_attach(&r, small, sizeof small, true));
    CHECK_U("refused ring moves nothing", 0, char_ring_write(&r, "x", 1));
    CHECK_TRUE("NULL refused", !char_ring_attach(&r, NULL, 4096, false));
}

static void bytes_arrive_in_order(void)
{
    setup(RING_BYTES);
    CHECK_U("written", 5, char_ring_write(&tx, "hello", 5));
    CHECK_U("readable", 5, char_ring_available(&rx));
    char out[8] = {0};
    CHECK_U("read", 5, char_ring_read(&rx, out, sizeof out));
    CHECK_STR("bytes", "hello", out);
    CHECK_U("empty again", 0, char_ring_read(&rx, out, sizeof out));
}

static void full_ring_takes_no_more(void)
{
    setup(RING_BYTES);
    uint8_t block[100];
    memset(block, 'a', sizeof block);
    CHECK_U("fills to capacity", 64, char_ring_write(&tx, block, sizeof block));
    CHECK_U("full", 0, char_ring_write(&tx, "b", 1));
    uint8_t out[10];
    CHECK_U("read some", 10, char_ring_read(&rx, out, sizeof out));
    CHECK_U("room again", 10, char_ring_write(&tx, block, sizeof block));
}

static void wraps_around_many_times(void)
{
    setup(RING_BYTES);
    uint8_t in[37], out[37];
    uint32_t next = 0, expect = 0;
    for (int round = 0; round < 1000; round++) {
        for (size_t i = 0; i < sizeof in; i++)
            in[i] = (uint8_t)(next + i);
        size_t w = char_ring_write(&tx, in, sizeof in);
        next += (uint32_t)w;
        size_t r = char_ring_read(&rx, out, sizeof out);
        for (size_t i = 0; i < r; i++)
            if (out[i] != (uint8_t)(expect + i)) {
                CHECK_FAIL("byte %u of round %d: expected 0x%x, got 0x%x", (unsigned)i, round,
                           (uint8_t)(expect + i), out[i]);
                return;
            }
        expect += (uint32_t)r;
    }
    CHECK_TRUE("moved more than the capacity many times", expect > 30000);
}

static void counters_wrap_at_32_bits(void)
{
    setup(RING_BYTES);
    struct char_ring_shared *s = (struct char_ring_shared *)memory;
    s->head = s->tail = UINT32_MAX - 3;
    CHECK_TRUE("producer reattaches", char_ring_attach(&tx, memory, RING_BYTES, true));
    CHECK_TRUE("consumer reattaches", char_ring_attach(&rx, memory, RING_BYTES, false));
    CHECK_U("written across 2^32", 10, char_ring_write(&tx, "0123456789", 10));
    char out[11] = {0};
    CHECK_U("read across 2^32", 10, char_ring_read(&rx, out, 10));
    CHECK_STR("bytes", "0123456789", out);
    CHECK_TRUE("not corrupt", !rx.corrupt && !tx.corrupt);
}

/* A hostile peer writes the counters it owns: the other side must notice
 * and stop, not read or write outside the ring. */
static void peer_head_beyond_capacity_is_corrupt(void)
{
    setup(RING_BYTES);
    ((struct char_ring_shared *)memory)->head = 1000;
    char out[8];
    CHECK_U("reads nothing", 0, char_ring_read(&rx, out, sizeof out));
    CHECK_TRUE("corrupt", rx.corrupt);
    ((struct char_ring_shared *)memory)->head = 0;
    CHECK_U("stays stopped", 0, char_ring_read(&rx, out, sizeof out));
}

static void peer_tail_ahead_of_head_is_corrupt(void)
{
    setup(RING_BYTES);
    ((struct char_ring_shared *)memory)->tail = 5; /* read what was never written */
    CHECK_U("writes nothing", 0, char_ring_write(&tx, "x", 1));
    CHECK_TRUE("corrupt", tx.corrupt);
    CHECK_U("no room reported", 0, char_ring_available(&tx));
}

static void producer_ignores_its_shared_head(void)
{
    setup(RING_BYTES);
    CHECK_U("written", 3, char_ring_write(&tx, "abc", 3));
    ((struct char_ring_shared *)memory)->head = 60; /* the consumer scribbles on it */
    CHECK_U("written again from its own count", 3, char_ring_write(&tx, "def", 3));
    char out[8] = {0};
    CHECK_U("consumer sees six", 6, char_ring_read(&rx, out, sizeof out));
    CHECK_STR("bytes", "abcdef", out);
}

static void wrong_side_moves_nothing(void)
{
    setup(RING_BYTES);
    char out[4];
    CHECK_U("producer cannot read", 0, char_ring_read(&tx, out, sizeof out));
    CHECK_U("consumer cannot write", 0, char_ring_write(&rx, "x", 1));
}

int main(void)
{
    check_suite("char_ring");
    RUN_TEST(capacity_is_largest_power_of_two);
    RUN_TEST(too_small_is_refused);
    RUN_TEST(bytes_arrive_in_order);
    RUN_TEST(full_ring_takes_no_more);
    RUN_TEST(wraps_around_many_times);
    RUN_TEST(counters_wrap_at_32_bits);
    RUN_TEST(peer_head_beyond_capacity_is_corrupt);
    RUN_TEST(peer_tail_ahead_of_head_is_corrupt);
    RUN_TEST(producer_ignores_its_shared_head);
    RUN_TEST(wrong_side_moves_nothing);
    free(memory);
    return check_exit_code();
}
