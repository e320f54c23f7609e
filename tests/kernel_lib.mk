# Portable kernel library code: kernel/elf.c, kernel/cmdline.c,
# kernel/format.c. Rules: tests/host.mk.
#
#   fuzz-corpus-elf   regenerate the seeds in tests/fuzz/corpus_elf/

$(call host_test,test_elf,tests/unit/test_elf.c tests/unit/check.c tests/unit/elf_builder.c \
	kernel/elf.c)
$(call host_test,test_cmdline,tests/unit/test_cmdline.c tests/unit/check.c \
	tests/unit/host_log.c kernel/cmdline.c)
$(call host_test,test_format,tests/unit/test_format.c tests/unit/check.c kernel/format.c)
$(call host_fuzzer,fuzz_elf,tests/fuzz/fuzz_elf.c kernel/elf.c)

.PHONY: fuzz-corpus-elf
fuzz-corpus-elf: $(HOST_OUT)/test_elf
	rm -f tests/fuzz/corpus_elf/*.bin
	mkdir -p tests/fuzz/corpus_elf
	$(HOST_OUT)/test_elf --write-corpus tests/fuzz/corpus_elf

$(call host_test,test_range,tests/unit/test_range.c tests/unit/check.c kernel/phys_range.c)
$(call host_test,test_root_ids,tests/unit/test_root_ids.c tests/unit/check.c kernel/root_ids.c, \
	-Ikernel -Ikernel/include)
