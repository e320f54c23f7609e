# The system-description compiler (tools/atoll-sdc) and the spec parser
# (services/lib/spec.c) on the host. Rules: tests/host.mk.
#
#   build/host/sdc/NAME.spec  atoll-sdc --no-images of examples/NAME.toml or
#                        tests/sdc/valid/NAME.toml; test_spec reads them
#   build/host/test_spec unit tests of the C parser on those specs and on
#                        corrupted copies
#   build/host/test_sdc  a wrapper that runs tests/sdc/run_tests.py (valid and
#                        malformed descriptions, golden dumps, CLI errors)
#   build/host/fuzz_spec libFuzzer target
#   build/host/spec_check  the C parser as a command (spec_check FILE...);
#                        test_sdc checks with it that init accepts whatever
#                        atoll-sdc accepts
#   sdc-corpus           regenerate the seeds in tests/fuzz/corpus_spec/ and
#                        the golden dumps in tests/sdc/valid/ (review the diff)
#
# spec.c itself also builds into the user library (services/lib/*.c), so
# `make` compiles it freestanding.

SDC_PYTHON := $(or $(PYTHON),python3)
SDC_TOOL := tools/atoll-sdc
SDC_DESCRIPTIONS := $(wildcard examples/*.toml) $(wildcard tests/sdc/valid/*.toml)
SDC_SPECS := $(addprefix $(HOST_OUT)/sdc/,$(notdir $(SDC_DESCRIPTIONS:.toml=.spec)))

# spec.c checks its limits against the kernel's ABI headers.
$(call host_test,test_spec,tests/unit/test_spec.c tests/unit/check.c services/lib/spec.c, \
	-Ikernel/include)
$(call host_tool,spec_check,tests/unit/spec_check.c services/lib/spec.c,-Ikernel/include)
$(call host_fuzzer,fuzz_spec,tests/fuzz/fuzz_spec.c services/lib/spec.c,-Ikernel/include)

.PHONY: sdc-corpus
host-tests: $(HOST_OUT)/test_sdc $(HOST_OUT)/spec_check $(SDC_SPECS)

sdc-corpus:
	$(SDC_PYTHON) tests/sdc/run_tests.py --update-corpus --update-dumps

$(HOST_OUT)/sdc/%.spec: examples/%.toml $(SDC_TOOL)
	@mkdir -p $(@D)
	$(SDC_PYTHON) $(SDC_TOOL) --no-images $< -o $@

$(HOST_OUT)/sdc/%.spec: tests/sdc/valid/%.toml $(SDC_TOOL)
	@mkdir -p $(@D)
	$(SDC_PYTHON) $(SDC_TOOL) --no-images $< -o $@

# ci/runtests.py runs every build/host/test_* executable: this one runs the
# Python case runner from the repository it was built in.
$(HOST_OUT)/test_sdc: tests/sdc/run_tests.py
	@mkdir -p $(@D)
	printf '#!/bin/sh\nexec %s "%s/tests/sdc/run_tests.py" "$$@"\n' '$(SDC_PYTHON)' '$(CURDIR)' > $@
	chmod +x $@
