# Atoll: the one entry point. See README.md.
#   make deps    install every Debian package the project needs (as root)
#   make         build/kernel.elf and build/atoll.iso
#   make run     boot the ISO in QEMU, serial console on this terminal
#   make test    host unit tests, fuzzers, boot scenarios (ends N passed, N failed)
#   make bench   benchmarks, reports in bench/
#   make clean

.SECONDEXPANSION:
# Keep objects built through pattern chains (user programs).
.SECONDARY:
BUILD := build
CC := gcc
NASM := nasm
LD := ld
PYTHON := python3

DEBIAN_PACKAGES := gcc libc6-dev make nasm binutils python3 clang llvm libclang-rt-14-dev clang-format \
	grub-pc-bin grub-efi-amd64-bin grub-common xorriso mtools ovmf qemu-system-x86 \
	bochs bochsbios vgabios busybox-static cpio iproute2 wireguard-tools wireguard-go

KERNEL_CFLAGS := -std=c11 -ffreestanding -fno-builtin -nostdlib -fno-pic -fno-pie \
	-mno-red-zone -mcmodel=kernel -mgeneral-regs-only -fno-stack-protector \
	-fno-asynchronous-unwind-tables \
	-O2 -g -Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes \
	-I. -Ikernel -Ikernel/include -MMD -MP
KERNEL_LDFLAGS := -nostdlib -z max-page-size=0x1000 -z noexecstack --no-warn-rwx-segments \
	-T arch/x86_64/linker.ld

KERNEL_C := $(wildcard arch/x86_64/*.c) $(wildcard kernel/*.c) $(wildcard kernel/cap/*.c) \
	$(wildcard kernel/sched/*.c) $(wildcard vtx/*.c) $(wildcard iommu/*.c)
KERNEL_ASM := $(wildcard arch/x86_64/*.asm) $(wildcard vtx/*.asm)
KERNEL_OBJ := $(patsubst %.c,$(BUILD)/k/%.o,$(KERNEL_C)) \
	$(patsubst %.asm,$(BUILD)/k/%.o,$(KERNEL_ASM))

# User space: static freestanding programs; they may use SSE/AVX, whose
# state the kernel switches per thread.
USER_CFLAGS := -std=c11 -ffreestanding -fno-builtin -nostdlib -fno-pic -fno-pie \
	-fno-stack-protector -fno-asynchronous-unwind-tables \
	-O2 -g -Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes \
	-Ikernel/include -Iservices/lib -Ikernel -MMD -MP
USER_LIB_C := $(wildcard services/lib/*.c) kernel/format.c kernel/string.c kernel/elf.c
USER_LIB_OBJ := $(patsubst %.c,$(BUILD)/u/%.o,$(USER_LIB_C))
USER_CRT0 := $(BUILD)/u/services/lib/crt0.o
# An archive: a program links only the members it uses (the component
# library's main() only into programs that have none of their own).
USER_LIB := $(BUILD)/u/libatoll.a
USER_PROGRAMS := init bench fuzz hello crasher ping pong
# Components of the example systems (examples/, docs/components.md).
USER_PROGRAMS += drivers/serial readline counter client producer consumer spinner worker porttest scribbler eduprobe drivers/e1000
USER_ELFS := $(patsubst %,$(BUILD)/services/%.elf,$(USER_PROGRAMS))
# `make run` boots the system described by SYSTEM: init loads it from
# system.spec and the images of every component, boot modules named by
# their file names (services/drivers/serial -> serial.elf).
SYSTEM ?= examples/serial.toml
SYSTEM_IMAGE_DIRS := $(BUILD)/services $(BUILD)/services/drivers
SYSTEM_IMAGES := $(filter-out $(BUILD)/services/init.elf,$(USER_ELFS))
# Each example's spec, with its images checked (the boot tests use them).
EXAMPLE_SPECS := $(patsubst examples/%.toml,$(BUILD)/examples/%.spec,$(wildcard examples/*.toml))
CI_SPECS := $(patsubst ci/data/%.toml,$(BUILD)/ci/%.spec,$(wildcard ci/data/*.toml))
SDC := $(PYTHON) tools/atoll-sdc $(addprefix --image-dir ,$(SYSTEM_IMAGE_DIRS))

# The default command line of `make` and `make run`.
CMDLINE ?= console=ttyS0

.PHONY: all deps run test bench clean format check-format host-tests fuzzers FORCE
all: $(BUILD)/kernel.elf $(BUILD)/release/kernel.elf $(USER_ELFS) $(BUILD)/system.spec $(BUILD)/atoll.iso \
	$(CI_SPECS) $(EXAMPLE_SPECS)

deps:
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(DEBIAN_PACKAGES)

$(BUILD)/k/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(KERNEL_CFLAGS) -c $< -o $@

$(BUILD)/k/%.o: %.asm arch/x86_64/layout.inc arch/x86_64/frame.inc arch/x86_64/fastpath_layout.inc
	@mkdir -p $(dir $@)
	@echo "  NASM    $<"
	@$(NASM) -f elf64 -g -F dwarf -i arch/x86_64/ $< -o $@

$(BUILD)/u/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC [U]  $<"
	@$(CC) $(USER_CFLAGS) -c $< -o $@

$(BUILD)/u/%.o: %.asm
	@mkdir -p $(dir $@)
	@echo "  NASM[U] $<"
	@$(NASM) -f elf64 -g -F dwarf $< -o $@

# Objects of program $(1); a function because `%' in a pattern rule's
# prerequisites would be replaced by the stem.
user_program_objs = $(patsubst %.c,$(BUILD)/u/%.o,$(wildcard services/$(1)/*.c))

$(USER_LIB): $(USER_LIB_OBJ)
	@echo "  AR [U]  $@"
	@rm -f $@
	@$(AR) rcs $@ $^

$(BUILD)/services/%.elf: $(USER_CRT0) $(USER_LIB) services/lib/user.ld $$(call user_program_objs,$$*)
	@mkdir -p $(dir $@)
	@echo "  LD [U]  $@"
	@$(LD) -nostdlib -static -z max-page-size=0x1000 -z noexecstack -T services/lib/user.ld \
		$(filter %.o,$^) $(USER_LIB) -o $@

# Test guests (images/guests/) are data inside init, which runs them.
$(BUILD)/services/init.elf: $(patsubst %.asm,$(BUILD)/u/%.o,$(wildcard images/guests/*.asm))
# The e1000 driver core (services/drivers/e1000/), tested by init.
$(BUILD)/services/init.elf: $(BUILD)/u/services/drivers/e1000/e1000.o

$(BUILD)/kernel.elf: $(KERNEL_OBJ) arch/x86_64/linker.ld
	@echo "  LD      $@"
	@$(LD) $(KERNEL_LDFLAGS) $(KERNEL_OBJ) -o $@

# The release kernel: the same objects but the system-call layer, in which
# only the root task may use the debug console (components print through
# the serial driver). Booted by the qemu-release-* scenarios.
KERNEL_RELEASE_OBJ := $(filter-out $(BUILD)/k/kernel/syscall.o,$(KERNEL_OBJ)) \
	$(BUILD)/kr/kernel/syscall.o
$(BUILD)/kr/kernel/syscall.o: kernel/syscall.c
	@mkdir -p $(dir $@)
	@echo "  CC [R]  $<"
	@$(CC) $(KERNEL_CFLAGS) -DATOLL_RELEASE=1 -c $< -o $@

$(BUILD)/release/kernel.elf: $(KERNEL_RELEASE_OBJ) arch/x86_64/linker.ld
	@mkdir -p $(dir $@)
	@echo "  LD      $@"
	@$(LD) $(KERNEL_LDFLAGS) $(KERNEL_RELEASE_OBJ) -o $@

# Rebuild the ISO when the command line changes, not only the kernel.
$(BUILD)/cmdline.txt: FORCE
	@mkdir -p $(BUILD)
	@echo '$(CMDLINE)' | cmp -s - $@ || echo '$(CMDLINE)' > $@

$(BUILD)/atoll.iso: $(BUILD)/kernel.elf $(USER_ELFS) $(BUILD)/system.spec images/mkiso.py $(BUILD)/cmdline.txt
	@echo "  ISO     $@"
	@$(PYTHON) images/mkiso.py --kernel $< --cmdline "$(CMDLINE)" \
		--module $(BUILD)/services/init.elf init --module $(BUILD)/system.spec system.spec \
		$(foreach e,$(SYSTEM_IMAGES),--module $(e) $(notdir $(e))) -o $@

# The system `make run` boots (rebuilt when SYSTEM changes).
$(BUILD)/system.toml.txt: FORCE
	@mkdir -p $(BUILD)
	@echo '$(SYSTEM)' | cmp -s - $@ || echo '$(SYSTEM)' > $@

$(BUILD)/system.spec: $(SYSTEM) $(BUILD)/system.toml.txt tools/atoll-sdc $(SYSTEM_IMAGES)
	@echo "  SDC     $@ ($(SYSTEM))"
	@$(SDC) $< -o $@

# The systems of the boot tests (ci/scenarios.py): ci/data's and the
# examples'.
$(BUILD)/ci/%.spec: ci/data/%.toml tools/atoll-sdc $(SYSTEM_IMAGES)
	@mkdir -p $(dir $@)
	@echo "  SDC     $@"
	@$(SDC) $< -o $@

$(BUILD)/examples/%.spec: examples/%.toml tools/atoll-sdc $(SYSTEM_IMAGES)
	@mkdir -p $(dir $@)
	@echo "  SDC     $@"
	@$(SDC) $< -o $@

FORCE:

# Host-built tests and fuzzers: the rules, then one fragment per suite.
include tests/host.mk
include $(filter-out tests/host.mk,$(sort $(wildcard tests/*.mk)))

# KVM only where a quick probe shows it works (shared/TESTING.md: /dev/kvm
# may exist and still hang a guest).
run: $(BUILD)/atoll.iso
	$(PYTHON) tools/run.py --iso $(BUILD)/atoll.iso

test: all host-tests fuzzers
	$(PYTHON) ci/runtests.py

bench: all
	$(PYTHON) bench/run.py

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

check-format:
	clang-format --dry-run -Werror $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD)

-include $(KERNEL_OBJ:.o=.d) $(BUILD)/kr/kernel/syscall.d $(USER_LIB_OBJ:.o=.d) $(wildcard $(BUILD)/u/services/*/*.d) \
	$(wildcard $(BUILD)/u/services/drivers/*/*.d)
