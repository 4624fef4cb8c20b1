# bpf/bpf.mk: the eBPF warm-up tracer build/bin/jolt-warmup, included by the Makefile.
#
# Built only where clang, bpftool, libbpf's headers and the kernel's BTF are present; elsewhere
# `make` builds build/bin/jolt alone and `make warmup` says what is missing. As libbpf-bootstrap
# does: vmlinux.h from the running kernel's BTF, the BPF object by clang -target bpf, a skeleton
# by `bpftool gen skeleton`, all under build/bpf/.
BPF_CLANG ?= clang
BPFTOOL   ?= $(firstword $(shell command -v bpftool 2>/dev/null) $(wildcard /usr/sbin/bpftool /sbin/bpftool))
BPF_BTF   ?= /sys/kernel/btf/vmlinux
BPF_ARCH  := x86
BPF_OUT   := $(B)/bpf
WU_SRC    := tools/jolt-warmup.c tools/warmup/ranges.c tools/warmup/report.c tools/warmup/steady.c
WU_OBJ    := $(WU_SRC:%.c=$(B)/%.o)
WU_LIBS   := -lbpf -lelf -lz -lm

# What is missing for the tracer, empty when everything is there.
BPF_MISSING := $(strip \
  $(if $(shell command -v $(BPF_CLANG) 2>/dev/null),,$(BPF_CLANG)) \
  $(if $(BPFTOOL),,bpftool) \
  $(if $(wildcard /usr/include/bpf/libbpf.h /usr/local/include/bpf/libbpf.h),,libbpf-dev) \
  $(if $(wildcard /usr/include/libelf.h),,libelf-dev) \
  $(if $(wildcard $(BPF_BTF)),,$(BPF_BTF)))

.PHONY: warmup
ifeq ($(BPF_MISSING),)
all: $(B)/bin/jolt-warmup
warmup: $(B)/bin/jolt-warmup

$(BPF_OUT)/vmlinux.h:
	@mkdir -p $(@D)
	@$(if $(V),,echo "  GEN     $@";)
	$(Q)$(BPFTOOL) btf dump file $(BPF_BTF) format c > $@

$(BPF_OUT)/warmup.bpf.o: bpf/warmup.bpf.c bpf/warmup.h $(BPF_OUT)/vmlinux.h
	@$(if $(V),,echo "  BPF     $<";)
	$(Q)$(BPF_CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$(BPF_ARCH) -I$(BPF_OUT) -Ibpf \
	  -I/usr/include/$(shell uname -m)-linux-gnu -Wall -c $< -o $@

$(BPF_OUT)/warmup.skel.h: $(BPF_OUT)/warmup.bpf.o
	@$(if $(V),,echo "  SKEL    $@";)
	$(Q)$(BPFTOOL) gen skeleton $< name warmup_bpf > $@

$(B)/tools/%.o: tools/%.c $(BPF_OUT)/warmup.skel.h
	@mkdir -p $(@D)
	@$(if $(V),,echo "  CC      $<";)
	$(Q)$(CC) $(CFLAGS) $(WFLAGS) -I$(BPF_OUT) -Ibpf -Itools/warmup -c -o $@ $<

$(B)/bin/jolt-warmup: $(WU_OBJ)
	@mkdir -p $(@D)
	@$(if $(V),,echo "  LD      $@";)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(WU_LIBS)

-include $(WU_OBJ:.o=.d)
else
warmup:
	@echo "jolt-warmup not built: missing $(BPF_MISSING) (see tools/install-deps.sh)" >&2
	@exit 1
endif
