# The portable VT-d code in iommu/ (DMAR parser, IO page tables). Rules:
# tests/host.mk. (iommu/*.c are also compiled with the kernel's flags by
# the kernel build itself.)
#
#   fuzz-corpus-dmar  regenerate the seeds in tests/fuzz/corpus_dmar/

$(call host_test,test_dmar,tests/unit/test_dmar.c tests/unit/check.c tests/unit/host_log.c \
	tests/unit/fake_mem.c tests/unit/acpi_builder.c tests/unit/dmar_builder.c \
	tests/unit/testdata.c arch/x86_64/acpi.c iommu/dmar.c)
$(call host_test,test_iopt,tests/unit/test_iopt.c tests/unit/check.c iommu/iopt.c)
$(call host_test,test_irte,tests/unit/test_irte.c tests/unit/check.c iommu/irte.c)
$(call host_fuzzer,fuzz_dmar,tests/fuzz/fuzz_dmar.c tests/unit/host_log.c iommu/dmar.c)

.PHONY: fuzz-corpus-dmar
fuzz-corpus-dmar: $(HOST_OUT)/test_dmar
	rm -f tests/fuzz/corpus_dmar/*.bin
	mkdir -p tests/fuzz/corpus_dmar
	$(HOST_OUT)/test_dmar --write-corpus tests/fuzz/corpus_dmar
	cp tests/data/qemu-q35-iommu/tbl_000000001ffe2303.bin tests/fuzz/corpus_dmar/qemu_q35_iommu.bin
