# The portable parts of the user-level drivers (services/drivers/) and their
# frame helpers (services/lib/ether.c), against device models. Rules:
# tests/host.mk.

$(call host_test,test_e1000,tests/unit/test_e1000.c tests/unit/check.c \
	services/drivers/e1000/e1000.c services/lib/ether.c)
$(call host_fuzzer,fuzz_e1000,tests/fuzz/fuzz_e1000.c services/drivers/e1000/e1000.c \
	services/lib/ether.c)
