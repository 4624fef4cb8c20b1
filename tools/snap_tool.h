/* snap_tool.h: what the parts of jolt-snap (tools/jolt_snap.c, snap_merge.c, snap_diff.c)
 * share: an input snapshot read and validated whole, and the subcommands' entry points. */
#ifndef JOLT_SNAP_TOOL_H
#define JOLT_SNAP_TOOL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "snap.h"

/* A snapshot file read into memory and checked by snap_parse. */
typedef struct SnapIn {
  const char *path;
  uint8_t *buf;
  size_t len;
  SnapImage img;
} SnapIn;

/* Read and validate path into in; 0, or -1 with the reason in why (in is then empty). */
int snapin_load(SnapIn *in, const char *path, char *why, size_t nwhy);
void snapin_free(SnapIn *in);
/* Read every path in order; on the first failure say "jolt-snap: FILE: why" and return -1
 * (everything read so far freed). */
int snapin_load_all(SnapIn *ins, char **paths, int n);
/* The program name of a header as a C string (the field is NUL-padded, maybe unterminated). */
void snap_program_of(const SnapHeader *h, char out[129]);
/* The base name of a path (after its last '/'). */
const char *tool_basename(const char *path);
/* A name from a snapshot printed for people: control characters shown as '?'. */
void tool_putname(FILE *out, const char *s, uint32_t len);

/* Print the usage message on stderr and return 2 (the exit status of bad use). */
int tool_usage(void);

int cmd_merge(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_gen(int argc, char **argv);     /* snap_gen.c: a synthetic snapshot (benchmarks) */

#endif
