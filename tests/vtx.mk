# Host tests of the portable VT-x code (vtx/README.md): GuestSpace/EPT
# objects on the capability core's host environment, control settings and
# the VMCS field whitelist.
#
# Included by the top-level Makefile (`-include tests/vtx.mk`); also works
# on its own:  make -f tests/vtx.mk host-tests fuzzers
#
#   host-tests       also builds build/host/test_vtx
#   fuzzers          also builds build/host/fuzz_ept
#   run-vtx-tests    build and run test_vtx
#   fuzz-smoke-ept   run fuzz_ept for FUZZ_SECONDS on tests/fuzz/corpus_ept
#
# Same compilers and flags as tests/cap.mk (the sources include the ABI as
# "atoll/..." and "kstring.h"). Variables prefixed VTX_ are private.

HOST_CC ?= clang
HOST_CFLAGS ?= -std=c11 -g -O1 -Wall -Wextra -Werror -fsanitize=address,undefined \
	-fno-sanitize-recover=all -I.
FUZZ_CC ?= clang
FUZZ_CFLAGS ?= -std=c11 -g -O1 -Wall -Wextra -Werror -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -I.
FUZZ_SECONDS ?= 10

VTX_SAVED_GOAL := $(.DEFAULT_GOAL)

VTX_OUT := build/host
VTX_OBJ := $(VTX_OUT)/vtx-obj
VTX_FUZZ_OBJ := $(VTX_OUT)/vtx-fuzzobj
VTX_INCLUDES := -Ikernel -Ikernel/include

VTX_CORE_SRCS := vtx/ept.c vtx/vmcs_policy.c $(sort $(wildcard kernel/cap/*.c)) \
	tests/unit/test_cap_host.c tests/unit/ept_host.c
VTX_TEST_SRCS := tests/unit/test_vtx.c tests/unit/check.c $(VTX_CORE_SRCS)
VTX_FUZZ_SRCS := tests/fuzz/fuzz_ept.c $(VTX_CORE_SRCS)

VTX_TEST_OBJS := $(patsubst %.c,$(VTX_OBJ)/%.o,$(VTX_TEST_SRCS))
VTX_FUZZ_OBJS := $(patsubst %.c,$(VTX_FUZZ_OBJ)/%.o,$(VTX_FUZZ_SRCS))

.PHONY: host-tests fuzzers run-vtx-tests fuzz-smoke-ept

host-tests: $(VTX_OUT)/test_vtx

fuzzers: $(VTX_OUT)/fuzz_ept

run-vtx-tests: $(VTX_OUT)/test_vtx
	$(VTX_OUT)/test_vtx

fuzz-smoke-ept: $(VTX_OUT)/fuzz_ept
	mkdir -p $(VTX_OUT)/corpus_ept
	$(VTX_OUT)/fuzz_ept -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
		$(VTX_OUT)/corpus_ept tests/fuzz/corpus_ept

$(VTX_OUT)/test_vtx: $(VTX_TEST_OBJS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -o $@ $^

$(VTX_OUT)/fuzz_ept: $(VTX_FUZZ_OBJS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $^

$(VTX_OBJ)/%.o: %.c
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(VTX_INCLUDES) -MMD -MP -c -o $@ $<

$(VTX_FUZZ_OBJ)/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(VTX_INCLUDES) -MMD -MP -c -o $@ $<

-include $(VTX_TEST_OBJS:.o=.d) $(VTX_FUZZ_OBJS:.o=.d)

# Do not steal the default goal of a Makefile that includes this one.
ifneq ($(VTX_SAVED_GOAL),)
.DEFAULT_GOAL := $(VTX_SAVED_GOAL)
else ifneq ($(notdir $(firstword $(MAKEFILE_LIST))),vtx.mk)
.DEFAULT_GOAL :=
endif
