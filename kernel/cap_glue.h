#ifndef ATOLL_KERNEL_CAP_GLUE_H
#define ATOLL_KERNEL_CAP_GLUE_H

/* Installs the kernel's object hooks into the capability core. */
void cap_glue_init(void);

#endif
