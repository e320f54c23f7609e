# The portable VT-x code (vtx/README.md): GuestSpace/EPT objects on the
# capability core's host environment, control settings and the VMCS field
# whitelist. Rules: tests/host.mk. The sources include the ABI as
# "atoll/..." and "kstring.h", as tests/cap.mk's do.

VTX_INCLUDES := -Ikernel -Ikernel/include
VTX_CORE_SRCS := vtx/ept.c vtx/vmcs_policy.c kernel/root_ids.c $(sort $(wildcard kernel/cap/*.c)) \
	tests/unit/test_cap_host.c tests/unit/ept_host.c

$(call host_test,test_vtx,tests/unit/test_vtx.c tests/unit/check.c $(VTX_CORE_SRCS),$(VTX_INCLUDES))
$(call host_fuzzer,fuzz_ept,tests/fuzz/fuzz_ept.c $(VTX_CORE_SRCS),$(VTX_INCLUDES))
