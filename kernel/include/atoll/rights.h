/* Capability access rights, shared by kernel and user space.
 *
 * As in seL4 (manual, "Capability Rights"): a right can only be removed when a capability
 * is copied or minted, never added. Which rights mean something depends on
 * the object:
 *   Endpoint      READ: receive; WRITE: send; GRANT: send capabilities
 *                 with a message; GRANT_REPLY: send capabilities in a reply
 *                 (a Call through a cap without it gets a reply cap that
 *                 cannot grant)
 *   Notification  READ: wait and poll; WRITE: signal
 *   Reply         GRANT: the reply may carry capabilities
 *   Frame         READ, WRITE: the most a mapping of it may allow
 * Other capabilities carry no rights; a rights mask does not change them. */
#ifndef ATOLL_ABI_RIGHTS_H
#define ATOLL_ABI_RIGHTS_H

#include <stdint.h>

#define ATOLL_RIGHT_READ        (UINT64_C(1) << 0)
#define ATOLL_RIGHT_WRITE       (UINT64_C(1) << 1)
#define ATOLL_RIGHT_GRANT       (UINT64_C(1) << 2)
#define ATOLL_RIGHT_GRANT_REPLY (UINT64_C(1) << 3)

#define ATOLL_RIGHTS_NONE UINT64_C(0)
#define ATOLL_RIGHTS_RW   (ATOLL_RIGHT_READ | ATOLL_RIGHT_WRITE)
#define ATOLL_RIGHTS_ALL                                                                           \
    (ATOLL_RIGHT_READ | ATOLL_RIGHT_WRITE | ATOLL_RIGHT_GRANT | ATOLL_RIGHT_GRANT_REPLY)

#endif
