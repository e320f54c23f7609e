/* A single-producer single-consumer ring of bytes in memory shared by two
 * protection domains (the serial console's transport, docs/components.md).
 *
 * The shared part holds only the two free-running 32-bit counters and the
 * bytes. Each side keeps its own counter and the ring's capacity
 * privately and never trusts what it reads from the other side: a count
 * that cannot be right (more bytes than fit) marks the ring corrupt, and
 * a corrupt ring moves no more bytes, so a faulty or hostile peer can stop
 * its own console but never make the other side read or write outside the
 * ring. Portable C11 (GCC/Clang __atomic builtins): built into the user
 * library and, on the host, into build/host/test_char_ring and the
 * fuzzer build/host/fuzz_char_ring. */
#ifndef ATOLL_USER_CHAR_RING_H
#define ATOLL_USER_CHAR_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct char_ring_shared {
    uint32_t head; /* bytes written so far; only the producer writes it */
    uint32_t pad0[15];
    uint32_t tail; /* bytes read so far; only the consumer writes it */
    uint32_t pad1[15];
    uint8_t data[];
};

/* Bytes of shared memory before the data: the counters on their own
 * cache lines. */
#define CHAR_RING_HEADER_SIZE  ((uint32_t)sizeof(struct char_ring_shared))
#define CHAR_RING_MIN_CAPACITY 16u
#define CHAR_RING_MAX_CAPACITY (UINT32_C(1) << 30)

/* One side's private view. */
struct char_ring {
    struct char_ring_shared *shared;
    uint32_t capacity; /* a power of two */
    uint32_t mine;     /* the producer's head or the consumer's tail */
    bool producer;
    bool corrupt;
};

/* Sets up one side's view of the ring in the `size` bytes at `memory`
 * (zero-filled at first: both counters 0). The capacity is the largest
 * power of two that fits after the header; both sides must pass the same
 * size. False if `size` leaves less than CHAR_RING_MIN_CAPACITY bytes. */
bool char_ring_attach(struct char_ring *ring, void *memory, size_t size, bool producer);

/* Producer: copies up to `len` bytes in; returns how many fitted (0 when
 * the ring is full or corrupt). */
size_t char_ring_write(struct char_ring *ring, const void *bytes, size_t len);
/* Consumer: copies up to `len` bytes out; returns how many (0 when the
 * ring is empty or corrupt). */
size_t char_ring_read(struct char_ring *ring, void *bytes, size_t len);
/* Bytes the other side has made available: to read (consumer) or free
 * space to write (producer). 0 when corrupt. */
size_t char_ring_available(struct char_ring *ring);

#endif
