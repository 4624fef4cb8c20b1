/* snap_rt.h: snapshots as the runtime sees them: writing one from the running process, and the
 * one function through which a loader hands a validated image to the runtime (snap_use), after
 * which every function the compiler creates is bound to its record as it appears (snap_bind).
 */
#ifndef JOLT_SNAP_RT_H
#define JOLT_SNAP_RT_H

#include <stdio.h>
#include "obj.h"
#include "snap.h"

typedef struct State State;

#define SNAPU_NOCODE  1      /* profile records only: compile from them, never run shipped code */
#define SNAPU_VERBOSE 2      /* per function: what was used and why anything was refused */
#define SNAPU_PHASES  4      /* one line on stderr: the load phases' times (benchmarks read it) */

/* Write a snapshot of L's profiles and compiled code to path (atomically). 0, or -1 and why.
 * SNAPW_FINAL: the program has ended, so code compiled before its profile settled is compiled
 * again from the whole profile first (the code a jump-start runs is the seeder's best), and
 * functions half-way to the tier-up thresholds are compiled too. */
#define SNAPW_FINAL 1
int snap_write(State *L, const char *path, int flags, char *why, size_t nwhy);
/* The program's identity for snapshots this process writes: the main script's name and the
 * function id of its main chunk (which covers every function of the script). */
void snap_set_program(const char *name, uint64_t hash);

/* Hand a parsed image (and its buffer, both now owned by the runtime; the buffer goes back
 * through release, or free() when NULL) to L before the program is loaded: checks that it is a
 * snapshot of `script`, decides whether its code may run, and replays its shapes. 0, or -1 with
 * the reason in why (the image is then released: run cold). Messages (verbose, refusals of
 * parts) go to stderr prefixed with `label`. */
int snap_use(State *L, SnapImage *img, uint8_t *buf, void (*release)(uint8_t *buf),
             const char *script, int flags, const char *label, char *why, size_t nwhy);
/* A loader still streaming the code section: whether file bytes [off, off+len) are in (1),
 * not yet (0), or never will be (-1). Until then functions whose code is not in run in the
 * interpreter and are bound when it arrives. */
typedef int (*SnapReadyFn)(void *ctx, uint64_t off, uint64_t len);
void snap_streaming(State *L, SnapReadyFn ready, void *ctx);
/* jit_compile's hook: p waits for its snapshot code. 1: leave p as it is (its code was just
 * installed, or has not arrived yet); 0: compile p as usual. */
J_HIDDEN int snap_code_pending(State *L, Proto *p);
/* prof_attach's hook: bind the functions of a freshly compiled chunk to their records. */
J_HIDDEN void snap_bind(State *L, Proto *p);
/* After the main script is loaded: note a changed program (verbose) and set its identity. */
void snap_loaded_main(State *L, const char *script, uint64_t mainfid);
J_HIDDEN void snap_mark(State *L);
void snap_release(State *L);
void snap_report(State *L, FILE *out);       /* --stats */

#endif
