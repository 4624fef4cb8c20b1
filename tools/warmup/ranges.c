/* ranges.c: where a jolt process's interpreter, GC, other runtime code and JIT code lie.
 *
 * From the binary's symbol table (.symtab: the build keeps it): vm_execute and vm.c's static
 * execute, its body since the JIT came (with their .cold parts), are the interpreter; gc.c's functions (the local symbols after the FILE symbol "gc.c",
 * and the gc_* hidden functions the linker made local) are the GC; the rest of the executable
 * segment is other runtime. /proc/PID/maps gives the load address of that segment, and the
 * JIT's code: the executable views of its memfds ("memfd:jolt-jit", "memfd:jolt-jit-huge"),
 * which appear at the first compilation and grow by 2 MiB chunks, so the tool reads them again
 * while the process runs (wu_jit_ranges) and merges them with the binary's (wu_merge_ranges).
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "wu.h"

#define MAXSPECIAL 4096

typedef struct Sym {
  uint64_t lo, hi;
  int cls;
} Sym;

static int sym_cmp(const void *a, const void *b)
{
  const Sym *x = a, *y = b;
  return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* Is `name` (or one of its compiler-made parts, "name.cold", "name.part.0") function fn? */
static int is_fn(const char *name, const char *fn)
{
  size_t n = strlen(fn);
  return !strncmp(name, fn, n) && (name[n] == 0 || name[n] == '.');
}

static int is_interp(const char *name)
{
  return is_fn(name, "vm_execute");
}

/* The class of function `name` defined in source file `file` ("" for hidden globals), or -1. */
static int class_of(const char *file, const char *name)
{
  if (is_interp(name) || (!strcmp(file, "vm.c") && is_fn(name, "execute")))
    return WU_INTERP;
  if (!strcmp(file, "gc.c") || !strncmp(name, "gc_", 3))
    return WU_GC;
  return -1;
}

typedef struct Image {
  int fd;
  Elf *elf;
  uint64_t text_lo, text_hi;    /* the executable PT_LOAD, virtual addresses */
  uint64_t text_off;            /* its file offset */
} Image;

static void image_close(Image *im)
{
  if (im->elf)
    elf_end(im->elf);
  if (im->fd >= 0)
    close(im->fd);
}

static int image_open(Image *im, const char *exe, char *err, size_t errlen)
{
  size_t i, nph;
  memset(im, 0, sizeof *im);
  im->fd = -1;
  if (elf_version(EV_CURRENT) == EV_NONE) {
    snprintf(err, errlen, "libelf: %s", elf_errmsg(-1));
    return -EINVAL;
  }
  im->fd = open(exe, O_RDONLY | O_CLOEXEC);
  if (im->fd < 0) {
    int e = errno;
    snprintf(err, errlen, "%s: %s", exe, strerror(e));
    return -e;
  }
  im->elf = elf_begin(im->fd, ELF_C_READ, NULL);
  if (!im->elf || elf_kind(im->elf) != ELF_K_ELF || elf_getphdrnum(im->elf, &nph)) {
    snprintf(err, errlen, "%s: not an ELF file", exe);
    return -ENOEXEC;
  }
  for (i = 0; i < nph; i++) {
    GElf_Phdr ph;
    if (gelf_getphdr(im->elf, (int)i, &ph) && ph.p_type == PT_LOAD && (ph.p_flags & PF_X)) {
      im->text_lo = ph.p_vaddr;
      im->text_hi = ph.p_vaddr + ph.p_memsz;
      im->text_off = ph.p_offset;
      return 0;
    }
  }
  snprintf(err, errlen, "%s: no executable segment", exe);
  return -ENOEXEC;
}

/* Calls fn(file, name, value, size, arg) for each function symbol of .symtab; returns the
 * number of symbols seen, or -ENOENT when the binary is stripped. */
static long each_function(Image *im, void (*fn)(const char *, const char *, uint64_t, uint64_t,
                                                void *), void *arg)
{
  Elf_Scn *scn = NULL;
  while ((scn = elf_nextscn(im->elf, scn))) {
    GElf_Shdr sh;
    if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB || !sh.sh_entsize)
      continue;
    Elf_Data *d = elf_getdata(scn, NULL);
    size_t n = sh.sh_size / sh.sh_entsize, i;
    const char *file = "";
    for (i = 0; d && i < n; i++) {
      GElf_Sym s;
      if (!gelf_getsym(d, (int)i, &s))
        continue;
      const char *name = elf_strptr(im->elf, sh.sh_link, s.st_name);
      if (!name)
        continue;
      if (GELF_ST_TYPE(s.st_info) == STT_FILE)
        file = name;
      else if (GELF_ST_TYPE(s.st_info) == STT_FUNC && s.st_size)
        fn(GELF_ST_BIND(s.st_info) == STB_LOCAL ? file : "", name, s.st_value, s.st_size, arg);
    }
    return (long)n;
  }
  return -ENOENT;
}

typedef struct Collect {
  Sym *v;
  int n, found_interp;
} Collect;

static void collect_one(const char *file, const char *name, uint64_t value, uint64_t size,
                        void *arg)
{
  Collect *c = arg;
  int cls = class_of(file, name);
  if (cls < 0 || c->n >= MAXSPECIAL)
    return;
  if (cls == WU_INTERP)
    c->found_interp = 1;
  c->v[c->n++] = (Sym){ value, value + size, cls };
}

static void find_interp(const char *file, const char *name, uint64_t value, uint64_t size,
                        void *arg)
{
  (void)file, (void)value, (void)size;
  if (is_interp(name))
    *(int *)arg = 1;
}

int wu_is_jolt(const char *exe)
{
  Image im;
  char err[256];
  int found = 0;
  if (image_open(&im, exe, err, sizeof err) == 0)
    each_function(&im, find_interp, &found);
  image_close(&im);
  return found;
}

/* The load bias of exe's executable segment in process pid: runtime = vaddr + bias. */
static int load_bias(pid_t pid, const char *exe, const Image *im, uint64_t *bias,
                     char *err, size_t errlen)
{
  char path[64], line[4096];
  struct stat st;
  if (stat(exe, &st) < 0) {
    int e = errno;
    snprintf(err, errlen, "%s: %s", exe, strerror(e));
    return -e;
  }
  snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
  FILE *f = fopen(path, "re");
  if (!f) {
    int e = errno;
    snprintf(err, errlen, "%s: %s", path, strerror(e));
    return -e;
  }
  int rc = -ESRCH;
  while (fgets(line, sizeof line, f)) {
    unsigned long long lo, hi, off, ino;
    char perms[8];
    if (sscanf(line, "%llx-%llx %7s %llx %*x:%*x %llu", &lo, &hi, perms, &off, &ino) != 5)
      continue;
    /* The segment that maps the text's file offset, of the same file. */
    if (ino != (unsigned long long)st.st_ino || perms[2] != 'x' ||
        im->text_off < off || im->text_off >= off + (hi - lo))
      continue;
    *bias = lo + (im->text_off - off) - im->text_lo;
    rc = 0;
    break;
  }
  fclose(f);
  if (rc)
    snprintf(err, errlen, "%s is not mapped executable in process %d", exe, (int)pid);
  return rc;
}

/* Append [lo, hi) of class cls to out, merging with the previous range of the same class. */
static int emit(struct wu_addr_range *out, int n, int max, uint64_t lo, uint64_t hi, int cls)
{
  if (lo >= hi)
    return n;
  if (n > 0 && out[n - 1].cls == (uint64_t)cls && out[n - 1].hi >= lo) {
    if (hi > out[n - 1].hi)
      out[n - 1].hi = hi;
    return n;
  }
  if (n >= max)
    return -ENOSPC;
  out[n] = (struct wu_addr_range){ lo, hi, (uint64_t)cls };
  return n + 1;
}

int wu_ranges(pid_t pid, const char *exe, struct wu_addr_range *out, int max,
              char *err, size_t errlen)
{
  Image im;
  Collect c = { calloc(MAXSPECIAL, sizeof(Sym)), 0, 0 };
  uint64_t bias = 0, at;
  int rc, i, n = 0;
  if (!c.v) {
    snprintf(err, errlen, "out of memory");
    return -ENOMEM;
  }
  rc = image_open(&im, exe, err, errlen);
  if (rc)
    goto out;
  if (each_function(&im, collect_one, &c) < 0 || !c.found_interp) {
    snprintf(err, errlen, "%s: no symbol vm_execute (stripped, or not jolt)", exe);
    rc = -ENOENT;
    goto out;
  }
  rc = load_bias(pid, exe, &im, &bias, err, errlen);
  if (rc)
    goto out;
  qsort(c.v, (size_t)c.n, sizeof(Sym), sym_cmp);
  /* Walk the text segment: the special functions, and other runtime in the gaps. */
  at = im.text_lo;
  for (i = 0; i < c.n && n >= 0; i++) {
    uint64_t lo = c.v[i].lo < at ? at : c.v[i].lo;
    n = emit(out, n, max, at + bias, lo + bias, WU_RUNTIME);
    if (n >= 0)
      n = emit(out, n, max, lo + bias, c.v[i].hi + bias, c.v[i].cls);
    if (c.v[i].hi > at)
      at = c.v[i].hi;
  }
  if (n >= 0)
    n = emit(out, n, max, at + bias, im.text_hi + bias, WU_RUNTIME);
  if (n < 0)
    snprintf(err, errlen, "%s: more than %d address ranges", exe, max);
  rc = n;
out:
  image_close(&im);
  free(c.v);
  return rc;
}

int wu_jit_ranges(pid_t pid, struct wu_addr_range *out, int max)
{
  char path[64], line[4096];
  int n = 0;
  snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
  FILE *f = fopen(path, "re");
  if (!f)
    return -errno;
  while (fgets(line, sizeof line, f) && n >= 0) {
    unsigned long long lo, hi;
    char perms[8];
    /* Only the R|X view: the R|W view of the same memfd never runs. */
    if (sscanf(line, "%llx-%llx %7s", &lo, &hi, perms) != 3 || perms[0] != 'r' ||
        perms[2] != 'x' || !strstr(line, "memfd:jolt-jit"))
      continue;
    n = emit(out, n, max, lo, hi, WU_JIT);     /* maps is sorted: adjacent chunks merge */
  }
  fclose(f);
  return n;
}

int wu_merge_ranges(const struct wu_addr_range *a, int na, const struct wu_addr_range *b, int nb,
                    struct wu_addr_range *out, int max)
{
  int i = 0, j = 0, n = 0;
  while ((i < na || j < nb) && n >= 0) {
    const struct wu_addr_range *r = j >= nb || (i < na && a[i].lo <= b[j].lo) ? &a[i++] : &b[j++];
    /* Disjoint by construction (file text vs. memfd); a clipped overlap keeps the set valid. */
    uint64_t lo = n > 0 && out[n - 1].hi > r->lo ? out[n - 1].hi : r->lo;
    n = emit(out, n, max, lo, r->hi, (int)r->cls);
  }
  return n;
}
