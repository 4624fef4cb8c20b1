/* snap_diff.c: jolt-snap diff: which functions two snapshots share, or which functions of a
 * script a snapshot still fits.
 *
 * Functions are matched by function id, as the loader binds them: an id hashes a function's
 * bytecode, constants, upvalue names, its nested functions' ids and its chunk name (not its
 * lines), so an edited function and every function enclosing it get new ids, and the rest of
 * the program keeps its records. A script is compiled here, never run.
 */
#include <stdlib.h>
#include <string.h>

#include "snap_tool.h"
#include "api.h"
#include "obj.h"
#include "state.h"

/* One function of the script: its id, bytecode length and "chunk:line" name. */
typedef struct ScriptFn {
  uint64_t fid;
  uint32_t ncode;
  char name[OBJ_IDSIZE + 16];
} ScriptFn;

typedef struct FnList {
  ScriptFn *fn;
  uint32_t n, cap;
} FnList;

static void put_record(const SnapImage *img, const SnapFunc *f)
{
  uint32_t l;
  const char *name = snap_string(img, f->name, &l);
  printf("  ");
  tool_putname(stdout, name, l);
  printf("  %016llx", (unsigned long long)f->fid);
}

/* -- Two snapshots --------------------------------------------------------------------------- */

/* Records of a that b lacks, in a's (hot-first) order; how many. */
static uint32_t list_only(const SnapIn *a, const SnapIn *b)
{
  uint32_t n = 0;
  for (uint32_t i = 0; i < a->img.nfuncs; i++)
    n += snap_find(&b->img, a->img.funcs[i].fid) == NULL;
  printf("only in %s (%u):\n", a->path, n);
  for (uint32_t i = 0; i < a->img.nfuncs; i++) {
    const SnapFunc *f = &a->img.funcs[i];
    if (snap_find(&b->img, f->fid))
      continue;
    put_record(&a->img, f);
    printf("  calls %llu\n", (unsigned long long)f->calls);
  }
  return n;
}

static uint32_t list_both(const SnapIn *a, const SnapIn *b)
{
  uint32_t n = 0;
  for (uint32_t i = 0; i < a->img.nfuncs; i++)
    n += snap_find(&b->img, a->img.funcs[i].fid) != NULL;
  printf("in both (%u):\n", n);
  for (uint32_t i = 0; i < a->img.nfuncs; i++) {
    const SnapFunc *f = &a->img.funcs[i], *g = snap_find(&b->img, f->fid);
    if (!g)
      continue;
    put_record(&a->img, f);
    printf("  calls %llu / %llu\n", (unsigned long long)f->calls, (unsigned long long)g->calls);
  }
  return n;
}

static int diff_two(const char *pa, const char *pb)
{
  SnapIn in[2];
  char *paths[2] = { (char *)pa, (char *)pb };
  if (snapin_load_all(in, paths, 2) != 0)
    return 1;
  char proga[129], progb[129];
  snap_program_of(in[0].img.h, proga);
  snap_program_of(in[1].img.h, progb);
  if (strcmp(proga, progb) != 0)
    printf("note: snapshots of different programs (%s, %s)\n", proga, progb);
  uint32_t na = list_only(&in[0], &in[1]);
  uint32_t nb = list_only(&in[1], &in[0]);
  uint32_t nboth = list_both(&in[0], &in[1]);
  printf("%u only in %s, %u only in %s, %u in both\n", na, pa, nb, pb, nboth);
  snapin_free(&in[0]);
  snapin_free(&in[1]);
  return 0;
}

/* -- A snapshot and a script ----------------------------------------------------------------- */

/* p and every function nested in it, parents first, into list; -1 when out of memory. */
static int collect(FnList *list, const Proto *p)
{
  if (list->n == list->cap) {
    uint32_t nc = list->cap ? 2 * list->cap : 64;
    ScriptFn *nf = realloc(list->fn, nc * sizeof *nf);
    if (!nf)
      return -1;
    list->fn = nf;
    list->cap = nc;
  }
  ScriptFn *f = &list->fn[list->n++];
  f->fid = p->fid;
  f->ncode = (uint32_t)p->ncode;
  char id[OBJ_IDSIZE];
  obj_chunkid(id, p->source ? p->source->data : "=?", p->source ? p->source->len : 2);
  snprintf(f->name, sizeof f->name, "%s:%d", id, p->linedefined);
  for (int i = 0; i < p->np; i++)
    if (collect(list, p->p[i]) != 0)
      return -1;
  return 0;
}

/* Compile script (without running it) and list its functions; 0, or -1 after saying why. */
static int script_functions(const char *script, FnList *list)
{
  State *L = state_new();
  if (!L) {
    fprintf(stderr, "jolt-snap: cannot create a state: not enough memory\n");
    return -1;
  }
  int rc = -1;
  if (api_loadfile(L, script, NULL) != ST_OK) {
    const char *msg = api_tostring(L, -1);
    fprintf(stderr, "jolt-snap: %s\n", msg ? msg : "cannot load the script");
  } else if (collect(list, lfnvalue(api_index2val(L, -1))->p) != 0) {
    fprintf(stderr, "jolt-snap: out of memory\n");
  } else {
    rc = 0;
  }
  state_close(L);
  return rc;
}

static int script_has(const FnList *list, uint64_t fid)
{
  for (uint32_t i = 0; i < list->n; i++)
    if (list->fn[i].fid == fid)
      return 1;
  return 0;
}

/* The chunk part of a "chunk:line" name (up to its last ':'), as a length. */
static size_t chunk_len(const char *name, size_t len)
{
  while (len > 0 && name[len - 1] != ':')
    len--;
  return len ? len - 1 : 0;
}

/* Nothing matched: if the chunk names differ, say that ids depend on them (a script under
 * another file name than the seeding run's has other ids throughout). */
static void note_chunkname(const SnapImage *img, const FnList *list)
{
  uint32_t l;
  const char *rec = snap_string(img, img->funcs[0].name, &l);
  size_t rl = chunk_len(rec, l), sl = chunk_len(list->fn[0].name, strlen(list->fn[0].name));
  if (rl == sl && memcmp(rec, list->fn[0].name, rl) == 0)
    return;
  printf("note: function ids include the script's file name: the snapshot's functions are in ");
  tool_putname(stdout, rec, (uint32_t)rl);
  printf(", this script's in %.*s; a renamed script has other ids throughout\n",
         (int)sl, list->fn[0].name);
}

static int diff_script(const char *path, const char *script)
{
  SnapIn in;
  char why[300], prog[129];
  if (snapin_load(&in, path, why, sizeof why) != 0) {
    fprintf(stderr, "jolt-snap: %s: %s\n", path, why);
    return 1;
  }
  FnList list = { NULL, 0, 0 };
  if (script_functions(script, &list) != 0) {
    snapin_free(&in);
    free(list.fn);
    return 1;
  }
  snap_program_of(in.img.h, prog);
  if (prog[0] && strcmp(prog, tool_basename(script)) != 0)
    printf("note: %s is a snapshot of %s, not %s\n", path, prog, tool_basename(script));
  uint32_t same = 0, changed = 0, gone = 0;
  for (uint32_t i = 0; i < list.n; i++) {
    const ScriptFn *s = &list.fn[i];
    const SnapFunc *f = snap_find(&in.img, s->fid);
    int ok = f && f->ncode == s->ncode;   /* as the loader binds: id and length */
    printf("%-15s %s  %016llx", ok ? "same" : "changed or new", s->name,
           (unsigned long long)s->fid);
    if (ok)
      printf("  calls %llu", (unsigned long long)f->calls);
    printf("\n");
    same += ok;
    changed += !ok;
  }
  for (uint32_t i = 0; i < in.img.nfuncs; i++) {
    const SnapFunc *f = &in.img.funcs[i];
    if (script_has(&list, f->fid))
      continue;
    uint32_t l;
    const char *name = snap_string(&in.img, f->name, &l);
    printf("%-15s ", "gone");
    tool_putname(stdout, name, l);
    printf("  %016llx  calls %llu\n", (unsigned long long)f->fid, (unsigned long long)f->calls);
    gone++;
  }
  printf("%u unchanged, %u new or changed, %u gone\n", same, changed, gone);
  if (same == 0 && gone > 0)
    note_chunkname(&in.img, &list);
  free(list.fn);
  snapin_free(&in);
  return 0;
}

int cmd_diff(int argc, char **argv)
{
  const char *files[2] = { NULL, NULL }, *script = NULL;
  int nfiles = 0;
  for (int i = 0; i < argc; i++) {
    if (strcmp(argv[i], "--script") == 0 && i + 1 < argc && !script)
      script = argv[++i];
    else if (strncmp(argv[i], "--script=", 9) == 0 && argv[i][9] && !script)
      script = argv[i] + 9;
    else if ((argv[i][0] == '-' && argv[i][1]) || nfiles == 2)
      return tool_usage();
    else
      files[nfiles++] = argv[i];
  }
  if (script ? nfiles != 1 : nfiles != 2)
    return tool_usage();
  return script ? diff_script(files[0], script) : diff_two(files[0], files[1]);
}
