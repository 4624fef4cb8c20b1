/* test_jitmem.c: the JIT code region: placed code runs, slots bind, W^X, alignment, backing. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include "unit.h"
#include "jit_mem.h"

typedef long (*LongFn)(void);

/* Object pointer to function pointer without the cast ISO C leaves undefined. */
static LongFn as_fn(void *p)
{
  LongFn f;
  memcpy(&f, &p, sizeof f);
  return f;
}

/* `mov eax, value; ret` padded with int3 to `size` bytes (eax zero-extends into rax). */
static void make_ret(uint8_t *buf, size_t size, uint32_t value)
{
  memset(buf, 0xcc, size);
  buf[0] = 0xb8;
  memcpy(buf + 1, &value, 4);
  buf[5] = 0xc3;
}

/* `mov rax, [rip + disp]; ret` reading slot i of nslots: the slot is at
 * code - 8*(nslots - i) and rip is code + 7 after the 7-byte load. */
static void make_load_slot(uint8_t buf[8], int nslots, int i)
{
  int32_t disp = -8 * (nslots - i) - 7;
  buf[0] = 0x48; buf[1] = 0x8b; buf[2] = 0x05;
  memcpy(buf + 3, &disp, 4);
  buf[7] = 0xc3;
}

/* Number of mappings in /proc/self/maps that are writable and executable (printed). */
static int count_wx_mappings(void)
{
  FILE *f = fopen("/proc/self/maps", "r");
  char line[512];
  int n = 0;
  if (f == NULL)
    return -1;
  while (fgets(line, sizeof line, f)) {
    char perms[8] = "";
    if (sscanf(line, "%*s %7s", perms) == 1 && perms[1] == 'w' && perms[2] == 'x') {
      printf("# W+X mapping: %s", line);
      n++;
    }
  }
  fclose(f);
  return n;
}

/* The perms of the mapping containing addr, "" when none. */
static void perms_at(const void *addr, char out[8])
{
  FILE *f = fopen("/proc/self/maps", "r");
  char line[512];
  out[0] = 0;
  if (f == NULL)
    return;
  while (fgets(line, sizeof line, f)) {
    unsigned long lo, hi;
    char perms[8];
    if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3 && (uintptr_t)addr >= lo
        && (uintptr_t)addr < hi) {
      strcpy(out, perms);
      break;
    }
  }
  fclose(f);
}

/* A field (in kB) of the smaps entry of the mapping that contains addr; -1 when absent. */
static long smaps_field(const void *addr, const char *field)
{
  FILE *f = fopen("/proc/self/smaps", "r");
  char line[512];
  int inside = 0;
  long v = -1;
  size_t fl = strlen(field);
  if (f == NULL)
    return -1;
  while (fgets(line, sizeof line, f)) {
    unsigned long lo, hi;
    if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2) {   /* a mapping's header line */
      inside = (uintptr_t)addr >= lo && (uintptr_t)addr < hi;
      continue;
    }
    if (inside && strncmp(line, field, fl) == 0 && line[fl] == ':') {
      v = strtol(line + fl + 1, NULL, 10);
      break;
    }
  }
  fclose(f);
  return v;
}

/* Place n functions of about `size` bytes each, function i returning 1000 + i. */
static int place_many(JitMem *m, int n, size_t size, void **code)
{
  uint8_t *buf = malloc(size + 64);
  if (buf == NULL)
    return -ENOMEM;
  for (int i = 0; i < n; i++) {
    size_t sz = size + (size_t)(i % 7) * 5;    /* odd sizes exercise the alignment */
    make_ret(buf, sz, 1000u + (uint32_t)i);
    int r = jitmem_place(m, NULL, i % 5, buf, sz, &code[i]);
    if (r) {
      free(buf);
      return r;
    }
  }
  free(buf);
  return 0;
}

/* Every function placed by place_many still returns its value and holds its bytes. */
static int check_many(int n, size_t size, void **code)
{
  uint8_t *buf = malloc(size + 64);
  int bad = 0;
  for (int i = 0; i < n && buf; i++) {
    size_t sz = size + (size_t)(i % 7) * 5;
    make_ret(buf, sz, 1000u + (uint32_t)i);
    if (memcmp(code[i], buf, sz) != 0 || as_fn(code[i])() != 1000 + i) {
      printf("# function %d at %p changed\n", i, code[i]);
      bad++;
    }
  }
  free(buf);
  return buf == NULL ? -1 : bad;
}

UNIT_TEST(call_placed_function)
{
  static const uint8_t code[] = { 0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3 };   /* mov eax, 42; ret */
  JitMem *m = jitmem_open(0);
  void *fn = NULL;
  ASSERT_TRUE(m != NULL);
  ASSERT_EQ(0, jitmem_place(m, NULL, 0, code, sizeof code, &fn));
  EXPECT_TRUE(jitmem_contains(m, fn));
  EXPECT_EQ(42, as_fn(fn)());
  JitMemStats st;
  jitmem_stats(m, &st);
  EXPECT_EQ(1, st.nchunks);
  EXPECT_EQ(1, st.nfuncs);
  EXPECT_EQ(sizeof code, st.code_bytes);
  jitmem_close(m);
  UNIT_DONE();
}

UNIT_TEST(slot_rip_relative_and_setslot)
{
  const uint64_t slots[3] = { 11, 22, 33 };
  uint8_t code[8];
  void *fn[3];
  JitMem *m = jitmem_open(0);
  ASSERT_TRUE(m != NULL);
  /* One function per slot, after a 1-byte function that leaves the bump pointer unaligned. */
  static const uint8_t ret1[] = { 0xc3 };
  void *dummy;
  ASSERT_EQ(0, jitmem_place(m, NULL, 0, ret1, sizeof ret1, &dummy));
  for (int i = 0; i < 3; i++) {
    make_load_slot(code, 3, i);
    ASSERT_EQ(0, jitmem_place(m, slots, 3, code, sizeof code, &fn[i]));
    EXPECT_EQ(slots[i], as_fn(fn[i])());
  }
  for (int i = 0; i < 3; i++) {
    uint64_t *slot = (uint64_t *)((uint8_t *)fn[i] - 8 * (3 - i));
    EXPECT_EQ(0, jitmem_setslot(m, slot, 0x1234567890ull + (uint64_t)i));
    EXPECT_EQ(0x1234567890ll + i, as_fn(fn[i])());
  }
  /* Zeroed slots when none are given. */
  make_load_slot(code, 2, 1);
  void *z;
  ASSERT_EQ(0, jitmem_place(m, NULL, 2, code, sizeof code, &z));
  EXPECT_EQ(0, as_fn(z)());
  EXPECT_EQ(-EINVAL, jitmem_setslot(m, (uint8_t *)z - 3, 1));
  EXPECT_EQ(-EINVAL, jitmem_setslot(m, &code, 1));
  jitmem_close(m);
  UNIT_DONE();
}

UNIT_TEST(wx_never_both)
{
  enum { N = 60 };
  void *code[N];
  JitMem *m = jitmem_open(0);
  ASSERT_TRUE(m != NULL);
  ASSERT_EQ(0, place_many(m, N, 100 << 10, code));
  JitMemStats st;
  jitmem_stats(m, &st);
  EXPECT_TRUE(st.nchunks >= 2);
  EXPECT_EQ(0, count_wx_mappings());
  char perms[8];
  perms_at(code[0], perms);
  EXPECT_STREQ("r-xs", perms);
  /* Slots rebound after all the placing: still no W+X anywhere. */
  for (int i = 1; i < N; i += 5)
    EXPECT_EQ(0, jitmem_setslot(m, (uint8_t *)code[i] - 8, 7));
  EXPECT_EQ(0, count_wx_mappings());
  jitmem_close(m);
  UNIT_DONE();
}

UNIT_TEST(code_stable_across_chunks)
{
  enum { N = 50 };
  void *code[N];
  JitMem *m = jitmem_open(0);
  ASSERT_TRUE(m != NULL);
  ASSERT_EQ(0, place_many(m, 10, 150 << 10, code));
  EXPECT_EQ(0, check_many(10, 150 << 10, code));
  ASSERT_EQ(0, place_many(m, N, 150 << 10, code));   /* same values, new places */
  JitMemStats st;
  jitmem_stats(m, &st);
  printf("# %d chunks, %zu functions, %zu code bytes, %zu slot bytes\n", st.nchunks, st.nfuncs,
         st.code_bytes, st.slot_bytes);
  EXPECT_TRUE(st.nchunks >= 4);
  EXPECT_EQ(0, check_many(N, 150 << 10, code));
  jitmem_close(m);
  UNIT_DONE();
}

UNIT_TEST(alignment_and_limits)
{
  enum { N = 40 };
  void *code[N];
  JitMem *m = jitmem_open(0);
  ASSERT_TRUE(m != NULL);
  ASSERT_EQ(0, place_many(m, N, 123457, code));
  for (int i = 0; i < N; i++) {
    EXPECT_EQ(0, (uintptr_t)code[i] & 15);
    EXPECT_TRUE(jitmem_contains(m, code[i]));
  }
  /* Chunks are 2 MiB-aligned: the first function's chunk starts the region, and every code
   * address's chunk base is in the region; a function never straddles a chunk. */
  uintptr_t base = (uintptr_t)code[0] & ~(uintptr_t)(JITMEM_CHUNK - 1);
  EXPECT_TRUE(jitmem_contains(m, (void *)base));
  EXPECT_TRUE(!jitmem_contains(m, (void *)(base - 1)));
  for (int i = 0; i < N; i++) {
    uintptr_t c = (uintptr_t)code[i];
    size_t sz = 123457 + (size_t)(i % 7) * 5;
    EXPECT_EQ(c / JITMEM_CHUNK, (c + sz - 1) / JITMEM_CHUNK);
    EXPECT_EQ(c / JITMEM_CHUNK, (c - 8 * (size_t)(i % 5)) / JITMEM_CHUNK);
  }
  JitMemStats st;
  jitmem_stats(m, &st);
  EXPECT_TRUE(!jitmem_contains(m, (void *)(base + (size_t)st.nchunks * JITMEM_CHUNK)));
  EXPECT_TRUE(jitmem_contains(m, (void *)(base + (size_t)st.nchunks * JITMEM_CHUNK - 1)));
  if (st.dualmap) {
    char perms[8];
    perms_at((void *)base, perms);
    EXPECT_STREQ("r-xs", perms);
  }
  /* Limits: a function that can never fit, and nonsense arguments. */
  static uint8_t big[JITMEM_CHUNK + 16];
  void *p;
  EXPECT_EQ(-E2BIG, jitmem_place(m, NULL, 0, big, sizeof big, &p));
  EXPECT_EQ(-E2BIG, jitmem_place(m, NULL, 2, big, JITMEM_CHUNK - 8, &p));
  EXPECT_EQ(0, jitmem_place(m, NULL, 2, big, JITMEM_CHUNK - 16, &p));   /* exactly a chunk */
  EXPECT_EQ(0, ((uintptr_t)p - 16) % JITMEM_CHUNK);
  EXPECT_EQ(-EINVAL, jitmem_place(m, NULL, -1, big, 16, &p));
  EXPECT_EQ(-EINVAL, jitmem_place(m, NULL, 0, big, 0, &p));
  EXPECT_STREQ("4k", jitmem_backing_name(JITMEM_4K));
  EXPECT_STREQ("thp", jitmem_backing_name(JITMEM_THP));
  EXPECT_STREQ("hugetlb", jitmem_backing_name(JITMEM_HUGETLB));
  jitmem_close(m);
  UNIT_DONE();
}

static long read_long(const char *path)
{
  FILE *f = fopen(path, "r");
  long v = -1;
  if (f) {
    if (fscanf(f, "%ld", &v) != 1)
      v = -1;
    fclose(f);
  }
  return v;
}

static int write_long(const char *path, long v)
{
  FILE *f = fopen(path, "w");
  if (f == NULL)
    return -1;
  int ok = fprintf(f, "%ld\n", v) > 0;
  return fclose(f) == 0 && ok ? 0 : -1;
}

/* With `got` huge pages reserved: the first chunks are hugetlb, and once the pool runs dry the
 * next chunk falls back, with everything placed before still intact. */
static int check_hugetlb(long got)
{
  JitMem *m = jitmem_open(1);
  ASSERT_TRUE(m != NULL);
  JitMemStats st;
  enum { MAXF = 16 };
  void *code[MAXF];
  int n = 0;
  size_t size = JITMEM_CHUNK - 4096;   /* one function per chunk */
  for (;;) {
    ASSERT_TRUE(n < MAXF && n <= got + 1);
    ASSERT_EQ(0, place_many(m, 1, size, &code[n]));   /* returns 1000 */
    jitmem_stats(m, &st);
    if (n == 0) {
      printf("# first chunk: %s, KernelPageSize %ld kB\n", jitmem_backing_name(st.backing),
             smaps_field(code[0], "KernelPageSize"));
      EXPECT_EQ(JITMEM_HUGETLB, st.backing);
      EXPECT_EQ(2048, smaps_field(code[0], "KernelPageSize"));
    }
    n++;
    if (st.backing != JITMEM_HUGETLB)
      break;
  }
  printf("# chunk %d fell back to %s after %ld huge pages\n", n - 1,
         jitmem_backing_name(st.backing), got);
  EXPECT_TRUE(n - 1 <= got);
  EXPECT_EQ(1, st.dualmap);
  for (int i = 0; i < n; i++)
    EXPECT_EQ(1000, as_fn(code[i])());
  EXPECT_EQ(0, count_wx_mappings());
  jitmem_close(m);
  UNIT_DONE();
}

UNIT_TEST(backing_hugetlb_when_reserved)
{
  static const char *nr = "/proc/sys/vm/nr_hugepages";
  static const char *freep = "/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages";
  JitMem *m = jitmem_open(0);
  ASSERT_TRUE(m != NULL);
  JitMemStats st;
  jitmem_stats(m, &st);
  printf("# backing without changes: %s (dualmap %d)\n", jitmem_backing_name(st.backing),
         st.dualmap);
  jitmem_close(m);

  long old = read_long(nr);
  if (old < 0)
    UNIT_SKIP("no /proc/sys/vm/nr_hugepages");
  if (write_long(nr, old + 4) != 0) {
    write_long(nr, old);
    UNIT_SKIP("cannot reserve huge pages (writing nr_hugepages needs root)");
  }
  long got = read_long(nr) - old, avail = read_long(freep);
  if (avail > got)
    avail = got;
  int r;
  if (avail < 1) {
    write_long(nr, old);
    UNIT_SKIP("the kernel reserved no free 2 MiB huge pages");
  }
  printf("# reserved %ld huge pages (%ld free)\n", got, avail);
  /* In a child of its own, so that the old pool size is restored even if the check crashes. */
  pid_t pid = fork();
  if (pid == 0)
    _exit(check_hugetlb(avail));
  int wst = 0;
  waitpid(pid, &wst, 0);
  r = WIFEXITED(wst) ? WEXITSTATUS(wst) : UNIT_FAILED;
  if (WIFSIGNALED(wst))
    printf("# hugetlb check killed by signal %d\n", WTERMSIG(wst));
  write_long(nr, old);
  EXPECT_EQ(old, read_long(nr));
  return r != UNIT_PASS ? r : unit_failed_here ? UNIT_FAILED : UNIT_PASS;
}

/* Informational: the backing the machine gives as is, and whether a full chunk got collapsed. */
UNIT_TEST(backing_report)
{
  enum { N = 30 };
  void *code[N];
  JitMem *m = jitmem_open(1);
  ASSERT_TRUE(m != NULL);
  ASSERT_EQ(0, place_many(m, N, 100 << 10, code));   /* fills chunk 0, collapse requested */
  JitMemStats st;
  jitmem_stats(m, &st);
  printf("# backing %s, dualmap %d, %d chunks\n", jitmem_backing_name(st.backing), st.dualmap,
         st.nchunks);
  printf("# chunk 0: KernelPageSize %ld kB, ShmemPmdMapped %ld kB, AnonHugePages %ld kB\n",
         smaps_field(code[0], "KernelPageSize"), smaps_field(code[0], "ShmemPmdMapped"),
         smaps_field(code[0], "AnonHugePages"));
  EXPECT_EQ(0, check_many(N, 100 << 10, code));
  jitmem_close(m);
  UNIT_DONE();
}

/* Refuse memfd_create with ENOSYS in this (forked) test process. */
static int forbid_memfd(void)
{
  struct sock_filter f[] = {
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_memfd_create, 0, 1),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog = { (unsigned short)(sizeof f / sizeof f[0]), f };
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
    return -errno;
  return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == 0 ? 0 : -errno;
}

UNIT_TEST(anon_fallback_without_memfd)
{
  if (forbid_memfd() != 0)
    UNIT_SKIP("seccomp filters unavailable: cannot make memfd_create fail");
  enum { N = 30 };
  void *code[N];
  JitMem *m = jitmem_open(1);
  ASSERT_TRUE(m != NULL);
  JitMemStats st;
  jitmem_stats(m, &st);
  EXPECT_EQ(0, st.dualmap);
  ASSERT_EQ(0, place_many(m, N, 100 << 10, code));
  jitmem_stats(m, &st);
  EXPECT_EQ(0, st.dualmap);
  EXPECT_TRUE(st.nchunks >= 2);
  printf("# anonymous chunks, backing %s\n", jitmem_backing_name(st.backing));
  char perms[8];
  perms_at(code[0], perms);
  EXPECT_STREQ("r-xp", perms);
  EXPECT_EQ(0, count_wx_mappings());
  EXPECT_EQ(0, check_many(N, 100 << 10, code));
  /* Slots rebound in a chunk that is not the current one: flipped and back. */
  uint8_t load[8];
  const uint64_t slots[2] = { 5, 6 };
  void *fn;
  make_load_slot(load, 2, 1);
  ASSERT_EQ(0, jitmem_place(m, slots, 2, load, sizeof load, &fn));
  EXPECT_EQ(6, as_fn(fn)());
  ASSERT_EQ(0, place_many(m, N, 100 << 10, code));   /* fn's chunk is full now */
  EXPECT_EQ(0, jitmem_setslot(m, (uint8_t *)fn - 8, 77));
  EXPECT_EQ(77, as_fn(fn)());
  perms_at(fn, perms);
  EXPECT_STREQ("r-xp", perms);
  EXPECT_EQ(0, count_wx_mappings());
  jitmem_close(m);
  UNIT_DONE();
}

UNIT_TEST(perf_map_line)
{
  static const uint8_t code[] = { 0xb8, 0x07, 0x00, 0x00, 0x00, 0xc3 };
  char path[64], want[128], line[256];
  JitMem *m = jitmem_open(0);
  void *fn;
  ASSERT_TRUE(m != NULL);
  ASSERT_EQ(0, jitmem_place(m, NULL, 0, code, sizeof code, &fn));
  snprintf(path, sizeof path, "/tmp/perf-%ld.map", (long)getpid());
  unlink(path);
  ASSERT_EQ(0, jitmem_perfmap_open());
  jitmem_perfmap(fn, sizeof code, "lua:test.lua:12 f");
  snprintf(want, sizeof want, "%lx %zx lua:test.lua:12 f\n", (unsigned long)(uintptr_t)fn,
           sizeof code);
  FILE *f = fopen(path, "r");
  int found = 0;
  ASSERT_TRUE(f != NULL);
  while (fgets(line, sizeof line, f))
    found |= strcmp(line, want) == 0;
  fclose(f);
  if (!found)
    printf("# %s lacks: %s", path, want);
  EXPECT_TRUE(found);
  unlink(path);
  jitmem_close(m);
  UNIT_DONE();
}

int main(void)
{
  /* Tests run in forked children that _exit: unflushed "# " lines would be lost on a pipe. */
  setvbuf(stdout, NULL, _IOLBF, 0);
  return unit_main(60);
}
