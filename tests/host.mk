# Host-built tests and fuzzers of portable code: the one set of rules every
# suite fragment (tests/*.mk) uses (tests/README.md).
#
# A fragment declares its programs, nothing else:
#   $(call host_test,test_x,SOURCES[,EXTRA_CFLAGS])    build/host/test_x, part of host-tests
#   $(call host_fuzzer,fuzz_x,SOURCES[,EXTRA_CFLAGS])  build/host/fuzz_x, part of fuzzers
#   $(call host_tool,gen_x,SOURCES[,EXTRA_CFLAGS])     build/host/gen_x, built on demand
# ci/runtests.py runs every build/host/test_* and, for a bounded time, every
# build/host/fuzz_* on a scratch copy of tests/fuzz/corpus_<x>/.
#
# Each program compiles its sources into its own object directory
# (build/host/o/<program>/), so programs may build the same file with
# different flags.

HOST_CC ?= clang
HOST_CFLAGS ?= -std=c11 -g -O1 -Wall -Wextra -Werror -fsanitize=address,undefined \
	-fno-sanitize-recover=all -I.
FUZZ_CC ?= clang
FUZZ_CFLAGS ?= -std=c11 -g -O1 -Wall -Wextra -Werror -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -I.

HOST_OUT := build/host

.PHONY: host-tests fuzzers clean-host

host_objs = $(patsubst %.c,$(HOST_OUT)/o/$(1)/%.o,$(2))

# $(1) program, $(2) sources, $(3) extra flags, $(4) HOST or FUZZ.
define host_program_rules
$(HOST_OUT)/$(1): $(call host_objs,$(1),$(2))
	@mkdir -p $$(@D)
	$$($(4)_CC) $$($(4)_CFLAGS) -o $$@ $$^

$(HOST_OUT)/o/$(1)/%.o: %.c
	@mkdir -p $$(@D)
	$$($(4)_CC) $$($(4)_CFLAGS) $(3) -MMD -MP -c -o $$@ $$<

-include $(patsubst %.o,%.d,$(call host_objs,$(1),$(2)))
endef

host_tool = $(eval $(call host_program_rules,$(1),$(2),$(3),HOST))
host_test = $(eval $(call host_program_rules,$(1),$(2),$(3),HOST))$(eval host-tests: $(HOST_OUT)/$(1))
host_fuzzer = $(eval $(call host_program_rules,$(1),$(2),$(3),FUZZ))$(eval fuzzers: $(HOST_OUT)/$(1))

clean-host:
	rm -rf $(HOST_OUT)
