# Host tests of the portable VT-d code in iommu/ (DMAR parser, IO page
# tables), following tests/README.md's conventions.
#
# Included by the top-level Makefile; also works on its own:
#   make -f tests/iommu.mk host-tests fuzzers
#
#   host-tests          also builds build/host/test_dmar and build/host/test_iopt,
#                       and compiles the portable iommu/ sources with the
#                       kernel's flags (iommu-freestanding)
#   fuzzers             also builds build/host/fuzz_dmar
#   run-iommu-tests     build and run test_dmar and test_iopt
#   fuzz-smoke-dmar     run fuzz_dmar for FUZZ_SECONDS on tests/fuzz/corpus_dmar
#   fuzz-corpus-dmar    regenerate the seeds in tests/fuzz/corpus_dmar/
#
# Objects go to their own directories under build/host/ so these rules never
# meet those of the other fragments. Variables prefixed IOMMU_ are private.

HOST_CC ?= clang
HOST_CFLAGS ?= -std=c11 -g -O1 -Wall -Wextra -Werror -fsanitize=address,undefined \
	-fno-sanitize-recover=all -I.
FUZZ_CC ?= clang
FUZZ_CFLAGS ?= -std=c11 -g -O1 -Wall -Wextra -Werror -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -I.
FUZZ_SECONDS ?= 10

IOMMU_SAVED_GOAL := $(.DEFAULT_GOAL)

IOMMU_OUT := build/host
IOMMU_OBJ := $(IOMMU_OUT)/iommu-obj
IOMMU_FUZZ_OBJ := $(IOMMU_OUT)/iommu-fuzzobj
IOMMU_KERNEL_OBJ := $(IOMMU_OUT)/iommu-kernelobj

# The kernel's own flags when the top-level Makefile defines them.
IOMMU_KERNEL_CC = $(if $(KERNEL_CFLAGS),$(CC),gcc)
IOMMU_KERNEL_CFLAGS = $(if $(KERNEL_CFLAGS),$(KERNEL_CFLAGS),-std=c11 -ffreestanding \
	-fno-builtin -nostdlib -fno-pic -fno-pie -mno-red-zone -mcmodel=kernel \
	-mgeneral-regs-only -fno-stack-protector -O2 -g -Wall -Wextra -Werror \
	-Wstrict-prototypes -Wmissing-prototypes -I. -Ikernel -Ikernel/include -MMD -MP)

IOMMU_PORTABLE_SRCS := iommu/dmar.c iommu/iopt.c
IOMMU_TEST_DMAR_SRCS := tests/unit/test_dmar.c tests/unit/check.c tests/unit/host_log.c \
	tests/unit/fake_mem.c tests/unit/acpi_builder.c tests/unit/dmar_builder.c \
	tests/unit/testdata.c arch/x86_64/acpi.c iommu/dmar.c
IOMMU_TEST_IOPT_SRCS := tests/unit/test_iopt.c tests/unit/check.c iommu/iopt.c
IOMMU_FUZZ_DMAR_SRCS := tests/fuzz/fuzz_dmar.c tests/unit/host_log.c iommu/dmar.c

iommu_objs = $(patsubst %.c,$(IOMMU_OBJ)/%.o,$(1))
iommu_fuzz_objs = $(patsubst %.c,$(IOMMU_FUZZ_OBJ)/%.o,$(1))
IOMMU_KERNEL_OBJS := $(patsubst %.c,$(IOMMU_KERNEL_OBJ)/%.o,$(IOMMU_PORTABLE_SRCS))

.PHONY: host-tests fuzzers iommu-freestanding run-iommu-tests fuzz-smoke-dmar fuzz-corpus-dmar

host-tests: $(IOMMU_OUT)/test_dmar $(IOMMU_OUT)/test_iopt iommu-freestanding

fuzzers: $(IOMMU_OUT)/fuzz_dmar

iommu-freestanding: $(IOMMU_KERNEL_OBJS)

run-iommu-tests: $(IOMMU_OUT)/test_dmar $(IOMMU_OUT)/test_iopt iommu-freestanding
	@status=0; \
	$(IOMMU_OUT)/test_dmar || status=1; \
	$(IOMMU_OUT)/test_iopt || status=1; \
	exit $$status

fuzz-smoke-dmar: $(IOMMU_OUT)/fuzz_dmar
	rm -rf $(IOMMU_OUT)/corpus_dmar
	mkdir -p $(IOMMU_OUT)/corpus_dmar
	$(IOMMU_OUT)/fuzz_dmar -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
		$(IOMMU_OUT)/corpus_dmar tests/fuzz/corpus_dmar

fuzz-corpus-dmar: $(IOMMU_OUT)/test_dmar
	rm -f tests/fuzz/corpus_dmar/*.bin
	mkdir -p tests/fuzz/corpus_dmar
	$(IOMMU_OUT)/test_dmar --write-corpus tests/fuzz/corpus_dmar
	cp tests/data/qemu-q35-iommu/tbl_000000001ffe2303.bin tests/fuzz/corpus_dmar/qemu_q35_iommu.bin

$(IOMMU_OUT)/test_dmar: $(call iommu_objs,$(IOMMU_TEST_DMAR_SRCS))
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -o $@ $^

$(IOMMU_OUT)/test_iopt: $(call iommu_objs,$(IOMMU_TEST_IOPT_SRCS))
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -o $@ $^

$(IOMMU_OUT)/fuzz_dmar: $(call iommu_fuzz_objs,$(IOMMU_FUZZ_DMAR_SRCS))
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $^

$(IOMMU_OBJ)/%.o: %.c
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -MMD -MP -c -o $@ $<

$(IOMMU_FUZZ_OBJ)/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c -o $@ $<

$(IOMMU_KERNEL_OBJ)/%.o: %.c
	@mkdir -p $(@D)
	$(IOMMU_KERNEL_CC) $(IOMMU_KERNEL_CFLAGS) -c -o $@ $<

IOMMU_ALL_OBJS := $(call iommu_objs,$(sort $(IOMMU_TEST_DMAR_SRCS) $(IOMMU_TEST_IOPT_SRCS))) \
	$(call iommu_fuzz_objs,$(IOMMU_FUZZ_DMAR_SRCS)) $(IOMMU_KERNEL_OBJS)
-include $(IOMMU_ALL_OBJS:.o=.d)

# Do not steal the default goal of a Makefile that includes this one.
ifneq ($(IOMMU_SAVED_GOAL),)
.DEFAULT_GOAL := $(IOMMU_SAVED_GOAL)
else ifneq ($(notdir $(firstword $(MAKEFILE_LIST))),iommu.mk)
.DEFAULT_GOAL :=
endif
