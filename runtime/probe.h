/* probe.h: USDT probes (provider "jolt") that tracers such as tools/jolt-warmup attach to.
 *
 * Each probe is a nop in the code plus an ELF note (.note.stapsdt) naming its arguments; a
 * tracer turns the nop into a trap. Every probe is guarded by its semaphore (a counter the
 * kernel raises while a tracer is attached), so with nothing attached a probe costs one load
 * and a not-taken branch, and its arguments are not even computed.
 *
 * Invariants:
 * - Probe names, argument order and types are an interface: docs/probes.md lists them and
 *   bpf/warmup.bpf.c reads them; change all three together.
 * - A probe argument is an integer or a pointer (a label is a NUL-terminated C string that
 *   lives at least until the probe returns).
 * - Without <sys/sdt.h> or with JOLT_PROBES=0 every macro compiles to nothing.
 */
#ifndef JOLT_PROBE_H
#define JOLT_PROBE_H

#ifndef JOLT_PROBES
#if defined(__has_include)
#if __has_include(<sys/sdt.h>)
#define JOLT_PROBES 1
#endif
#endif
#endif
#ifndef JOLT_PROBES
#define JOLT_PROBES 0
#endif

/* gc_begin's kind argument. */
#define JOLT_GC_STEP       0   /* one incremental step */
#define JOLT_GC_FULL       1   /* a full collection (collectgarbage(), or the runtime's own) */
#define JOLT_GC_EMERGENCY  2   /* a full collection after an allocation failed */

#if JOLT_PROBES
#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>

/* One semaphore per probe; weak, so that every file including this header may define it and
 * the linker keeps one. The kernel writes it, hence volatile. */
#define JOLT_SEMAPHORE(name) \
  __attribute__((weak, section(".probes"))) volatile unsigned short jolt_##name##_semaphore

JOLT_SEMAPHORE(start);
JOLT_SEMAPHORE(exit);
JOLT_SEMAPHORE(mark);
JOLT_SEMAPHORE(gc_begin);
JOLT_SEMAPHORE(gc_end);
JOLT_SEMAPHORE(gc_step_begin);
JOLT_SEMAPHORE(gc_step_end);
JOLT_SEMAPHORE(gc_steps);
JOLT_SEMAPHORE(fn_stable);
JOLT_SEMAPHORE(compile_begin);
JOLT_SEMAPHORE(compile_end);
JOLT_SEMAPHORE(deopt);
JOLT_SEMAPHORE(tier);
JOLT_SEMAPHORE(snapshot);
JOLT_SEMAPHORE(snap_bind);
JOLT_SEMAPHORE(load_phase);

/* True while some tracer is attached to probe `name`. */
#define JOLT_PROBE_ENABLED(name) __builtin_expect(jolt_##name##_semaphore != 0, 0)
#define JOLT_PROBE_0(name) \
  do { if (JOLT_PROBE_ENABLED(name)) STAP_PROBE(jolt, name); } while (0)
#define JOLT_PROBE_1(name, a) \
  do { if (JOLT_PROBE_ENABLED(name)) STAP_PROBE1(jolt, name, a); } while (0)
#define JOLT_PROBE_2(name, a, b) \
  do { if (JOLT_PROBE_ENABLED(name)) STAP_PROBE2(jolt, name, a, b); } while (0)
#define JOLT_PROBE_3(name, a, b, c) \
  do { if (JOLT_PROBE_ENABLED(name)) STAP_PROBE3(jolt, name, a, b, c); } while (0)
#else
/* sizeof keeps the arguments "used" (no warnings at call sites) without evaluating them. */
#define JOLT_PROBE_ENABLED(name) 0
#define JOLT_PROBE_0(name) ((void)0)
#define JOLT_PROBE_1(name, a) ((void)sizeof(a))
#define JOLT_PROBE_2(name, a, b) ((void)sizeof(a), (void)sizeof(b))
#define JOLT_PROBE_3(name, a, b, c) ((void)sizeof(a), (void)sizeof(b), (void)sizeof(c))
#endif

/* The runtime's state was created (state_new) / is being closed (state_close). */
#define JOLT_PROBE_START()                JOLT_PROBE_0(start)
#define JOLT_PROBE_EXIT()                 JOLT_PROBE_0(exit)
/* jolt.mark(label) from Lua: the end of an iteration or request. label: const char *. */
#define JOLT_PROBE_MARK(label)            JOLT_PROBE_1(mark, (const char *)(label))
/* A collection or step begins (kind: JOLT_GC_*) / ends (bytes freed, heap bytes after). */
#define JOLT_PROBE_GC_BEGIN(kind)         JOLT_PROBE_1(gc_begin, (int)(kind))
#define JOLT_PROBE_GC_END(freed, heap) \
  JOLT_PROBE_2(gc_end, (long long)(freed), (unsigned long long)(heap))
/* The same around each incremental step (kind JOLT_GC_STEP): a trap per step when traced, and
 * an allocating program makes thousands a second, so tracers prefer gc_steps. */
#define JOLT_PROBE_GC_STEP_BEGIN(kind)    JOLT_PROBE_1(gc_step_begin, (int)(kind))
#define JOLT_PROBE_GC_STEP_END(freed, heap) \
  JOLT_PROBE_2(gc_step_end, (long long)(freed), (unsigned long long)(heap))
/* Incremental steps in batches: (steps, nanoseconds in them, heap bytes after the last), every
 * JOLT_GC_STEP_BATCH steps and before each full collection and at exit. */
#define JOLT_PROBE_GC_STEPS(n, ns, heap) \
  JOLT_PROBE_3(gc_steps, (unsigned long long)(n), (unsigned long long)(ns), (unsigned long long)(heap))
#define JOLT_GC_STEP_BATCH 64
/* A function's profile window closed: it stopped changing (function id, calls so far). */
#define JOLT_PROBE_FN_STABLE(fid, calls) \
  JOLT_PROBE_2(fn_stable, (unsigned long long)(fid), (unsigned long long)(calls))
/* JIT (not fired yet): compilation of function fid (name: const char *) begins / ends with
 * `bytes` bytes of machine code (0: failed); a deopt at bytecode pc for reason (an enum the
 * JIT defines); fid moves to tier `tier` (0 interpreter, 1 baseline, 2 optimized). */
#define JOLT_PROBE_COMPILE_BEGIN(fid, name) \
  JOLT_PROBE_2(compile_begin, (unsigned long long)(fid), (const char *)(name))
#define JOLT_PROBE_COMPILE_END(fid, bytes) \
  JOLT_PROBE_2(compile_end, (unsigned long long)(fid), (unsigned long long)(bytes))
#define JOLT_PROBE_DEOPT(fid, pc, reason) \
  JOLT_PROBE_3(deopt, (unsigned long long)(fid), (int)(pc), (int)(reason))
#define JOLT_PROBE_TIER(fid, level) \
  JOLT_PROBE_2(tier, (unsigned long long)(fid), (int)(level))
/* A snapshot was written (path, function records, functions with code) / bound in a new
 * process (functions bound, with code, compiled from their record). */
#define JOLT_PROBE_SNAPSHOT(path, nfuncs, ncode) \
  JOLT_PROBE_3(snapshot, (const char *)(path), (unsigned)(nfuncs), (unsigned)(ncode))
#define JOLT_PROBE_SNAP_BIND(fid, how) \
  JOLT_PROBE_2(snap_bind, (unsigned long long)(fid), (int)(how))
/* A jump-start phase ended: its name ("validate", "reserve", "stream", "verify", "bind",
 * "first_lua") and nanoseconds since jolt-load started. */
#define JOLT_PROBE_LOAD_PHASE(name, ns) \
  JOLT_PROBE_2(load_phase, (const char *)(name), (unsigned long long)(ns))

#endif
