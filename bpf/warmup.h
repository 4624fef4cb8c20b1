/* warmup.h: what bpf/warmup.bpf.c and tools/jolt-warmup.c share: events, counters, classes.
 *
 * Invariants:
 * - Only fixed-size integer types (the BPF side has no libc): __u64 and friends come from
 *   vmlinux.h there and from <linux/types.h> in user space.
 * - Layouts are shared by both compilers: every struct is naturally aligned, no padding holes.
 * - The sample buckets are an array indexed bucket * WU_NCLASS + class; a bucket is WU_BUCKET_NS.
 * - The ranges map holds two sets of WU_NRANGES entries; the tool fills the inactive one, then
 *   switches to it with one store of range_sel (see WU_RANGE_SEL), so a sample never sees a
 *   half-written set.
 * - Deopt reasons are runtime/jit.h's JR_* numbers (docs/probes.md); reasons at or above
 *   WU_NREASONS - 1 are counted in the last slot.
 */
#ifndef JOLT_WARMUP_H
#define JOLT_WARMUP_H

#define WU_LABEL_LEN   48           /* jolt.mark labels are cut to this (with the NUL) */
#define WU_NRANGES     512          /* address ranges the tool may publish */
#define WU_NBUCKETS    6000         /* 100 ms buckets: ten minutes of samples */
#define WU_BUCKET_NS   100000000ULL
#define WU_KERNEL_MIN  0xffff800000000000ULL   /* x86-64: the kernel half of the address space */
#define WU_NREASONS    16           /* deopt reasons counted (JR_* of runtime/jit.h, 11 today) */

/* range_sel: which set of the ranges map is live (0 or 1) and how many ranges it holds. */
#define WU_RANGE_SEL(set, n)  (((__u64)(set) << 32) | (__u32)(n))

/* Classes of a CPU sample, in the order the tool prints them. */
enum wu_class {
  WU_INTERP,      /* vm_execute: the bytecode interpreter */
  WU_GC,          /* functions of runtime/gc.c */
  WU_RUNTIME,     /* the rest of the jolt binary's text */
  WU_JIT,         /* generated code (the JIT code region) */
  WU_KERNEL,      /* the sample hit kernel mode */
  WU_OTHER,       /* user code outside the binary: libc, the dynamic loader, ... */
  WU_NCLASS
};

enum wu_event_type {
  WU_EV_START = 1, WU_EV_EXIT, WU_EV_MARK, WU_EV_GC, WU_EV_STABLE,
  WU_EV_COMPILE_BEGIN, WU_EV_COMPILE_END, WU_EV_LOAD
};

/* One ring-buffer record. For WU_EV_GC: a = kind (JOLT_GC_*), b = bytes freed (signed),
 * c = heap bytes after, dur_ns = time from gc_begin. For WU_EV_STABLE: a = function id,
 * b = its calls so far. For WU_EV_COMPILE_BEGIN: a = function id, label = its name. For
 * WU_EV_COMPILE_END: a = function id, b = machine code bytes (0: failed), dur_ns = time from
 * compile_begin (0: its begin was not seen). For WU_EV_LOAD (a jump-start phase ended,
 * jolt:load_phase): a = nanoseconds since jolt-load started, label = the phase's name. */
struct wu_event {
  __u64 ts_ns;                      /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
  __u32 pid;                        /* tgid */
  __u32 type;                       /* enum wu_event_type */
  __u64 a, b, c;
  __u64 dur_ns;
  char label[WU_LABEL_LEN];
};

/* Per-process counters, hash map "counters" keyed by tgid (readable with bpftool). */
struct wu_counters {
  __u64 marks;
  __u64 fn_stable;                  /* profiling windows closed (jolt:fn_stable) */
  __u64 gc_steps, gc_full;          /* finished collections by kind (emergency counts as full) */
  __u64 gc_ns;                      /* total time between gc_begin and gc_end */
  __u64 gc_begin_ns;                /* pending gc_begin (0: none) */
  __u64 gc_kind;                    /* kind of the pending gc_begin */
  __u64 samples[WU_NCLASS];
  __u64 ev_dropped;                 /* ring buffer full */
  __u64 compiles;                   /* compilations that produced code (jolt:compile_end) */
  __u64 compile_failed;             /* compilations that ended with 0 bytes */
  __u64 compile_ns;                 /* total time between compile_begin and compile_end */
  __u64 code_bytes;                 /* machine code bytes of the successful compilations */
  __u64 compile_begin_ns;           /* pending compile_begin (0: none) */
  __u64 first_code_ns;              /* ktime of the first successful compile_end (0: none) */
  __u64 deopts;                     /* jolt:deopt, all reasons */
  __u64 deopt_reasons[WU_NREASONS];
};

/* An address range [lo, hi) of class cls, in the traced process's address space. */
struct wu_addr_range {
  __u64 lo, hi;
  __u64 cls;
};

#endif
