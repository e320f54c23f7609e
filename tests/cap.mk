# The capability core (kernel/cap/) on the host. Rules: tests/host.mk.
#
#   cap-freestanding  compiles every kernel/cap/*.c with the kernel's flags
#                     (no libc, -mcmodel=kernel); part of host-tests, so a
#                     host-only construct cannot slip in
#   cap-corpus        regenerate the committed seeds in tests/fuzz/corpus_cap/
#                     (fuzz_cap.c built with -DFUZZ_CAP_SEEDS, so the seeds
#                     follow the fuzzer's input encoding)

# The capability core includes its ABI as "atoll/..." and the kernel's
# string functions as "kstring.h", as it does in the kernel build.
CAP_INCLUDES := -Ikernel -Ikernel/include
CAP_CORE_SRCS := $(sort $(wildcard kernel/cap/*.c))
CAP_KERNEL_OBJS := $(patsubst %.c,$(HOST_OUT)/o/cap-kernel/%.o,$(CAP_CORE_SRCS))

$(call host_test,test_cap,tests/unit/test_cap.c tests/unit/test_cap_host.c tests/unit/check.c \
	$(CAP_CORE_SRCS),$(CAP_INCLUDES))
$(call host_fuzzer,fuzz_cap,tests/fuzz/fuzz_cap.c tests/unit/test_cap_host.c $(CAP_CORE_SRCS), \
	$(CAP_INCLUDES))
$(call host_tool,gen_cap_corpus,tests/fuzz/fuzz_cap.c,$(CAP_INCLUDES) -DFUZZ_CAP_SEEDS)

.PHONY: cap-freestanding cap-corpus
host-tests: cap-freestanding
cap-freestanding: $(CAP_KERNEL_OBJS)

$(HOST_OUT)/o/cap-kernel/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(KERNEL_CFLAGS) -c -o $@ $<

-include $(CAP_KERNEL_OBJS:.o=.d)

cap-corpus: $(HOST_OUT)/gen_cap_corpus
	rm -f tests/fuzz/corpus_cap/*.bin
	mkdir -p tests/fuzz/corpus_cap
	$(HOST_OUT)/gen_cap_corpus tests/fuzz/corpus_cap
