# Firmware parsers: ACPI (arch/x86_64/acpi.c) and Multiboot2
# (arch/x86_64/multiboot2.c). Rules: tests/host.mk.
#
#   fuzz-corpus   regenerate the committed seeds in tests/fuzz/corpus_{acpi,mb2}/

TESTS_ACPI_SRCS := tests/unit/test_acpi.c tests/unit/check.c tests/unit/host_log.c \
	tests/unit/fake_mem.c tests/unit/acpi_builder.c tests/unit/testdata.c \
	arch/x86_64/acpi.c
TESTS_MB2_SRCS := tests/unit/test_mb2.c tests/unit/check.c tests/unit/host_log.c \
	tests/unit/fake_mem.c tests/unit/acpi_builder.c tests/unit/mb2_builder.c \
	tests/unit/testdata.c arch/x86_64/multiboot2.c

$(call host_test,test_acpi,$(TESTS_ACPI_SRCS))
$(call host_test,test_mb2,$(TESTS_MB2_SRCS))
$(call host_fuzzer,fuzz_acpi,tests/fuzz/fuzz_acpi.c tests/unit/host_log.c \
	tests/unit/fake_mem.c arch/x86_64/acpi.c)
$(call host_fuzzer,fuzz_mb2,tests/fuzz/fuzz_mb2.c tests/unit/host_log.c arch/x86_64/multiboot2.c)
$(call host_tool,gen_corpus,tests/fuzz/gen_corpus.c tests/unit/acpi_builder.c \
	tests/unit/fake_mem.c tests/unit/mb2_builder.c)

.PHONY: fuzz-corpus
fuzz-corpus: $(HOST_OUT)/gen_corpus
	rm -f tests/fuzz/corpus_acpi/*.bin tests/fuzz/corpus_mb2/*.bin
	mkdir -p tests/fuzz/corpus_acpi tests/fuzz/corpus_mb2
	$(HOST_OUT)/gen_corpus tests/fuzz/corpus_acpi tests/fuzz/corpus_mb2
