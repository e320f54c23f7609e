# Host-built tests of portable code (tests/README.md).
#
# Included by the top-level Makefile from the repository root; also works
# on its own:  make -f tests/tests.mk host-tests fuzzers
#
#   host-tests      build build/host/test_acpi and build/host/test_mb2
#   run-host-tests  build and run them (exit status 1 if any test failed)
#   fuzzers         build build/host/fuzz_acpi and build/host/fuzz_mb2
#   fuzz-smoke      run each fuzzer for FUZZ_SECONDS on the seed corpora
#   fuzz-corpus     regenerate the committed seeds in tests/fuzz/corpus_*/
#   clean-host      remove build/host
#
# Every output is under build/host/. Variables prefixed TESTS_ are private.

HOST_CC ?= clang
HOST_CFLAGS ?= -std=c11 -g -O1 -Wall -Wextra -Werror -fsanitize=address,undefined \
	-fno-sanitize-recover=all -I.
FUZZ_CC ?= clang
FUZZ_CFLAGS ?= -std=c11 -g -O1 -Wall -Wextra -Werror -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -I.
FUZZ_SECONDS ?= 10

TESTS_SAVED_GOAL := $(.DEFAULT_GOAL)

TESTS_OUT := build/host
TESTS_OBJ := $(TESTS_OUT)/obj
TESTS_FUZZ_OBJ := $(TESTS_OUT)/fuzzobj

TESTS_TEST_ACPI_SRCS := tests/unit/test_acpi.c tests/unit/check.c tests/unit/host_log.c \
	tests/unit/fake_mem.c tests/unit/acpi_builder.c tests/unit/testdata.c \
	arch/x86_64/acpi.c
TESTS_TEST_MB2_SRCS := tests/unit/test_mb2.c tests/unit/check.c tests/unit/host_log.c \
	tests/unit/fake_mem.c tests/unit/acpi_builder.c tests/unit/mb2_builder.c \
	tests/unit/testdata.c arch/x86_64/multiboot2.c
TESTS_GEN_CORPUS_SRCS := tests/fuzz/gen_corpus.c tests/unit/acpi_builder.c \
	tests/unit/fake_mem.c tests/unit/mb2_builder.c
TESTS_FUZZ_ACPI_SRCS := tests/fuzz/fuzz_acpi.c tests/unit/host_log.c tests/unit/fake_mem.c \
	arch/x86_64/acpi.c
TESTS_FUZZ_MB2_SRCS := tests/fuzz/fuzz_mb2.c tests/unit/host_log.c arch/x86_64/multiboot2.c

tests_objs = $(patsubst %.c,$(TESTS_OBJ)/%.o,$(1))
tests_fuzz_objs = $(patsubst %.c,$(TESTS_FUZZ_OBJ)/%.o,$(1))

.PHONY: host-tests run-host-tests fuzzers fuzz-smoke fuzz-corpus clean-host

host-tests: $(TESTS_OUT)/test_acpi $(TESTS_OUT)/test_mb2

fuzzers: $(TESTS_OUT)/fuzz_acpi $(TESTS_OUT)/fuzz_mb2

# Run from the repository root: the data-set tests look for tests/data/.
run-host-tests: host-tests
	@status=0; \
	$(TESTS_OUT)/test_acpi || status=1; \
	$(TESTS_OUT)/test_mb2 || status=1; \
	exit $$status

fuzz-smoke: fuzzers
	mkdir -p $(TESTS_OUT)/corpus_acpi $(TESTS_OUT)/corpus_mb2
	$(TESTS_OUT)/fuzz_acpi -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
		$(TESTS_OUT)/corpus_acpi tests/fuzz/corpus_acpi
	$(TESTS_OUT)/fuzz_mb2 -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
		$(TESTS_OUT)/corpus_mb2 tests/fuzz/corpus_mb2

fuzz-corpus: $(TESTS_OUT)/gen_corpus
	rm -f tests/fuzz/corpus_acpi/*.bin tests/fuzz/corpus_mb2/*.bin
	mkdir -p tests/fuzz/corpus_acpi tests/fuzz/corpus_mb2
	$(TESTS_OUT)/gen_corpus tests/fuzz/corpus_acpi tests/fuzz/corpus_mb2

clean-host:
	rm -rf $(TESTS_OUT)

$(TESTS_OUT)/test_acpi: $(call tests_objs,$(TESTS_TEST_ACPI_SRCS))
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -o $@ $^

$(TESTS_OUT)/test_mb2: $(call tests_objs,$(TESTS_TEST_MB2_SRCS))
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -o $@ $^

$(TESTS_OUT)/gen_corpus: $(call tests_objs,$(TESTS_GEN_CORPUS_SRCS))
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -o $@ $^

$(TESTS_OUT)/fuzz_acpi: $(call tests_fuzz_objs,$(TESTS_FUZZ_ACPI_SRCS))
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $^

$(TESTS_OUT)/fuzz_mb2: $(call tests_fuzz_objs,$(TESTS_FUZZ_MB2_SRCS))
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $^

$(TESTS_OBJ)/%.o: %.c
	@mkdir -p $(@D)
	$(HOST_CC) $(HOST_CFLAGS) -MMD -MP -c -o $@ $<

$(TESTS_FUZZ_OBJ)/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c -o $@ $<

TESTS_ALL_OBJS := $(call tests_objs,$(sort $(TESTS_TEST_ACPI_SRCS) $(TESTS_TEST_MB2_SRCS) \
	$(TESTS_GEN_CORPUS_SRCS))) \
	$(call tests_fuzz_objs,$(sort $(TESTS_FUZZ_ACPI_SRCS) $(TESTS_FUZZ_MB2_SRCS)))
-include $(TESTS_ALL_OBJS:.o=.d)

# Do not steal the default goal of a Makefile that includes this one.
ifneq ($(TESTS_SAVED_GOAL),)
.DEFAULT_GOAL := $(TESTS_SAVED_GOAL)
else ifneq ($(notdir $(firstword $(MAKEFILE_LIST))),tests.mk)
.DEFAULT_GOAL :=
endif
