#ifndef ATOLL_KERNEL_ROOT_TASK_H
#define ATOLL_KERNEL_ROOT_TASK_H

#include <stdbool.h>

#include "../arch/x86_64/multiboot2.h"

/* Name of the boot module (its GRUB module2 string) holding the root
 * task's ELF image. */
#define ROOT_TASK_MODULE "init"

/* Builds the root task's address space from its ELF module and makes it
 * runnable. Returns false (after saying why) if there is no usable module;
 * the kernel then stays up with nothing to run. */
bool root_task_create(const struct mb2_boot *boot);

#endif
