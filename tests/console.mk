# The serial console's shared byte ring (services/lib/char_ring.c).
# Rules: tests/host.mk.

$(call host_test,test_char_ring,tests/unit/test_char_ring.c tests/unit/check.c services/lib/char_ring.c)
$(call host_fuzzer,fuzz_char_ring,tests/fuzz/fuzz_char_ring.c services/lib/char_ring.c)
