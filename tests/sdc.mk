# The system-description compiler (tools/atoll-sdc) and the spec parser
# (services/lib/spec.c) on the host (tests/README.md conventions).
#
# Included by the top-level Makefile; also works on its own:
#   make -f tests/sdc.mk host-tests fuzzers
#
#   build/host/sdc/NAME.spec  atoll-sdc --no-images of examples/NAME.toml or
#                        tests/sdc/valid/NAME.toml; test_spec reads them
#   build/host/test_spec unit tests of the C parser on those specs and on
#                        corrupted copies; a prerequisite of host-tests
#   build/host/test_sdc  a wrapper that runs tests/sdc/run_tests.py (valid and
#                        malformed descriptions, golden dumps, CLI errors)
#   build/host/fuzz_spec libFuzzer target; a prerequisite of fuzzers
#   build/host/spec_check  the C parser as a command (spec_check FILE...);
#                        test_sdc checks with it that init accepts whatever
#                        atoll-sdc accepts
#   run-sdc-tests        build and run test_spec and test_sdc
#   fuzz-spec            run fuzz_spec for FUZZ_SECONDS on a scratch corpus
#                        seeded from tests/fuzz/corpus_spec/
#   sdc-corpus           regenerate the seeds in tests/fuzz/corpus_spec/ and
#                        the golden dumps in tests/sdc/valid/ (review the diff)
#
# spec.c itself also builds into every user program (services/lib/*.c), so
# `make` compiles it freestanding. Variables prefixed SDC_ are private.

HOST_CC ?= clang
HOST_CFLAGS ?= -std=c11 -g -O1 -Wall -Wextra -Werror -fsanitize=address,undefined \
	-fno-sanitize-recover=all -I.
FUZZ_CC ?= clang
FUZZ_CFLAGS ?= -std=c11 -g -O1 -Wall -Wextra -Werror -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -I.
FUZZ_SECONDS ?= 10

SDC_SAVED_GOAL := $(.DEFAULT_GOAL)

SDC_OUT := build/host
SDC_OBJ := $(SDC_OUT)/sdc-obj
SDC_FUZZ_OBJ := $(SDC_OUT)/sdc-fuzzobj
SDC_PYTHON := $(or $(PYTHON),python3)
# spec.c checks its limits against the kernel's ABI headers.
SDC_INCLUDES := -Ikernel/include

SDC_TOOL := tools/atoll-sdc
SDC_DESCRIPTIONS := $(wildcard examples/*.toml) $(wildcard tests/sdc/valid/*.toml)
SDC_SPECS := $(addprefix $(SDC_OUT)/sdc/,$(notdir $(SDC_DESCRIPTIONS:.toml=.spec)))

SDC_TEST_SRCS := tests/unit/test_spec.c tests/unit/check.c services/lib/spec.c
SDC_FUZZ_SRCS := tests/fuzz/fuzz_spec.c services/lib/spec.c
SDC_CHECK_SRCS := tests/unit/spec_check.c services/lib/spec.c
SDC_TEST_OBJS := $(patsubst %.c,$(SDC_OBJ)/%.o,$(SDC_TEST_SRCS))
SDC_CHECK_OBJS := $(patsubst %.c,$(SDC_OBJ)/%.o,$(SDC_CHECK_SRCS))
SDC_FUZZ_OBJS := $(patsubst %.c,$(SDC_FUZZ_OBJ)/%.o,$(SDC_FUZZ_SRCS))

.PHONY: host-tests fuzzers run-sdc-tests fuzz-spec sdc-corpus

host-tests: $(SDC_OUT)/test_spec $(SDC_OUT)/test_sdc $(SDC_OUT)/spec_check $(SDC_SPECS)

fuzzers: $(SDC_OUT)/fuzz_spec

run-sdc-tests: $(SDC_OUT)/test_spec $(SDC_OUT)/test_sdc $(SDC_OUT)/spec_check $(SDC_SPECS)
	@status=0; \
	$(SDC_OUT)/test_spec || status=1; \
	$(SDC_OUT)/test_sdc || status=1; \
	exit $$status

fuzz-spec: $(SDC_OUT)/fuzz_spec
	rm -rf $(SDC_OUT)/corpus_spec
	mkdir -p $(SDC_OUT)/corpus_spec
	$(SDC_OUT)/fuzz_spec -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
		$(SDC_OUT)/corpus_spec tests/fuzz/corpus_spec

sdc-corpus:
	$(SDC_PYTHON) tests/sdc/run_tests.py --update-corpus --update-dumps

$(SDC_OUT)/sdc/%.spec: examples/%.toml $(SDC_TOOL)
	@mkdir -p $(@D)
	$(SDC_PYTHON) $(SDC_TOOL) --no-images $< -o $@

$(SDC_OUT)/sdc/%.spec: tests/sdc/valid/%.toml $(SDC_TOOL)
	@mkdir -p $(@D)
	$(SDC_PYTHON) $(SDC_TOOL) --no-images $< -o $@

# ci/runtests.py runs every build/host/test_* executable: this one runs the
# Python case runner from the repository it was built in.
$(SDC_OUT)/test_sdc: tests/sdc/run_tests.py
	@mkdir -p $(@D)
	printf '#!/bin/sh\nexec %s "%s/tests/sdc/run_tests.py" "$$@"\n' '$(SDC_PYTHON)' '$(CURDIR)' > $@
	chmod +x $@

$(SDC_OUT)/test_spec: $(SDC_TEST_OBJS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -o $@ $^

$(SDC_OUT)/spec_check: $(SDC_CHECK_OBJS)
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -o $@ $^

$(SDC_OUT)/fuzz_spec: $(SDC_FUZZ_OBJS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $^

$(SDC_OBJ)/%.o: %.c
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) $(SDC_INCLUDES) -MMD -MP -c -o $@ $<

$(SDC_FUZZ_OBJ)/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(SDC_INCLUDES) -MMD -MP -c -o $@ $<

-include $(SDC_TEST_OBJS:.o=.d) $(SDC_FUZZ_OBJS:.o=.d) $(SDC_CHECK_OBJS:.o=.d)

# Do not steal the default goal of a Makefile that includes this one.
ifneq ($(SDC_SAVED_GOAL),)
.DEFAULT_GOAL := $(SDC_SAVED_GOAL)
else ifneq ($(notdir $(firstword $(MAKEFILE_LIST))),sdc.mk)
.DEFAULT_GOAL :=
endif
