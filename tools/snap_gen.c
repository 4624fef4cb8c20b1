/* snap_gen.c: `jolt-snap gen`: a synthetic snapshot of a given size, for the loader's
 * benchmarks and tests (make bench-loader). Its records have the shape of real ones (function
 * records with sites, code with exits and entries) but ids no program has, so a jump-start from
 * it streams, verifies and binds everything and then runs the program cold: what is measured is
 * the loader alone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "snap_tool.h"

/* xorshift64*: a fixed sequence, so the same size gives the same file. */
static uint64_t next(uint64_t *s)
{
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  return *s * 0x2545f4914f6cdd1dULL;
}

static size_t model_bytes(const SnapModel *m)
{
  return m->nsblob + m->ncodeb + (size_t)m->nfuncs * sizeof(SnapFunc) +
         (size_t)m->nsites * sizeof(SnapSite) + (size_t)m->ncodes * sizeof(SnapCode) +
         (size_t)m->nexits * sizeof(SnapExit) + (size_t)m->nentries * 4;
}

/* One function: a record, 12 sites, about 2 KiB of code with its exits and entries. */
static int addfunc(SnapModel *m, uint64_t *seed, uint32_t i)
{
  char name[64];
  int nl = snprintf(name, sizeof name, "synthetic.lua:%u", i);
  uint32_t nm = snap_str(m, name, (size_t)nl);
  SnapFunc *f = snap_addfunc(m);
  if (!f || nm == SNAP_NONE)
    return -1;
  f->fid = next(seed);
  f->calls = 1000 + next(seed) % 100000;
  f->ncode = 64;
  f->name = nm;
  f->line = i;
  f->site0 = m->nsites;
  f->jitversions = 1;
  f->code = SNAP_NONE;
  for (uint32_t k = 0; k < 12; k++) {
    SnapSite *s = snap_addsite(m);
    if (!s)
      return -1;
    s->pc = k * 5;
    s->t1 = (uint16_t)(1u << (4 + next(seed) % 2));
    s->count = (uint32_t)(next(seed) % 5000);
  }
  m->funcs[m->nfuncs - 1].nsite = 12;
  uint8_t code[2048];
  for (size_t k = 0; k < sizeof code; k += 8) {
    uint64_t r = next(seed);
    memcpy(code + k, &r, 8);
  }
  SnapCode *c = snap_addcode(m, code, sizeof code);
  if (!c)
    return -1;
  c->fid = m->funcs[m->nfuncs - 1].fid;
  c->const0 = m->nconsts;
  c->exit0 = m->nexits;
  c->nexit = 24;
  for (uint32_t k = 0; k < 24; k++) {
    SnapExit *x = snap_addexit(m);
    if (!x)
      return -1;
    x->pc = k * 2;
  }
  uint32_t entry[65];
  for (uint32_t k = 0; k < 65; k++)
    entry[k] = k % 3 ? 0 : 1 + k * 16;
  c->entry0 = m->nentries;
  c->nentry = 65;
  c->nbc = 64;
  m->funcs[m->nfuncs - 1].code = m->ncodes - 1;
  return snap_addentries(m, entry, 65);
}

int cmd_gen(int argc, char **argv)
{
  const char *out = NULL, *program = "synthetic.lua";
  double mib = 0;
  for (int i = 0; i < argc; i++) {
    if (strncmp(argv[i], "--mib=", 6) == 0)
      mib = strtod(argv[i] + 6, NULL);
    else if (strncmp(argv[i], "--program=", 10) == 0)
      program = argv[i] + 10;
    else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
      out = argv[++i];
    else
      return tool_usage();
  }
  if (!out || !(mib > 0) || mib > 4096)
    return tool_usage();
  SnapModel m;
  snap_model_init(&m);
  snprintf(m.h.program, sizeof m.h.program, "%s", tool_basename(program));
  uint64_t seed = 0x9e3779b97f4a7c15ULL;
  size_t want = (size_t)(mib * 1048576.0);
  int rc = 0;
  for (uint32_t i = 0; model_bytes(&m) + 8192 < want && rc == 0; i++)
    rc = addfunc(&m, &seed, i);
  for (int i = 0; rc == 0 && i < snap_nimport_names; i++) {
    uint32_t s = snap_str(&m, snap_import_names[i], strlen(snap_import_names[i]));
    rc = s == SNAP_NONE ? -1 : snap_addimport(&m, s);
  }
  char why[300];
  if (rc != 0) {
    fprintf(stderr, "jolt-snap: gen: out of memory\n");
  } else if (snap_model_write(&m, out, why, sizeof why) != 0) {
    fprintf(stderr, "jolt-snap: gen: %s\n", why);
    rc = -1;
  } else {
    printf("%s: %u synthetic functions\n", out, m.nfuncs);
  }
  snap_model_free(&m);
  return rc == 0 ? 0 : 1;
}
