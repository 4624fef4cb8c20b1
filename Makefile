# jolt: one plain GNU Makefile. Everything is built under build/. Quiet unless V=1.
#
#   make              build/bin/jolt
#   make test         install deps, build jolt + asan (+ fuzz with clang), run tests/run.sh
#   make bench        build jolt + noprof, run tests/bench/run.sh
#   make bench-loader jolt-load against dd O_DIRECT, read(), mmap (tests/bench/loader.sh)
#   make bench-warmup the warm-up benchmark, results in docs/results/ (QUICK=1: a 2-minute subset)
#   make demo         install deps, build, seed a snapshot, run cold vs jump-started (tools/demo.sh)
#   make install      PREFIX=/usr/local DESTDIR=: bin/jolt{,-load,-snap} and share/doc/jolt/
#   make asan noprof stress fuzz     the variants, each in build/<variant>/
CC      ?= cc
CFLAGS  ?= -O2 -g
WFLAGS  := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter -fvisibility=hidden -MMD -MP
LDLIBS  += -lm -ldl -lz
B       := build
.DEFAULT_GOAL := all
Q       := $(if $(V),,@)
PREFIX  ?= /usr/local
FUZZ_CC ?= clang

RT_SRC  := $(wildcard runtime/*.c)
RT_OBJ  := $(RT_SRC:%.c=$(B)/%.o)
RT_HDR  := $(wildcard runtime/*.h runtime/*.inc)

# The build id ties a snapshot's machine code to the runtime that wrote it: a hash of the
# runtime's sources, the compiler and the flags. Only snap_file.c uses it, so only it rebuilds.
BUILD_ID := $(shell { cat $(sort $(RT_SRC) $(RT_HDR)); $(CC) --version 2>/dev/null | head -1; \
              echo '$(CFLAGS)'; } | sha256sum | cut -c1-32)
SNAP_ID_CFLAGS = -DJOLT_BUILD_ID='"$(BUILD_ID)"'
$(B)/runtime/snap_file.o $(foreach v,asan noprof stress fuzz,$(B)/$(v)/runtime/snap_file.o): $(RT_SRC) $(RT_HDR)
$(B)/runtime/snap_file.o: WFLAGS += $(SNAP_ID_CFLAGS)
DOCS    := README.md $(wildcard docs/*.md)

# Variants: the same sources with extra flags, each built in its own directory.
asan_CFLAGS   := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
noprof_CFLAGS := -DJOLT_PROFILE=0
stress_CFLAGS := -DJOLT_GC_STRESS
fuzz_CFLAGS   := -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
VARIANTS      := asan noprof stress

.DELETE_ON_ERROR:
.PHONY: all test bench bench-loader bench-warmup demo install clean deps $(VARIANTS) fuzz unit
all: $(B)/bin/jolt $(B)/bin/jolt-load $(B)/bin/jolt-snap

# C unit tests (tests/unit/*.c, kselftest style): each links the runtime without its main().
UNIT_SRC := $(wildcard tests/unit/*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/unit/%)
RT_LIB_OBJ := $(filter-out $(B)/runtime/jolt.o,$(RT_OBJ))
unit: $(UNIT_BIN)
$(B)/unit/%: tests/unit/%.c $(RT_LIB_OBJ)
	@mkdir -p $(@D)
	@$(if $(V),,echo "  CC      $<";)
	$(Q)$(CC) $(CFLAGS) $(WFLAGS) -Iruntime -o $@ $< $(RT_LIB_OBJ) $(LDLIBS)
-include $(UNIT_BIN:=.d)

$(B)/bin/jolt: $(RT_OBJ)
	@mkdir -p $(@D)
	@$(if $(V),,echo "  LD      $@";)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# jolt-load: the loader's steps (loader/) on the runtime without jolt's main().
LOAD_OBJ := $(patsubst %.c,$(B)/%.o,$(wildcard loader/*.c))
LOAD_LIBS := -luring -lnuma -lpthread
$(B)/bin/jolt-load: $(LOAD_OBJ) $(RT_LIB_OBJ)
	@mkdir -p $(@D)
	@$(if $(V),,echo "  LD      $@";)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS) $(LOAD_LIBS)
$(B)/loader/%.o: WFLAGS += -Iruntime
-include $(LOAD_OBJ:.o=.d)

# jolt-snap: the snapshot tool (tools/jolt_snap.c, tools/snap_*.c) on the runtime, as jolt-load.
# A static pattern rule, so that bpf/bpf.mk's rule for the tracer's tools/ objects stays theirs.
SNAPT_OBJ := $(patsubst %.c,$(B)/%.o,tools/jolt_snap.c $(wildcard tools/snap_*.c))
$(B)/bin/jolt-snap: $(SNAPT_OBJ) $(RT_LIB_OBJ)
	@mkdir -p $(@D)
	@$(if $(V),,echo "  LD      $@";)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)
$(SNAPT_OBJ): $(B)/tools/%.o: tools/%.c
	@mkdir -p $(@D)
	@$(if $(V),,echo "  CC      $<";)
	$(Q)$(CC) $(CFLAGS) $(WFLAGS) -Iruntime -c -o $@ $<
-include $(SNAPT_OBJ:.o=.d)

# jolt-bench: the warm-up benchmark's driver (make bench-warmup), with the tracer's steady-state
# rule (tools/warmup/steady.c); no BPF in it, so it builds everywhere.
BENCHT_OBJ := $(patsubst tools/%.c,$(B)/benchtool/%.o,tools/jolt_bench.c tools/bench_report.c tools/warmup/steady.c)
all: $(B)/bin/jolt-bench
$(B)/bin/jolt-bench: $(BENCHT_OBJ)
	@mkdir -p $(@D)
	@$(if $(V),,echo "  LD      $@";)
	$(Q)$(CC) $(CFLAGS) -o $@ $^ -lm
$(BENCHT_OBJ): $(B)/benchtool/%.o: tools/%.c
	@mkdir -p $(@D)
	@$(if $(V),,echo "  CC      $<";)
	$(Q)$(CC) $(CFLAGS) $(WFLAGS) -Ibpf -Itools -c -o $@ $<
-include $(BENCHT_OBJ:.o=.d)

$(B)/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(V),,echo "  CC      $<";)
	$(Q)$(CC) $(CFLAGS) $(WFLAGS) -c -o $@ $<

# One variant $(1): objects under build/$(1)/ and build/$(1)/bin/jolt.
define variant
$(1): $(B)/$(1)/bin/jolt
$(B)/$(1)/bin/jolt: $(RT_SRC:%.c=$(B)/$(1)/%.o)
	@mkdir -p $$(@D)
	@$$(if $(V),,echo "  LD      $$@";)
	$(Q)$(CC) $(CFLAGS) $($(1)_CFLAGS) -o $$@ $$^ $(LDLIBS)
$(B)/$(1)/%.o: %.c
	@mkdir -p $$(@D)
	@$$(if $(V),,echo "  CC      $$< [$(1)]";)
	$(Q)$(CC) $(CFLAGS) $(WFLAGS) $($(1)_CFLAGS) $$(if $$(findstring snap_file,$$<),$(SNAP_ID_CFLAGS) -DJOLT_VARIANT='"$(1)"') -c -o $$@ $$<
-include $(RT_SRC:%.c=$(B)/$(1)/%.d)
endef
$(foreach v,$(VARIANTS),$(eval $(call variant,$(v))))

# jolt-load under the sanitizers too, so that tests can feed it broken snapshots: the loader on
# the asan runtime objects without jolt's main(). Its objects have their own rule (the shorter
# stem wins) because the variant's recipe is fixed at eval time and cannot take -Iruntime.
ASAN_LOAD_OBJ := $(patsubst %.c,$(B)/asan/%.o,$(wildcard loader/*.c))
asan: $(B)/asan/bin/jolt-load
$(B)/asan/bin/jolt-load: $(ASAN_LOAD_OBJ) $(filter-out $(B)/asan/runtime/jolt.o,$(RT_SRC:%.c=$(B)/asan/%.o))
	@mkdir -p $(@D)
	@$(if $(V),,echo "  LD      $@";)
	$(Q)$(CC) $(CFLAGS) $(asan_CFLAGS) -o $@ $^ $(LDLIBS) $(LOAD_LIBS)
$(B)/asan/loader/%.o: loader/%.c
	@mkdir -p $(@D)
	@$(if $(V),,echo "  CC      $< [asan]";)
	$(Q)$(CC) $(CFLAGS) $(WFLAGS) $(asan_CFLAGS) -Iruntime -c -o $@ $<
-include $(ASAN_LOAD_OBJ:.o=.d)

# libFuzzer target: the runtime without runtime/jolt.c (it holds main()), always built by clang.
FUZZ_OBJ := $(patsubst %.c,$(B)/fuzz/%.o,$(filter-out runtime/jolt.c,$(RT_SRC)) tests/fuzz/fuzz_parse.c)
FUZZ_UNDUMP_OBJ := $(patsubst %.c,$(B)/fuzz/%.o,$(filter-out runtime/jolt.c,$(RT_SRC)) tests/fuzz/fuzz_undump.c)
FUZZ_SNAP_OBJ := $(patsubst %.c,$(B)/fuzz/%.o,$(filter-out runtime/jolt.c,$(RT_SRC)) tests/fuzz/fuzz_snap.c)
fuzz: $(B)/fuzz/fuzz_parse $(B)/fuzz/fuzz_undump $(B)/fuzz/fuzz_snap
$(B)/fuzz/fuzz_snap: $(FUZZ_SNAP_OBJ)
	@mkdir -p $(@D)
	@$(if $(V),,echo "  LD      $@";)
	$(Q)$(FUZZ_CC) $(subst fuzzer-no-link,fuzzer,$(fuzz_CFLAGS)) -o $@ $^ $(LDLIBS)
$(B)/fuzz/fuzz_undump: $(FUZZ_UNDUMP_OBJ)
	@mkdir -p $(@D)
	@$(if $(V),,echo "  LD      $@";)
	$(Q)$(FUZZ_CC) $(subst fuzzer-no-link,fuzzer,$(fuzz_CFLAGS)) -o $@ $^ $(LDLIBS)
$(B)/fuzz/fuzz_parse: $(FUZZ_OBJ)
	@mkdir -p $(@D)
	@$(if $(V),,echo "  LD      $@";)
	$(Q)$(FUZZ_CC) $(subst fuzzer-no-link,fuzzer,$(fuzz_CFLAGS)) -o $@ $^ $(LDLIBS)
$(B)/fuzz/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(V),,echo "  CC      $< [fuzz]";)
	$(Q)$(FUZZ_CC) $(WFLAGS) $(fuzz_CFLAGS) -Iruntime -c -o $@ $<

deps:
	$(Q)sh tools/install-deps.sh

# The fuzz target needs clang with libFuzzer; without it tests/run.sh reports a skip.
HAVE_FUZZ_CC = $(shell command -v $(FUZZ_CC) >/dev/null 2>&1 && echo fuzz)
test: deps
	$(Q)$(MAKE) --no-print-directory $(if $(V),,-s) all unit asan stress $(HAVE_FUZZ_CC)
	$(Q)tests/run.sh

bench: all noprof
	$(Q)tests/bench/run.sh

# The loader against the device and memory limits (tests/bench/loader.sh).
$(B)/bench/loadpeer: tests/bench/loadpeer.c
	@mkdir -p $(@D)
	@$(if $(V),,echo "  CC      $<";)
	$(Q)$(CC) $(CFLAGS) $(WFLAGS) -o $@ $<
bench-loader: all $(B)/bench/loadpeer
	$(Q)tests/bench/loader.sh

# The warm-up benchmark (docs/results.md): QUICK=1 for one start of 300 requests per process.
bench-warmup: all
	$(Q)$(B)/bin/jolt-bench $(if $(QUICK),--starts=1 --requests=300 --out=$(B)/bench/results-quick) $(BENCH_ARGS)

demo: deps
	$(Q)$(MAKE) --no-print-directory $(if $(V),,-s) all
	$(Q)tools/demo.sh

install: all
	@$(if $(V),,echo "  INSTALL $(DESTDIR)$(PREFIX)/bin/jolt jolt-load jolt-snap $(DESTDIR)$(PREFIX)/share/doc/jolt/";)
	$(Q)install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/doc/jolt
	$(Q)install -m 755 $(B)/bin/jolt $(B)/bin/jolt-load $(B)/bin/jolt-snap $(DESTDIR)$(PREFIX)/bin/
	$(Q)install -m 644 $(DOCS) $(DESTDIR)$(PREFIX)/share/doc/jolt/

clean:
	$(Q)rm -rf $(B)

-include $(RT_OBJ:.o=.d) $(FUZZ_OBJ:.o=.d) $(FUZZ_UNDUMP_OBJ:.o=.d) $(FUZZ_SNAP_OBJ:.o=.d)

# The eBPF warm-up tracer (built only where clang, bpftool and libbpf are present).
-include bpf/bpf.mk
