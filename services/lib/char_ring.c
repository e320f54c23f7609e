/* Byte rings between two domains; see char_ring.h. */
#include "char_ring.h"

bool char_ring_attach(struct char_ring *ring, void *memory, size_t size, bool producer)
{
    ring->shared = memory;
    ring->capacity = 0;
    ring->mine = 0;
    ring->producer = producer;
    ring->corrupt = false;
    if (!memory || size < CHAR_RING_HEADER_SIZE + CHAR_RING_MIN_CAPACITY)
        return false;
    size_t room = size - CHAR_RING_HEADER_SIZE;
    uint32_t capacity = CHAR_RING_MIN_CAPACITY;
    while (capacity < CHAR_RING_MAX_CAPACITY && (size_t)capacity * 2 <= room)
        capacity *= 2;
    ring->capacity = capacity;
    /* Our own counter as it is now (0 in fresh memory); from here on we
     * never read it back. */
    ring->mine =
        __atomic_load_n(producer ? &ring->shared->head : &ring->shared->tail, __ATOMIC_RELAXED);
    return true;
}

/* Bytes between head and tail, checked: more than the capacity means the
 * peer wrote nonsense (the counters are free-running, so the unsigned
 * difference is right across wrap-around). */
static uint32_t used(struct char_ring *ring)
{
    if (ring->corrupt || !ring->capacity)
        return 0;
    uint32_t head, tail;
    if (ring->producer) {
        head = ring->mine;
        tail = __atomic_load_n(&ring->shared->tail, __ATOMIC_ACQUIRE);
    } else {
        head = __atomic_load_n(&ring->shared->head, __ATOMIC_ACQUIRE);
        tail = ring->mine;
    }
    uint32_t n = head - tail;
    if (n > ring->capacity) {
        ring->corrupt = true;
        return 0;
    }
    return n;
}

size_t char_ring_available(struct char_ring *ring)
{
    uint32_t n = used(ring);
    if (ring->corrupt || !ring->capacity)
        return 0;
    return ring->producer ? ring->capacity - n : n;
}

size_t char_ring_write(struct char_ring *ring, const void *bytes, size_t len)
{
    if (!ring->producer)
        return 0;
    size_t room = char_ring_available(ring);
    size_t n = len < room ? len : room;
    const uint8_t *src = bytes;
    uint32_t mask = ring->capacity - 1;
    for (size_t i = 0; i < n; i++)
        ring->shared->data[(ring->mine + (uint32_t)i) & mask] = src[i];
    ring->mine += (uint32_t)n;
    /* Release: the bytes are visible before the new head. */
    if (n)
        __atomic_store_n(&ring->shared->head, ring->mine, __ATOMIC_RELEASE);
    return n;
}

size_t char_ring_read(struct char_ring *ring, void *bytes, size_t len)
{
    if (ring->producer)
        return 0;
    size_t ready = char_ring_available(ring);
    size_t n = len < ready ? len : ready;
    uint8_t *dst = bytes;
    uint32_t mask = ring->capacity - 1;
    for (size_t i = 0; i < n; i++)
        dst[i] = ring->shared->data[(ring->mine + (uint32_t)i) & mask];
    ring->mine += (uint32_t)n;
    /* Release: the bytes are copied out before the space is handed back. */
    if (n)
        __atomic_store_n(&ring->shared->tail, ring->mine, __ATOMIC_RELEASE);
    return n;
}
