/* warmup.bpf.c: the kernel half of jolt-warmup: USDT probes to events, CPU samples to classes.
 *
 * The USDT programs (attached to runtime/probe.h's probes of one process) keep per-process
 * counters in the hash map "counters" and stream marks, full collections, functions whose
 * profile became stable, compilations, start and exit through the ring buffer "events";
 * deopts are only counted (by reason, and per 100 ms bucket in "deopt_buckets"): a program
 * may take millions. The perf_event program runs on every CPU-clock sample of the traced
 * process, classifies the interrupted instruction by the sorted, disjoint address ranges the
 * tool wrote into "ranges" (the binary's text from its symbols, the JIT code region from
 * /proc/PID/maps, refreshed while the process runs), and counts it in "samples" per 100 ms
 * bucket.
 *
 * Invariants:
 * - The live set of ranges (range_sel: set s, count n) is ranges[s * WU_NRANGES, + n), sorted
 *   by lo and disjoint; an address in no range is WU_OTHER. The tool only writes the other set.
 * - t0_ns is written by the tool once, before the traced process runs; samples before it are
 *   ignored, samples later than the last bucket go into the last bucket.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/usdt.bpf.h>
#include "warmup.h"

#define JOLT_GC_STEP 0    /* runtime/probe.h */

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Knob set by the tool before load: also stream incremental GC steps (costly: they are many). */
const volatile bool gc_step_events = false;

/* Written by the tool after load through the mmapped .bss. */
__u64 t0_ns;
__u64 range_sel;      /* WU_RANGE_SEL(set, n) */

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 2 * WU_NRANGES);
  __type(key, __u32);
  __type(value, struct wu_addr_range);
} ranges SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, WU_NBUCKETS * WU_NCLASS);
  __type(key, __u32);
  __type(value, __u64);
} samples SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, WU_NBUCKETS);
  __type(key, __u32);
  __type(value, __u64);
} deopt_buckets SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 256);
  __type(key, __u32);
  __type(value, struct wu_counters);
} counters SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 4 << 20);
} events SEC(".maps");

static __always_inline __u32 current_tgid(void)
{
  return (__u32)(bpf_get_current_pid_tgid() >> 32);
}

/* The counters of process pid, created on first use. */
static __always_inline struct wu_counters *counters_of(__u32 pid)
{
  struct wu_counters *c = bpf_map_lookup_elem(&counters, &pid);
  if (c)
    return c;
  struct wu_counters zero = {};
  bpf_map_update_elem(&counters, &pid, &zero, BPF_NOEXIST);
  return bpf_map_lookup_elem(&counters, &pid);
}

/* A zeroed ring-buffer record of type `type`, or NULL (counted) when the buffer is full. */
static __always_inline struct wu_event *new_event(struct wu_counters *c, __u32 type)
{
  struct wu_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
  if (!e) {
    __sync_fetch_and_add(&c->ev_dropped, 1);
    return NULL;
  }
  __builtin_memset(e, 0, sizeof(*e));
  e->ts_ns = bpf_ktime_get_ns();
  e->pid = current_tgid();
  e->type = type;
  return e;
}

static __always_inline int simple_event(__u32 type)
{
  struct wu_counters *c = counters_of(current_tgid());
  if (!c)
    return 0;
  struct wu_event *e = new_event(c, type);
  if (e)
    bpf_ringbuf_submit(e, 0);
  return 0;
}

SEC("usdt")
int BPF_USDT(on_start)
{
  return simple_event(WU_EV_START);
}

SEC("usdt")
int BPF_USDT(on_exit)
{
  return simple_event(WU_EV_EXIT);
}

SEC("usdt")
int BPF_USDT(on_mark, const char *label)
{
  struct wu_counters *c = counters_of(current_tgid());
  if (!c)
    return 0;
  __sync_fetch_and_add(&c->marks, 1);
  struct wu_event *e = new_event(c, WU_EV_MARK);
  if (!e)
    return 0;
  bpf_probe_read_user_str(e->label, sizeof(e->label), label);
  bpf_ringbuf_submit(e, 0);
  return 0;
}

SEC("usdt")
int BPF_USDT(on_load_phase, const char *name, __u64 ns)
{
  struct wu_counters *c = counters_of(current_tgid());
  if (!c)
    return 0;
  struct wu_event *e = new_event(c, WU_EV_LOAD);
  if (!e)
    return 0;
  e->a = ns;
  bpf_probe_read_user_str(e->label, sizeof(e->label), name);
  bpf_ringbuf_submit(e, 0);
  return 0;
}

SEC("usdt")
int BPF_USDT(on_fn_stable, __u64 fid, __u64 calls)
{
  struct wu_counters *c = counters_of(current_tgid());
  if (!c)
    return 0;
  __sync_fetch_and_add(&c->fn_stable, 1);
  struct wu_event *e = new_event(c, WU_EV_STABLE);
  if (!e)
    return 0;
  e->a = fid;
  e->b = calls;
  bpf_ringbuf_submit(e, 0);
  return 0;
}

static __always_inline int gc_begin(int kind)
{
  struct wu_counters *c = counters_of(current_tgid());
  if (!c)
    return 0;
  c->gc_kind = (__u64)kind;
  c->gc_begin_ns = bpf_ktime_get_ns();
  return 0;
}

static __always_inline int gc_end(long long freed, unsigned long long heap)
{
  struct wu_counters *c = counters_of(current_tgid());
  if (!c || !c->gc_begin_ns)
    return 0;     /* attached between a begin and its end */
  __u64 now = bpf_ktime_get_ns();
  __u64 dur = now - c->gc_begin_ns;
  __u64 kind = c->gc_kind;
  c->gc_begin_ns = 0;
  c->gc_ns += dur;
  if (kind == JOLT_GC_STEP)
    c->gc_steps++;
  else
    c->gc_full++;
  if (kind == JOLT_GC_STEP && !gc_step_events)
    return 0;
  struct wu_event *e = new_event(c, WU_EV_GC);
  if (!e)
    return 0;
  e->a = kind;
  e->b = (__u64)freed;
  e->c = heap;
  e->dur_ns = dur;
  bpf_ringbuf_submit(e, 0);
  return 0;
}

/* Full collections (jolt:gc_begin/gc_end since the step probes got their own names). */
SEC("usdt")
int BPF_USDT(on_gc_begin, int kind)
{
  return gc_begin(kind);
}

SEC("usdt")
int BPF_USDT(on_gc_end, long long freed, unsigned long long heap)
{
  return gc_end(freed, heap);
}

/* Each incremental step: attached only with --gc-steps (a trap per step). */
SEC("usdt")
int BPF_USDT(on_gc_step_begin, int kind)
{
  return gc_begin(kind);
}

SEC("usdt")
int BPF_USDT(on_gc_step_end, long long freed, unsigned long long heap)
{
  return gc_end(freed, heap);
}

/* Steps in batches (jolt:gc_steps): counts and time at one trap per 64 steps. */
SEC("usdt")
int BPF_USDT(on_gc_steps, __u64 n, __u64 ns, __u64 heap)
{
  struct wu_counters *c = counters_of(current_tgid());
  if (!c)
    return 0;
  c->gc_steps += n;
  c->gc_ns += ns;
  return 0;
}

/* The 100 ms bucket of now, or -1 before t0. */
static __always_inline long bucket_now(void)
{
  __u64 t0 = t0_ns;
  if (!t0)
    return -1;
  __u64 bucket = (bpf_ktime_get_ns() - t0) / WU_BUCKET_NS;
  return bucket >= WU_NBUCKETS ? WU_NBUCKETS - 1 : (long)bucket;
}

SEC("usdt")
int BPF_USDT(on_compile_begin, __u64 fid, const char *name)
{
  struct wu_counters *c = counters_of(current_tgid());
  if (!c)
    return 0;
  c->compile_begin_ns = bpf_ktime_get_ns();
  struct wu_event *e = new_event(c, WU_EV_COMPILE_BEGIN);
  if (!e)
    return 0;
  e->a = fid;
  bpf_probe_read_user_str(e->label, sizeof(e->label), name);
  bpf_ringbuf_submit(e, 0);
  return 0;
}

SEC("usdt")
int BPF_USDT(on_compile_end, __u64 fid, __u64 bytes)
{
  struct wu_counters *c = counters_of(current_tgid());
  if (!c)
    return 0;
  __u64 now = bpf_ktime_get_ns();
  __u64 dur = c->compile_begin_ns ? now - c->compile_begin_ns : 0;
  c->compile_begin_ns = 0;
  c->compile_ns += dur;
  if (bytes) {
    c->compiles++;
    c->code_bytes += bytes;
    if (!c->first_code_ns)
      c->first_code_ns = now;
  } else {
    c->compile_failed++;
  }
  struct wu_event *e = new_event(c, WU_EV_COMPILE_END);
  if (!e)
    return 0;
  e->a = fid;
  e->b = bytes;
  e->dur_ns = dur;
  bpf_ringbuf_submit(e, 0);
  return 0;
}

SEC("usdt")
int BPF_USDT(on_deopt, __u64 fid, int pc, int reason)
{
  struct wu_counters *c = counters_of(current_tgid());
  if (!c)
    return 0;
  __u32 r = (__u32)reason;    /* a negative reason becomes huge: "other" too */
  if (r >= WU_NREASONS)
    r = WU_NREASONS - 1;
  r &= WU_NREASONS - 1;       /* the same, in a form the verifier can bound */
  __sync_fetch_and_add(&c->deopts, 1);
  __sync_fetch_and_add(&c->deopt_reasons[r], 1);
  long b = bucket_now();
  if (b >= 0) {
    __u32 key = (__u32)b;
    __u64 *n = bpf_map_lookup_elem(&deopt_buckets, &key);
    if (n)
      __sync_fetch_and_add(n, 1);
  }
  return 0;
}

/* The class of instruction address ip: binary search of the live set of ranges. */
static __always_inline __u32 classify(__u64 ip)
{
  if (ip >= WU_KERNEL_MIN)
    return WU_KERNEL;
  __u64 sel = range_sel;
  __u32 base = (sel >> 32) ? WU_NRANGES : 0;
  __u32 lo = 0, hi = (__u32)sel;
  if (hi > WU_NRANGES)
    hi = WU_NRANGES;
  for (int i = 0; i < 10 && lo < hi; i++) {     /* 2^10 > WU_NRANGES */
    __u32 mid = lo + (hi - lo) / 2;
    __u32 key = base + mid;
    struct wu_addr_range *r = bpf_map_lookup_elem(&ranges, &key);
    if (!r)
      break;
    if (ip < r->lo)
      hi = mid;
    else if (ip >= r->hi)
      lo = mid + 1;
    else
      return r->cls < WU_NCLASS ? (__u32)r->cls : WU_OTHER;
  }
  return WU_OTHER;
}

SEC("perf_event")
int on_sample(struct bpf_perf_event_data *ctx)
{
  long bucket = bucket_now();
  if (bucket < 0)
    return 0;
  __u32 cls = classify(PT_REGS_IP(&ctx->regs));
  __u32 key = (__u32)bucket * WU_NCLASS + cls;
  __u64 *n = bpf_map_lookup_elem(&samples, &key);
  if (n)
    __sync_fetch_and_add(n, 1);
  struct wu_counters *c = counters_of(current_tgid());
  if (c && cls < WU_NCLASS)
    __sync_fetch_and_add(&c->samples[cls], 1);
  return 0;
}
