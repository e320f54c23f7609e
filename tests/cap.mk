# The capability core (kernel/cap/) built and tested on the host.
#
# Included by the top-level Makefile next to tests/tests.mk, whose
# conventions it follows (HOST_CC, HOST_CFLAGS, FUZZ_CC, FUZZ_CFLAGS,
# outputs under build/host/); also works on its own:
#   make -f tests/cap.mk host-tests fuzzers
#
#   build/host/test_cap  unit tests; a prerequisite of host-tests
#   build/host/fuzz_cap  libFuzzer target; a prerequisite of fuzzers
#   cap-freestanding     compiles every kernel/cap/*.c with the kernel's
#                        flags (no libc, -mcmodel=kernel); host-tests
#                        depends on it so a host-only construct cannot slip in
#   run-cap-tests        build and run build/host/test_cap
#   fuzz-cap             run fuzz_cap for FUZZ_SECONDS on a scratch corpus
#                        seeded from tests/fuzz/corpus_cap/
#   cap-corpus           regenerate the committed seeds in tests/fuzz/corpus_cap/
#                        (fuzz_cap.c built with -DFUZZ_CAP_SEEDS, so the seeds
#                        follow the fuzzer's input encoding)
#
# Variables prefixed CAP_ are private.

HOST_CC ?= clang
HOST_CFLAGS ?= -std=c11 -g -O1 -Wall -Wextra -Werror -fsanitize=address,undefined \
	-fno-sanitize-recover=all -I.
FUZZ_CC ?= clang
FUZZ_CFLAGS ?= -std=c11 -g -O1 -Wall -Wextra -Werror -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -I.
FUZZ_SECONDS ?= 10

CAP_SAVED_GOAL := $(.DEFAULT_GOAL)

CAP_OUT := build/host
CAP_OBJ := $(CAP_OUT)/cap/obj
CAP_FUZZ_OBJ := $(CAP_OUT)/cap/fuzzobj
CAP_KERNEL_OBJ := $(CAP_OUT)/cap/kernelobj

# The capability core includes its ABI as "atoll/..." and the kernel's
# string functions as "kstring.h", as it does in the kernel build.
CAP_INCLUDES := -Ikernel -Ikernel/include

# The kernel's own flags when the top-level Makefile defines them (checked
# at use, so the include order does not matter), else the same set.
CAP_KERNEL_CC = $(if $(KERNEL_CFLAGS),$(CC),gcc)
CAP_KERNEL_CFLAGS = $(if $(KERNEL_CFLAGS),$(KERNEL_CFLAGS),-std=c11 -ffreestanding -fno-builtin \
	-nostdlib -fno-pic -fno-pie -mno-red-zone -mcmodel=kernel -mgeneral-regs-only \
	-fno-stack-protector -O2 -g -Wall -Wextra -Werror -Wstrict-prototypes \
	-Wmissing-prototypes -I. -Ikernel -Ikernel/include -MMD -MP)

CAP_CORE_SRCS := $(sort $(wildcard kernel/cap/*.c))
CAP_TEST_SRCS := tests/unit/test_cap.c tests/unit/test_cap_host.c tests/unit/check.c \
	$(CAP_CORE_SRCS)
CAP_FUZZ_SRCS := tests/fuzz/fuzz_cap.c tests/unit/test_cap_host.c $(CAP_CORE_SRCS)

cap_objs = $(patsubst %.c,$(CAP_OBJ)/%.o,$(1))
cap_fuzz_objs = $(patsubst %.c,$(CAP_FUZZ_OBJ)/%.o,$(1))
CAP_KERNEL_OBJS := $(patsubst %.c,$(CAP_KERNEL_OBJ)/%.o,$(CAP_CORE_SRCS))

.PHONY: host-tests fuzzers cap-freestanding run-cap-tests fuzz-cap cap-corpus

host-tests: $(CAP_OUT)/test_cap cap-freestanding

fuzzers: $(CAP_OUT)/fuzz_cap

cap-freestanding: $(CAP_KERNEL_OBJS)

run-cap-tests: $(CAP_OUT)/test_cap cap-freestanding
	$(CAP_OUT)/test_cap

fuzz-cap: $(CAP_OUT)/fuzz_cap
	rm -rf $(CAP_OUT)/corpus_cap
	mkdir -p $(CAP_OUT)/corpus_cap
	$(CAP_OUT)/fuzz_cap -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
		$(CAP_OUT)/corpus_cap tests/fuzz/corpus_cap

cap-corpus: $(CAP_OUT)/gen_cap_corpus
	rm -f tests/fuzz/corpus_cap/*.bin
	mkdir -p tests/fuzz/corpus_cap
	$(CAP_OUT)/gen_cap_corpus tests/fuzz/corpus_cap

$(CAP_OUT)/gen_cap_corpus: tests/fuzz/fuzz_cap.c
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(CAP_INCLUDES) -DFUZZ_CAP_SEEDS -o $@ $<

$(CAP_OUT)/test_cap: $(call cap_objs,$(CAP_TEST_SRCS))
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -o $@ $^

$(CAP_OUT)/fuzz_cap: $(call cap_fuzz_objs,$(CAP_FUZZ_SRCS))
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $^

$(CAP_OBJ)/%.o: %.c
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(CAP_INCLUDES) -MMD -MP -c -o $@ $<

$(CAP_FUZZ_OBJ)/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(CAP_INCLUDES) -MMD -MP -c -o $@ $<

$(CAP_KERNEL_OBJ)/%.o: %.c
	@mkdir -p $(@D)
	$(CAP_KERNEL_CC) $(CAP_KERNEL_CFLAGS) -c -o $@ $<

CAP_ALL_OBJS := $(call cap_objs,$(sort $(CAP_TEST_SRCS))) \
	$(call cap_fuzz_objs,$(sort $(CAP_FUZZ_SRCS))) $(CAP_KERNEL_OBJS)
-include $(CAP_ALL_OBJS:.o=.d)

# Do not steal the default goal of a Makefile that includes this one.
ifneq ($(CAP_SAVED_GOAL),)
.DEFAULT_GOAL := $(CAP_SAVED_GOAL)
else ifneq ($(notdir $(firstword $(MAKEFILE_LIST))),cap.mk)
.DEFAULT_GOAL :=
endif
