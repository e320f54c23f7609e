# The portable scheduling core (kernel/sched/README.md): ready queues,
# release queue, refills. Rules: tests/host.mk.

SCHED_CORE_SRCS := kernel/sched/refill.c kernel/sched/runqueue.c

$(call host_test,test_sched,tests/unit/test_sched.c tests/unit/check.c $(SCHED_CORE_SRCS), \
	-Ikernel/include)
$(call host_fuzzer,fuzz_refill,tests/fuzz/fuzz_refill.c $(SCHED_CORE_SRCS),-Ikernel/include)
