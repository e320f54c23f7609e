# Host-built tests of portable kernel library code: kernel/elf.c,
# kernel/cmdline.c, kernel/format.c (tests/README.md conventions).
#
# Included by the top-level Makefile from the repository root; also works
# on its own:  make -f tests/kernel_lib.mk host-tests fuzzers
#
#   host-tests             build build/host/test_{elf,cmdline,format}
#   run-kernel-lib-tests   build and run them (exit status 1 if any failed)
#   fuzzers                build build/host/fuzz_elf
#   fuzz-smoke-elf         run fuzz_elf for FUZZ_SECONDS on the seed corpus
#   fuzz-corpus-elf        regenerate the seeds in tests/fuzz/corpus_elf/
#
# Every output is under build/host/. Objects go to their own directories so
# the pattern rules do not clash with tests/tests.mk's. Variables prefixed
# KLIB_ are private.

HOST_CC ?= clang
HOST_CFLAGS ?= -std=c11 -g -O1 -Wall -Wextra -Werror -fsanitize=address,undefined \
	-fno-sanitize-recover=all -I.
FUZZ_CC ?= clang
FUZZ_CFLAGS ?= -std=c11 -g -O1 -Wall -Wextra -Werror -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -I.
FUZZ_SECONDS ?= 10

KLIB_SAVED_GOAL := $(.DEFAULT_GOAL)

KLIB_OUT := build/host
KLIB_OBJ := $(KLIB_OUT)/obj-klib
KLIB_FUZZ_OBJ := $(KLIB_OUT)/fuzzobj-klib

KLIB_TEST_ELF_SRCS := tests/unit/test_elf.c tests/unit/check.c tests/unit/elf_builder.c \
	kernel/elf.c
KLIB_TEST_CMDLINE_SRCS := tests/unit/test_cmdline.c tests/unit/check.c tests/unit/host_log.c \
	kernel/cmdline.c
KLIB_TEST_FORMAT_SRCS := tests/unit/test_format.c tests/unit/check.c kernel/format.c
KLIB_FUZZ_ELF_SRCS := tests/fuzz/fuzz_elf.c kernel/elf.c

klib_objs = $(patsubst %.c,$(KLIB_OBJ)/%.o,$(1))
klib_fuzz_objs = $(patsubst %.c,$(KLIB_FUZZ_OBJ)/%.o,$(1))

.PHONY: host-tests fuzzers run-kernel-lib-tests fuzz-smoke-elf fuzz-corpus-elf

host-tests: build/host/test_elf build/host/test_cmdline build/host/test_format

fuzzers: build/host/fuzz_elf

run-kernel-lib-tests: build/host/test_elf build/host/test_cmdline build/host/test_format
	@status=0; \
	$(KLIB_OUT)/test_elf || status=1; \
	$(KLIB_OUT)/test_cmdline || status=1; \
	$(KLIB_OUT)/test_format || status=1; \
	exit $$status

fuzz-smoke-elf: build/host/fuzz_elf
	mkdir -p $(KLIB_OUT)/corpus_elf
	$(KLIB_OUT)/fuzz_elf -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
		$(KLIB_OUT)/corpus_elf tests/fuzz/corpus_elf

fuzz-corpus-elf: build/host/test_elf
	rm -f tests/fuzz/corpus_elf/*.bin
	mkdir -p tests/fuzz/corpus_elf
	$(KLIB_OUT)/test_elf --write-corpus tests/fuzz/corpus_elf

build/host/test_elf: $(call klib_objs,$(KLIB_TEST_ELF_SRCS))
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -o $@ $^

build/host/test_cmdline: $(call klib_objs,$(KLIB_TEST_CMDLINE_SRCS))
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -o $@ $^

build/host/test_format: $(call klib_objs,$(KLIB_TEST_FORMAT_SRCS))
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -o $@ $^

build/host/fuzz_elf: $(call klib_fuzz_objs,$(KLIB_FUZZ_ELF_SRCS))
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $^

$(KLIB_OBJ)/%.o: %.c
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -MMD -MP -c -o $@ $<

$(KLIB_FUZZ_OBJ)/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c -o $@ $<

KLIB_ALL_OBJS := $(call klib_objs,$(sort $(KLIB_TEST_ELF_SRCS) $(KLIB_TEST_CMDLINE_SRCS) \
	$(KLIB_TEST_FORMAT_SRCS))) $(call klib_fuzz_objs,$(KLIB_FUZZ_ELF_SRCS))
-include $(KLIB_ALL_OBJS:.o=.d)

# Do not steal the default goal of a Makefile that includes this one.
ifneq ($(KLIB_SAVED_GOAL),)
.DEFAULT_GOAL := $(KLIB_SAVED_GOAL)
else ifneq ($(notdir $(firstword $(MAKEFILE_LIST))),kernel_lib.mk)
.DEFAULT_GOAL :=
endif
