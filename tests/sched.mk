# Host tests of the portable scheduling core (kernel/sched/README.md).
#
# Included by the top-level Makefile (`-include tests/sched.mk`); also works
# on its own:  make -f tests/sched.mk host-tests fuzzers
#
#   host-tests         also builds build/host/test_sched
#   fuzzers            also builds build/host/fuzz_refill
#   run-sched-tests    build and run test_sched
#   fuzz-smoke-sched   run fuzz_refill for FUZZ_SECONDS on tests/fuzz/corpus_refill
#
# Same compilers and flags as tests/tests.mk, plus -Ikernel/include for the
# ABI headers the kernel sources include. Objects go to their own
# directories under build/host/ so that these rules never meet the ones of
# tests.mk. Variables prefixed SCHED_ are private.

HOST_CC ?= clang
HOST_CFLAGS ?= -std=c11 -g -O1 -Wall -Wextra -Werror -fsanitize=address,undefined \
	-fno-sanitize-recover=all -I.
FUZZ_CC ?= clang
FUZZ_CFLAGS ?= -std=c11 -g -O1 -Wall -Wextra -Werror -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -I.
FUZZ_SECONDS ?= 10

SCHED_SAVED_GOAL := $(.DEFAULT_GOAL)

SCHED_OUT := build/host
SCHED_OBJ := $(SCHED_OUT)/sched-obj
SCHED_FUZZ_OBJ := $(SCHED_OUT)/sched-fuzzobj
SCHED_INCLUDES := -Ikernel/include

SCHED_CORE_SRCS := kernel/sched/refill.c kernel/sched/runqueue.c
SCHED_TEST_SRCS := tests/unit/test_sched.c tests/unit/check.c $(SCHED_CORE_SRCS)
SCHED_FUZZ_SRCS := tests/fuzz/fuzz_refill.c $(SCHED_CORE_SRCS)

SCHED_TEST_OBJS := $(patsubst %.c,$(SCHED_OBJ)/%.o,$(SCHED_TEST_SRCS))
SCHED_FUZZ_OBJS := $(patsubst %.c,$(SCHED_FUZZ_OBJ)/%.o,$(SCHED_FUZZ_SRCS))

.PHONY: host-tests fuzzers run-sched-tests fuzz-smoke-sched

host-tests: $(SCHED_OUT)/test_sched

fuzzers: $(SCHED_OUT)/fuzz_refill

run-sched-tests: $(SCHED_OUT)/test_sched
	$(SCHED_OUT)/test_sched

fuzz-smoke-sched: $(SCHED_OUT)/fuzz_refill
	mkdir -p $(SCHED_OUT)/corpus_refill
	$(SCHED_OUT)/fuzz_refill -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
		$(SCHED_OUT)/corpus_refill tests/fuzz/corpus_refill

$(SCHED_OUT)/test_sched: $(SCHED_TEST_OBJS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -o $@ $^

$(SCHED_OUT)/fuzz_refill: $(SCHED_FUZZ_OBJS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $^

$(SCHED_OBJ)/%.o: %.c
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(SCHED_INCLUDES) -MMD -MP -c -o $@ $<

$(SCHED_FUZZ_OBJ)/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(SCHED_INCLUDES) -MMD -MP -c -o $@ $<

-include $(SCHED_TEST_OBJS:.o=.d) $(SCHED_FUZZ_OBJS:.o=.d)

# Do not steal the default goal of a Makefile that includes this one.
ifneq ($(SCHED_SAVED_GOAL),)
.DEFAULT_GOAL := $(SCHED_SAVED_GOAL)
else ifneq ($(notdir $(firstword $(MAKEFILE_LIST))),sched.mk)
.DEFAULT_GOAL :=
endif
