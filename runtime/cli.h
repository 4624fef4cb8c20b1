/* cli.h: the command line of jolt (and of jolt-load, which hands it a snapshot). */
#ifndef JOLT_CLI_H
#define JOLT_CLI_H

#include "snap.h"

/* A snapshot for the run, as the loader leaves it: parsed and validated (img, buf owned by
 * the runtime from here), or refused with the reason already said. */
typedef struct CliSnap {
  SnapImage img;
  uint8_t *buf;
  void (*release)(uint8_t *buf);   /* how buf goes back (NULL: free) */
  int flags;             /* SNAPU_* (snap_rt.h) */
  const char *path;
  const char *label;     /* "jolt-load: app.jsnap", the prefix of every message */
  int refused;           /* 1: run cold (the loader said why) */
  int or_seed;           /* a refused snapshot is replaced by this run's at exit */
  double t0;             /* CLOCK_MONOTONIC ns when the loader started */
  /* Called once the script is compiled and bound, before its first instruction (pre-fork:
   * returns in each worker), or NULL. */
  void (*before_run)(struct CliSnap *cs);
  /* The code section still streams in: whether file bytes [off, off+len) are there (1), not
   * yet (0), never (-1); NULL when everything was in before the start. */
  int (*ready)(void *ctx, uint64_t off, uint64_t len);
  char phases[400];      /* the loader's phase times, for --verbose */
} CliSnap;

/* argv as lua5.4's (argv[0] is the program's name); the exit status. */
int cli_main(int argc, char **argv, CliSnap *snap);

#endif
