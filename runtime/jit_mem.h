/* jit_mem.h: the code region, where compiled functions and their slot tables live.
 *
 * Invariants:
 * - W^X: no mapping is ever writable and executable at once. The region is a memfd mapped
 *   twice, a read-execute view where code runs and a read-write view through which it is
 *   written; where memfd is unavailable, an anonymous chunk is flipped RW -> RX as a whole
 *   2 MiB unit while nothing in it runs (single-threaded runtime).
 * - Chunks are 2 MiB, 2 MiB-aligned, and all lie in one virtual reservation of
 *   JITMEM_SPAN bytes, so any two places in the region are within a rel32 of each other
 *   (calls between compiled functions are PC-relative) .
 * - Backing, in order of preference: hugetlb pages (when some are reserved), transparent
 *   huge pages (MADV_HUGEPAGE, and MADV_COLLAPSE once a chunk is full), 4 KiB pages. Which
 *   one was used is reported, never required.
 * - A placed function is [slot table][code]: nslots 8-byte slots, then the code 16-byte
 *   aligned, so code reaches slot i at a fixed negative RIP-relative distance: slot i of a
 *   function whose code starts at code_rx is at code_rx - 8*(nslots - i). Placed bytes
 *   never move and are never freed while the process lives (a recompiled function gets new
 *   space; old code may still be on the C stack).
 */
#ifndef JOLT_JIT_MEM_H
#define JOLT_JIT_MEM_H

#include <stddef.h>
#include <stdint.h>

#define JITMEM_CHUNK (2u << 20)
#define JITMEM_SPAN  ((size_t)1 << 30)   /* virtual reservation: 1 GiB, 512 chunks */

enum { JITMEM_4K, JITMEM_THP, JITMEM_HUGETLB };

typedef struct JitMemStats {
  int backing;           /* JITMEM_* of the last chunk mapped (before any: what the first
                            chunk will try) */
  int dualmap;           /* 1: memfd RW + RX views; 0: anonymous with RW -> RX flips
                            (of the last chunk, as backing) */
  int nchunks;           /* chunks mapped */
  size_t code_bytes;     /* bytes of code placed */
  size_t slot_bytes;     /* bytes of slot tables placed */
  size_t nfuncs;         /* functions placed */
} JitMemStats;

typedef struct JitMem JitMem;

/* Open the region (reserve the span, halved while the kernel refuses it; chunks are mapped
 * on demand, each falling back hugetlb -> shmem -> anonymous for good when refused).
 * `verbose` prints the backing chosen and every fallback to stderr, one line each. NULL
 * when not even one chunk of address space can be reserved (then the JIT stays off). */
JitMem *jitmem_open(int verbose);
void jitmem_close(JitMem *m);

/* Place one function: slots[0..nslots-1], then code[0..ncode-1] 16-byte aligned right after
 * them (slot i at *code_rx - 8*(nslots - i)), in one chunk (ncode + 8*nslots must fit in a
 * chunk: else -E2BIG). slots may be NULL: the slots are then zero until jitmem_setslot.
 * ncode 0 or nslots < 0 is -EINVAL. Returns 0 and sets *code_rx to the executable address
 * of the code, or a negative errno (-ENOMEM when the span is full or a chunk cannot be
 * mapped). The placed bytes are final, except slots, which
 * jitmem_setslot may rewrite (binding a snapshot's slot table). */
int jitmem_place(JitMem *m, const uint64_t *slots, int nslots, const uint8_t *code,
                 size_t ncode, void **code_rx);
/* In a child of fork: what is placed so far stays shared with the parent and never changes;
 * new code goes into new chunks of a memfd of the child's own (two children extending one
 * shared file would write into each other's code). */
void jitmem_after_fork(JitMem *m);
/* Rewrite the slot at executable address `slot_rx` (inside a placed slot table; -EINVAL if
 * outside the region or not 8-aligned) with one 8-byte store. */
int jitmem_setslot(JitMem *m, void *slot_rx, uint64_t value);
/* Whether addr lies in the region's executable view (for the perf sampler and tests). */
int jitmem_contains(const JitMem *m, const void *addr);
void jitmem_stats(const JitMem *m, JitMemStats *out);
const char *jitmem_backing_name(int backing);     /* "4k", "thp", "hugetlb" */

/* /tmp/perf-PID.map: once enabled, jitmem_perfmap appends "START SIZE name" (hex, no 0x)
 * and flushes, so `perf report` names compiled code even if the process dies. */
int jitmem_perfmap_open(void);
void jitmem_perfmap(const void *code, size_t size, const char *name);

#endif
