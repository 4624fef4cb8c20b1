/* snap_file.c: the snapshot model, its atomic serializer, and the validating reader. */
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <cpuid.h>

#include "snap.h"
#include "dump.h"

_Static_assert(sizeof(SnapSection) == 32, "section table entry");
_Static_assert(sizeof(SnapHeader) <= SNAP_PAGE, "header fits its page");
_Static_assert(sizeof(SnapFunc) == 64, "function record");
_Static_assert(sizeof(SnapSite) == 40, "site record");
_Static_assert(sizeof(SnapShape) == 8, "shape record");
_Static_assert(sizeof(SnapCode) == 56, "code record");
_Static_assert(sizeof(SnapConst) == 16, "const record");
_Static_assert(sizeof(SnapExit) == 8, "exit record");

#ifndef JOLT_BUILD_ID
#define JOLT_BUILD_ID "00000000000000000000000000000000"
#endif
#ifndef JOLT_VARIANT
#define JOLT_VARIANT ""
#endif

static const uint32_t recsize[SS__N] = {
  0,
#define X(n, s, r) r,
  SNAP_SECTIONS(X)
#undef X
};

static const char *const sectname[SS__N] = {
  "none",
#define X(n, s, r) s,
  SNAP_SECTIONS(X)
#undef X
};

const char *snap_section_name(uint32_t kind)
{
  return kind < SS__N ? sectname[kind] : "unknown";
}

const char *const snap_import_names[] = { "jit_state.stresscount", "jit_h_step", "jit_h_return",
                                          "jit_h_callexit" };
const int snap_nimport_names = (int)(sizeof snap_import_names / sizeof snap_import_names[0]);

static int fail(char *why, size_t n, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, n, fmt, ap);
  va_end(ap);
  return -1;
}

/* -- Identity ----------------------------------------------------------------------------- */

static inline uint64_t rotl64(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

/* A checksum that runs at memory speed, so that a loader verifies a section about as fast as
 * it copies it out of the page cache (zlib's CRC-32 runs at 4 GB/s here). Each 32-byte block
 * gives two 64x64->128-bit products of its words with constants, folded (hi ^ lo), added into
 * two lanes that rotate first: the products do not depend on the lanes, so they overlap, and
 * the rotation makes the result depend on the order of the blocks. Blocks are absorbed in
 * order, in pieces of any multiple of 32 bytes (SnapCk), so a loader hashes a section while
 * its rest is still being read. It detects corruption, not tampering. */
#define CK_P1 0x9e3779b185ebca87ULL
#define CK_P2 0xc2b2ae3d27d4eb4fULL
#define CK_P3 0x165667b19e3779f9ULL
#define CK_P4 0x85ebca77c2b2ae63ULL

static inline uint64_t fold_mul(uint64_t a, uint64_t b)
{
  __uint128_t r = (__uint128_t)a * b;
  return (uint64_t)r ^ (uint64_t)(r >> 64);
}

void snap_ck_init(SnapCk *c, uint64_t total)
{
  c->a[0] = CK_P1 ^ total;
  c->a[1] = CK_P2;
  c->a[2] = c->a[3] = 0;
  c->total = total;
}

void snap_ck_blocks(SnapCk *c, const void *p, size_t n)
{
  const uint8_t *b = p;
  uint64_t a0 = c->a[0], a1 = c->a[1];
  for (size_t i = 0; i + 32 <= n; i += 32) {
    uint64_t w[4];
    memcpy(w, b + i, 32);
    a0 = rotl64(a0, 23) + fold_mul(w[0] ^ CK_P1, w[1] ^ CK_P2);
    a1 = rotl64(a1, 29) + fold_mul(w[2] ^ CK_P3, w[3] ^ CK_P4);
  }
  c->a[0] = a0;
  c->a[1] = a1;
}

uint32_t snap_ck_final(SnapCk *c, const void *tail, size_t n)
{
  const uint8_t *b = tail;
  size_t full = n & ~(size_t)31;
  snap_ck_blocks(c, b, full);
  uint64_t h = fold_mul(c->a[0] ^ CK_P3, c->a[1] ^ CK_P4) + rotl64(c->a[0], 17) + c->total;
  size_t i = full;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    memcpy(&w, b + i, 8);
    h = rotl64(h ^ (w * CK_P2), 27) * CK_P1 + CK_P4;
  }
  for (; i < n; i++)
    h = rotl64(h ^ (b[i] * CK_P3), 11) * CK_P1;
  h ^= h >> 33;
  h *= CK_P2;
  h ^= h >> 29;
  h *= CK_P3;
  h ^= h >> 32;
  return (uint32_t)h;
}

uint32_t snap_checksum(const void *p, size_t n)
{
  SnapCk c;
  snap_ck_init(&c, n);
  return snap_ck_final(&c, p, n);
}

uint64_t snap_hash(const void *p, size_t n)
{
  const unsigned char *b = p;
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < n; i++)
    h = (h ^ b[i]) * 0x100000001b3ULL;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return h;
}

/* The Makefile hashes the runtime's sources, the compiler and its flags into JOLT_BUILD_ID;
 * a variant (asan, noprof) mixes its name in, as its helpers differ. */
void snap_build_id(uint8_t out[16])
{
  const char *hex = JOLT_BUILD_ID;
  for (int i = 0; i < 16; i++) {
    unsigned v = 0;
    for (int j = 0; j < 2; j++) {
      char c = hex[2 * i + j];
      v = v * 16 + (unsigned)(c >= 'a' ? c - 'a' + 10 : c >= 'A' ? c - 'A' + 10 : c - '0');
    }
    out[i] = (uint8_t)v;
  }
  uint64_t vh = snap_hash(JOLT_VARIANT, strlen(JOLT_VARIANT));
  for (int i = 0; i < 8; i++)
    out[i] ^= (uint8_t)(vh >> (8 * i));
}

void snap_build_hex(const uint8_t id[16], char out[33])
{
  for (int i = 0; i < 16; i++)
    snprintf(out + 2 * i, 3, "%02x", id[i]);
}

/* cpuid leaf 1: edx in the high half, ecx in the low half. */
uint64_t snap_cpu_features(void)
{
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d))
    return 0;
  return ((uint64_t)d << 32) | c;
}

/* The encoder emits x86-64 with SSE2 (edx bit 26) and nothing newer. */
uint64_t snap_cpu_required(void)
{
  return (uint64_t)1 << (32 + 26);
}

/* -- The model ---------------------------------------------------------------------------- */

void snap_model_init(SnapModel *m)
{
  memset(m, 0, sizeof *m);
  memcpy(m->h.magic, SNAP_MAGIC, 8);
  m->h.format = SNAP_FORMAT;
  m->h.header_size = SNAP_PAGE;
  m->h.records = SNAP_RECORDS;
  m->h.bcid = dump_bcid();
  snap_build_id(m->h.build_id);
  m->h.cpu_have = snap_cpu_features();
  m->h.cpu_need = snap_cpu_required();
  m->h.seeders = 1;
}

void snap_model_free(SnapModel *m)
{
  free(m->sblob); free(m->smap); free(m->soff); free(m->shapes); free(m->shmap);
  free(m->funcs); free(m->sites); free(m->code); free(m->codes); free(m->consts);
  free(m->exits); free(m->entries); free(m->imports);
  memset(m, 0, sizeof *m);
}

/* Make room for need elements of size sz in *p (capacity *cap); 0 on out of memory. */
static int grow(void **p, uint32_t *cap, size_t need, size_t sz)
{
  if (need <= *cap)
    return 1;
  if (need > (1u << 30))
    return 0;
  size_t nc = *cap ? *cap : 16;
  while (nc < need)
    nc *= 2;
  void *np = realloc(*p, nc * sz);
  if (!np)
    return 0;
  *p = np;
  *cap = (uint32_t)nc;
  return 1;
}
#define GROW(arr, cap, need) grow((void **)&(arr), &(cap), (need), sizeof *(arr))

/* Make room for need bytes in the byte buffer *p (capacity *cap, first size `first`). */
static int growbytes(void *p, size_t *cap, size_t need, size_t first)
{
  if (need <= *cap)
    return 1;
  size_t nc = *cap ? *cap : first;
  while (nc < need)
    nc *= 2;
  void *nb = realloc(*(void **)p, nc);
  if (!nb)
    return 0;
  *(void **)p = nb;
  *cap = nc;
  return 1;
}

static uint32_t strkeyhash(const char *s, size_t len)
{
  return (uint32_t)snap_hash(s, len);
}

static int sequal(const SnapModel *m, uint32_t idx, const char *s, size_t len)
{
  uint32_t l;
  memcpy(&l, m->sblob + m->soff[idx], 4);
  return l == len && memcmp(m->sblob + m->soff[idx] + 4, s, len) == 0;
}

/* Rebuild an open-addressing map of n entries (index + 1 in each used slot) at twice the
 * size, placing entry i at hashof(m, i). */
static int rehash(const SnapModel *m, uint32_t **map, uint32_t *cap, uint32_t n,
                  uint32_t (*hashof)(const SnapModel *m, uint32_t i))
{
  uint32_t nc = *cap ? *cap * 2 : 64;
  uint32_t *nm = calloc(nc, sizeof *nm);
  if (!nm)
    return 0;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t h = hashof(m, i) & (nc - 1);
    while (nm[h])
      h = (h + 1) & (nc - 1);
    nm[h] = i + 1;
  }
  free(*map);
  *map = nm;
  *cap = nc;
  return 1;
}

static uint32_t strhashof(const SnapModel *m, uint32_t i)
{
  uint32_t l;
  memcpy(&l, m->sblob + m->soff[i], 4);
  return strkeyhash(m->sblob + m->soff[i] + 4, l);
}

uint32_t snap_str(SnapModel *m, const char *s, size_t len)
{
  if (len > SNAP_MAXSTR)
    return SNAP_NONE;
  if (2 * (m->nstr + 1) > m->csmap && !rehash(m, &m->smap, &m->csmap, m->nstr, strhashof))
    return SNAP_NONE;
  uint32_t h = strkeyhash(s, len) & (m->csmap - 1);
  for (; m->smap[h]; h = (h + 1) & (m->csmap - 1))
    if (sequal(m, m->smap[h] - 1, s, len))
      return m->smap[h] - 1;
  if (!growbytes(&m->sblob, &m->csblob, m->nsblob + 4 + len, 4096))
    return SNAP_NONE;
  if (!GROW(m->soff, m->csoff, m->nstr + 1))
    return SNAP_NONE;
  uint32_t l = (uint32_t)len;
  m->soff[m->nstr] = (uint32_t)m->nsblob;
  memcpy(m->sblob + m->nsblob, &l, 4);
  if (len)
    memcpy(m->sblob + m->nsblob + 4, s, len);
  m->nsblob += 4 + len;
  m->smap[h] = m->nstr + 1;
  return m->nstr++;
}

static uint32_t shapehash(uint32_t parent, uint32_t key)
{
  uint64_t v = ((uint64_t)parent << 32 | key) * 0x9e3779b97f4a7c15ULL;
  return (uint32_t)(v >> 32);
}

static uint32_t shapehashof(const SnapModel *m, uint32_t i)
{
  return shapehash(m->shapes[i].parent, m->shapes[i].key);
}

uint32_t snap_shape(SnapModel *m, uint32_t parent, uint32_t key)
{
  if (2 * (m->nshapes + 1) > m->cshmap &&
      !rehash(m, &m->shmap, &m->cshmap, m->nshapes, shapehashof))
    return SNAP_NONE;
  uint32_t h = shapehash(parent, key) & (m->cshmap - 1);
  for (; m->shmap[h]; h = (h + 1) & (m->cshmap - 1)) {
    SnapShape *s = &m->shapes[m->shmap[h] - 1];
    if (s->parent == parent && s->key == key)
      return m->shmap[h] - 1;
  }
  if (!GROW(m->shapes, m->cshapes, m->nshapes + 1))
    return SNAP_NONE;
  m->shapes[m->nshapes].parent = parent;
  m->shapes[m->nshapes].key = key;
  m->shmap[h] = m->nshapes + 1;
  return m->nshapes++;
}

#define ADDREC(m, arr, n, cap) \
  (GROW((m)->arr, (m)->cap, (size_t)(m)->n + 1) ? \
   memset(&(m)->arr[(m)->n], 0, sizeof *(m)->arr), &(m)->arr[(m)->n++] : NULL)

SnapFunc *snap_addfunc(SnapModel *m) { return ADDREC(m, funcs, nfuncs, cfuncs); }
SnapSite *snap_addsite(SnapModel *m) { return ADDREC(m, sites, nsites, csites); }
SnapConst *snap_addconst(SnapModel *m) { return ADDREC(m, consts, nconsts, cconsts); }
SnapExit *snap_addexit(SnapModel *m) { return ADDREC(m, exits, nexits, cexits); }

int snap_addentries(SnapModel *m, const uint32_t *e, uint32_t n)
{
  if (n == 0)
    return 0;
  if (!GROW(m->entries, m->centries, (size_t)m->nentries + n))
    return -1;
  memcpy(m->entries + m->nentries, e, (size_t)n * 4);
  m->nentries += n;
  return 0;
}

int snap_addimport(SnapModel *m, uint32_t name)
{
  if (!GROW(m->imports, m->cimports, (size_t)m->nimports + 1))
    return -1;
  m->imports[m->nimports++] = name;
  return 0;
}

SnapCode *snap_addcode(SnapModel *m, const uint8_t *code, size_t n)
{
  size_t off = (m->ncodeb + 15) & ~(size_t)15;
  if (off + n > UINT32_MAX)
    return NULL;
  if (!growbytes(&m->code, &m->ccodeb, off + n, 65536))
    return NULL;
  memset(m->code + m->ncodeb, 0xcc, off - m->ncodeb);   /* int3 between functions */
  memcpy(m->code + off, code, n);
  m->ncodeb = off + n;
  SnapCode *c = ADDREC(m, codes, ncodes, ccodes);
  if (c) {
    c->off = (uint32_t)off;
    c->size = (uint32_t)n;
    c->csum = snap_checksum(code, n);
  }
  return c;
}

/* -- Writing ------------------------------------------------------------------------------ */

static int writeall(int fd, const void *p, size_t n, off_t off)
{
  const uint8_t *b = p;
  while (n) {
    ssize_t w = pwrite(fd, b, n, off);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      return -1;
    }
    if (w == 0) {
      errno = ENOSPC;
      return -1;
    }
    b += w;
    n -= (size_t)w;
    off += w;
  }
  return 0;
}

int snap_model_write(SnapModel *m, const char *path, char *why, size_t nwhy)
{
  struct { uint32_t kind; const void *p; size_t size; uint32_t count; } s[SS__N];
  int ns = 0;
#define SECT(k, ptr, sz, cnt) do { s[ns].kind = (k); s[ns].p = (ptr); s[ns].size = (sz); \
    s[ns].count = (cnt); ns++; } while (0)
  SECT(SS_STRINGS, m->sblob, m->nsblob, m->nstr);
  SECT(SS_SHAPES, m->shapes, (size_t)m->nshapes * sizeof(SnapShape), m->nshapes);
  SECT(SS_FUNCS, m->funcs, (size_t)m->nfuncs * sizeof(SnapFunc), m->nfuncs);
  SECT(SS_SITES, m->sites, (size_t)m->nsites * sizeof(SnapSite), m->nsites);
  if (m->ncodes) {
    SECT(SS_CODEMETA, m->codes, (size_t)m->ncodes * sizeof(SnapCode), m->ncodes);
    SECT(SS_CONSTS, m->consts, (size_t)m->nconsts * sizeof(SnapConst), m->nconsts);
    SECT(SS_EXITS, m->exits, (size_t)m->nexits * sizeof(SnapExit), m->nexits);
    SECT(SS_ENTRIES, m->entries, (size_t)m->nentries * 4, m->nentries);
    SECT(SS_IMPORTS, m->imports, (size_t)m->nimports * 4, m->nimports);
    SECT(SS_CODE, m->code, m->ncodeb, (uint32_t)m->ncodeb);   /* last: the bulk, streamed on */
    m->h.flags |= SH_CODE;
  } else {
    m->h.flags &= ~SH_CODE;
  }
#undef SECT
  uint8_t *hdr = calloc(1, SNAP_PAGE);
  if (!hdr)
    return fail(why, nwhy, "out of memory");
  SnapHeader *h = (SnapHeader *)hdr;
  *h = m->h;
  memset(h->sect, 0, sizeof h->sect);
  h->nsections = (uint32_t)ns;
  uint64_t off = SNAP_PAGE;
  for (int i = 0; i < ns; i++) {
    h->sect[i].kind = s[i].kind;
    h->sect[i].offset = off;
    h->sect[i].size = s[i].size;
    h->sect[i].count = s[i].count;
    h->sect[i].crc = snap_checksum(s[i].size ? s[i].p : (const void *)"", s[i].size);
    off += (s[i].size + SNAP_PAGE - 1) / SNAP_PAGE * SNAP_PAGE;
  }
  h->header_crc = 0;
  h->header_crc = (uint32_t)crc32(0L, hdr, SNAP_PAGE);

  /* The temporary file lives next to the target so that rename is atomic. */
  size_t pl = strlen(path);
  char *tmp = malloc(pl + 16);
  if (!tmp) {
    free(hdr);
    return fail(why, nwhy, "out of memory");
  }
  snprintf(tmp, pl + 16, "%s.tmp.XXXXXX", path);
  int fd = mkstemp(tmp);
  if (fd < 0) {
    int e = errno;
    free(hdr);
    free(tmp);
    return fail(why, nwhy, "cannot create %s.tmp.*: %s", path, strerror(e));
  }
  int rc = writeall(fd, hdr, SNAP_PAGE, 0);
  static const uint8_t zeros[SNAP_PAGE];
  for (int i = 0; rc == 0 && i < ns; i++) {
    rc = writeall(fd, s[i].p, s[i].size, (off_t)h->sect[i].offset);
    size_t padn = (SNAP_PAGE - s[i].size % SNAP_PAGE) % SNAP_PAGE;
    if (rc == 0 && padn)   /* padding written, not a hole: the file's size is its content's */
      rc = writeall(fd, zeros, padn, (off_t)(h->sect[i].offset + s[i].size));
  }
  if (rc == 0)
    rc = fchmod(fd, 0644);
  if (rc == 0)
    rc = fsync(fd);
  int e = errno;
  if (close(fd) != 0 && rc == 0) {
    rc = -1;
    e = errno;
  }
  if (rc == 0 && rename(tmp, path) != 0) {
    rc = -1;
    e = errno;
  }
  if (rc != 0) {
    unlink(tmp);
    free(hdr);
    free(tmp);
    return fail(why, nwhy, "cannot write %s: %s", path, strerror(e));
  }
  /* The rename itself must survive a crash: sync the directory too. */
  char *dir = strdup(path);
  if (dir) {
    char *slash = strrchr(dir, '/');
    const char *d = slash ? (slash == dir ? "/" : (*slash = '\0', dir)) : ".";
    int dfd = open(d, O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
      fsync(dfd);
      close(dfd);
    }
    free(dir);
  }
  free(hdr);
  free(tmp);
  return 0;
}

/* -- Reading ------------------------------------------------------------------------------ */

int snap_open_file(const char *path, uint64_t *len, char *why, size_t nwhy)
{
  /* O_NONBLOCK: opening a FIFO for reading would wait for a writer; the mode check refuses it. */
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    return fail(why, nwhy, "cannot open: %s", strerror(errno));
  struct stat st;
  const char *bad = NULL;
  if (fstat(fd, &st) != 0)
    bad = strerror(errno);
  else if (S_ISDIR(st.st_mode))
    bad = "is a directory";
  else if (!S_ISREG(st.st_mode))
    bad = "not a regular file";
  else if (st.st_size == 0)
    bad = "empty file";
  if (bad) {
    close(fd);
    return fail(why, nwhy, "%s", bad);
  }
  if ((uint64_t)st.st_size > SNAP_MAXFILE) {
    close(fd);
    return fail(why, nwhy, "too large (%lld bytes)", (long long)st.st_size);
  }
  *len = (uint64_t)st.st_size;
  return fd;
}

int snap_read_file(const char *path, uint8_t **buf, size_t *len, char *why, size_t nwhy)
{
  *buf = NULL;
  *len = 0;
  uint64_t flen;
  int fd = snap_open_file(path, &flen, why, nwhy);
  if (fd < 0)
    return -1;
  size_t n = (size_t)flen;
  uint8_t *b = NULL;
  if (posix_memalign((void **)&b, SNAP_PAGE, n) != 0) {
    close(fd);
    return fail(why, nwhy, "out of memory for %zu bytes", n);
  }
  size_t got = 0;
  while (got < n) {
    ssize_t r = read(fd, b + got, n - got);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0) {
      int e = errno;
      free(b);
      close(fd);
      return fail(why, nwhy, r < 0 ? "read error: %s" : "file shrank while reading%s",
                  r < 0 ? strerror(e) : "");
    }
    got += (size_t)r;
  }
  close(fd);
  *buf = b;
  *len = n;
  return 0;
}

int snap_check_header(const uint8_t *hdr, size_t hlen, uint64_t filelen, char *why, size_t nwhy)
{
  if (hlen < 16 || memcmp(hdr, SNAP_MAGIC, 8) != 0)
    return fail(why, nwhy, "not a jolt snapshot (bad magic)");
  const SnapHeader *h = (const SnapHeader *)hdr;
  if (h->format != SNAP_FORMAT)
    return fail(why, nwhy, "snapshot format %u, this jolt reads format %u", h->format, SNAP_FORMAT);
  if (hlen < SNAP_PAGE || filelen < SNAP_PAGE)
    return fail(why, nwhy, "truncated: %llu bytes, the header alone is %u",
                (unsigned long long)filelen, SNAP_PAGE);
  if (h->header_size != SNAP_PAGE)
    return fail(why, nwhy, "bad header size %u", h->header_size);
  /* The CRC of the page with its own field taken as zero, without copying the page. */
  static const uint8_t zero4[4];
  size_t at = offsetof(SnapHeader, header_crc);
  uLong crc = crc32(0L, hdr, (uInt)at);
  crc = crc32(crc, zero4, 4);
  crc = crc32(crc, hdr + at + 4, (uInt)(SNAP_PAGE - at - 4));
  if (crc != h->header_crc)
    return fail(why, nwhy, "header checksum mismatch (corrupt header)");
  if (h->records != SNAP_RECORDS)
    return fail(why, nwhy, "record format %u, this jolt reads %u", h->records, SNAP_RECORDS);
  if (h->bcid != dump_bcid())
    return fail(why, nwhy, "written for another bytecode (bytecode id %08x, this jolt %08x)",
                h->bcid, dump_bcid());
  if (h->nsections > SNAP_MAXSECT)
    return fail(why, nwhy, "bad section count %u", h->nsections);
  uint64_t prevend = SNAP_PAGE;
  uint32_t seen = 0;
  for (uint32_t i = 0; i < h->nsections; i++) {
    const SnapSection *s = &h->sect[i];
    if (s->kind == SS_NONE || s->kind >= SS__N)
      return fail(why, nwhy, "section %u has unknown kind %u", i, s->kind);
    if (seen & (1u << s->kind))
      return fail(why, nwhy, "section %s appears twice", sectname[s->kind]);
    seen |= 1u << s->kind;
    if (s->offset % SNAP_PAGE != 0 || s->offset < prevend)
      return fail(why, nwhy, "section %s at bad offset %llu", sectname[s->kind],
                  (unsigned long long)s->offset);
    /* Checksums take 32-bit lengths and string offsets are 32-bit: larger would escape both. */
    if (s->size > UINT32_MAX)
      return fail(why, nwhy, "section %s too large (%llu bytes)", sectname[s->kind],
                  (unsigned long long)s->size);
    if (s->size > filelen || s->offset > filelen - s->size)
      return fail(why, nwhy, "truncated: section %s needs bytes %llu..%llu, the file has %llu",
                  sectname[s->kind], (unsigned long long)s->offset,
                  (unsigned long long)(s->offset + s->size), (unsigned long long)filelen);
    if (recsize[s->kind] > 1 && s->size != (uint64_t)s->count * recsize[s->kind])
      return fail(why, nwhy, "section %s: %llu bytes for %u records", sectname[s->kind],
                  (unsigned long long)s->size, s->count);
    prevend = s->offset + s->size;
  }
  for (uint32_t k = SS_STRINGS; k <= SS_SITES; k++)
    if (!(seen & (1u << k)))
      return fail(why, nwhy, "section %s missing", sectname[k]);
  uint32_t codeset = (1u << SS_CODE) | (1u << SS_CODEMETA) | (1u << SS_CONSTS) |
                     (1u << SS_EXITS) | (1u << SS_ENTRIES) | (1u << SS_IMPORTS);
  if ((seen & codeset) != 0 && (seen & codeset) != codeset)
    return fail(why, nwhy, "code sections incomplete");
  if (!!(h->flags & SH_CODE) != ((seen & codeset) != 0))
    return fail(why, nwhy, "code flag disagrees with the sections");
  return 0;
}

const char *snap_string(const SnapImage *img, uint32_t i, uint32_t *len)
{
  if (i >= img->nstr) {
    *len = 0;
    return "";
  }
  memcpy(len, img->strings + img->soff[i], 4);
  return (const char *)img->strings + img->soff[i] + 4;
}

const SnapFunc *snap_find(const SnapImage *img, uint64_t fid)
{
  if (!img->cfmap)
    return NULL;
  uint32_t h = (uint32_t)(fid ^ (fid >> 32)) & (img->cfmap - 1);
  for (; img->fmap[h]; h = (h + 1) & (img->cfmap - 1))
    if (img->funcs[img->fmap[h] - 1].fid == fid)
      return &img->funcs[img->fmap[h] - 1];
  return NULL;
}

void snap_image_free(SnapImage *img)
{
  free((void *)img->soff);
  free(img->fmap);
  memset(img, 0, sizeof *img);
}

/* Whether range [first, first+n) lies inside [0, total). */
static int inrange(uint32_t first, uint32_t n, uint32_t total)
{
  return first <= total && n <= total - first;
}

int snap_parse(const uint8_t *buf, size_t len, SnapImage *img, char *why, size_t nwhy)
{
  return snap_parse_ex(buf, len, img, 0, why, nwhy);
}

int snap_parse_ex(const uint8_t *buf, size_t len, SnapImage *img, int flags, char *why,
                  size_t nwhy)
{
  memset(img, 0, sizeof *img);
  if (len == 0)
    return fail(why, nwhy, "empty file");
  if (snap_check_header(buf, len, len, why, nwhy) != 0)
    return -1;
  const SnapHeader *h = (const SnapHeader *)buf;
  img->buf = buf;
  img->len = len;
  img->h = h;
  for (uint32_t i = 0; i < h->nsections; i++) {
    const SnapSection *s = &h->sect[i];
    if (!(flags & SNAP_PARSE_CRC_DONE) &&
        snap_checksum(buf + s->offset, s->size) != s->crc)
      return fail(why, nwhy, "section %s checksum mismatch (corrupt)", sectname[s->kind]);
    img->sect[s->kind] = s;
  }
#define SEC(k) (buf + img->sect[k]->offset)
#define CNT(k) (img->sect[k] ? img->sect[k]->count : 0)
  /* Strings: walk them once, recording where each starts. */
  const SnapSection *ss = img->sect[SS_STRINGS];
  img->strings = SEC(SS_STRINGS);
  img->nstr = ss->count;
  if (ss->count > ss->size / 4)
    return fail(why, nwhy, "section strings: %u strings in %llu bytes", ss->count,
                (unsigned long long)ss->size);
  uint32_t *soff = malloc(((size_t)ss->count + 1) * 4);
  if (!soff)
    return fail(why, nwhy, "out of memory");
  img->soff = soff;
  uint64_t pos = 0;
  for (uint32_t i = 0; i < ss->count; i++) {
    uint32_t l;
    if (ss->size - pos < 4)
      goto badstr;
    memcpy(&l, img->strings + pos, 4);
    if (l > SNAP_MAXSTR || ss->size - pos - 4 < l)
      goto badstr;
    soff[i] = (uint32_t)pos;
    pos += 4 + (uint64_t)l;
  }
  if (pos != ss->size)
    goto badstr;
  img->shapes = (const SnapShape *)SEC(SS_SHAPES);
  img->nshapes = CNT(SS_SHAPES);
  img->funcs = (const SnapFunc *)SEC(SS_FUNCS);
  img->nfuncs = CNT(SS_FUNCS);
  img->sites = (const SnapSite *)SEC(SS_SITES);
  img->nsites = CNT(SS_SITES);
  if (img->sect[SS_CODE]) {
    img->code = SEC(SS_CODE);
    img->ncodeb = img->sect[SS_CODE]->size;
    img->codes = (const SnapCode *)SEC(SS_CODEMETA);
    img->ncodes = CNT(SS_CODEMETA);
    img->consts = (const SnapConst *)SEC(SS_CONSTS);
    img->nconsts = CNT(SS_CONSTS);
    img->exits = (const SnapExit *)SEC(SS_EXITS);
    img->nexits = CNT(SS_EXITS);
    img->entries = (const uint32_t *)SEC(SS_ENTRIES);
    img->nentries = CNT(SS_ENTRIES);
    img->imports = (const uint32_t *)SEC(SS_IMPORTS);
    img->nimports = CNT(SS_IMPORTS);
  }
#undef SEC
#undef CNT
  /* Shapes: parents before children, keys are strings, chains no deeper than a shape holds. */
  uint8_t *depth = malloc(img->nshapes ? img->nshapes : 1);
  if (!depth)
    return fail(why, nwhy, "out of memory");
  for (uint32_t i = 0; i < img->nshapes; i++) {
    const SnapShape *s = &img->shapes[i];
    uint32_t kl;
    if (s->key >= img->nstr || (s->parent != SNAP_NONE && s->parent >= i)) {
      free(depth);
      return fail(why, nwhy, "shape %u: bad parent or key", i);
    }
    snap_string(img, s->key, &kl);
    depth[i] = (uint8_t)(s->parent == SNAP_NONE ? 1 : depth[s->parent] + 1);
    if (kl > 40 || depth[i] > 64 || (s->parent != SNAP_NONE && depth[s->parent] >= 64)) {
      free(depth);
      return fail(why, nwhy, "shape %u: key too long or chain too deep", i);
    }
  }
  free(depth);
  /* Functions and their sites. */
  for (uint32_t i = 0; i < img->nfuncs; i++) {
    const SnapFunc *f = &img->funcs[i];
    if (!inrange(f->site0, f->nsite, img->nsites) || f->name >= img->nstr ||
        (f->code != SNAP_NONE && f->code >= img->ncodes))
      return fail(why, nwhy, "function record %u: index out of range", i);
    uint32_t prev = 0;
    for (uint32_t j = 0; j < f->nsite; j++) {
      const SnapSite *s = &img->sites[f->site0 + j];
      if (s->pc >= f->ncode || (j > 0 && s->pc <= prev) || s->nseen > 2)
        return fail(why, nwhy, "function record %u: bad site %u", i, j);
      prev = s->pc;
      for (int k = 0; k < 2; k++) {
        int ok = k < s->nseen ? 0 : s->kind[k] == SK_NONE;
        if (k < s->nseen) {
          switch (s->kind[k]) {
          case SK_SHAPE: ok = s->ref[k] < img->nshapes || s->ref[k] == SNAP_NONE; break;
          case SK_LFN: ok = 1; break;
          case SK_CFN: ok = s->ref[k] < img->nstr; break;
          default: ok = 0; break;
          }
        }
        if (!ok)
          return fail(why, nwhy, "function record %u: bad reference at pc %u", i, s->pc);
      }
    }
  }
  /* Code: ranges inside their sections, constants naming existing things. */
  for (uint32_t i = 0; i < img->ncodes; i++) {
    const SnapCode *c = &img->codes[i];
    if (c->size == 0 || c->off % 16 != 0 || c->size > img->ncodeb || c->off > img->ncodeb - c->size ||
        !inrange(c->const0, c->nconst, img->nconsts) || !inrange(c->exit0, c->nexit, img->nexits) ||
        !inrange(c->entry0, c->nentry, img->nentries) || c->nentry == 0)
      return fail(why, nwhy, "code record %u: range out of bounds", i);
    for (uint32_t j = 0; j < c->nexit; j++)
      if (img->exits[c->exit0 + j].pc >= c->nentry)
        return fail(why, nwhy, "code record %u: exit %u past the function", i, j);
    for (uint32_t j = 0; j < c->nentry; j++)
      if (img->entries[c->entry0 + j] > c->size)
        return fail(why, nwhy, "code record %u: entry %u past the code", i, j);
    for (uint32_t j = 0; j < c->nconst; j++) {
      const SnapConst *k = &img->consts[c->const0 + j];
      int ok = (k->kind == SC_SHAPE && (k->ref < img->nshapes || k->ref == SNAP_NONE)) || (k->kind == SC_LFN) ||
               ((k->kind == SC_STR || k->kind == SC_CFN) && k->ref < img->nstr);
      if (!ok)
        return fail(why, nwhy, "code record %u: bad constant %u", i, j);
    }
  }
  for (uint32_t i = 0; i < img->nimports; i++)
    if (img->imports[i] >= img->nstr)
      return fail(why, nwhy, "import %u: bad name", i);
  /* The function map: ids are unique. */
  uint32_t cap = 16;
  while (cap < 2 * (uint64_t)img->nfuncs + 2)
    cap *= 2;
  img->fmap = calloc(cap, sizeof *img->fmap);
  if (!img->fmap)
    return fail(why, nwhy, "out of memory");
  img->cfmap = cap;
  for (uint32_t i = 0; i < img->nfuncs; i++) {
    uint64_t fid = img->funcs[i].fid;
    uint32_t hh = (uint32_t)(fid ^ (fid >> 32)) & (cap - 1);
    for (; img->fmap[hh]; hh = (hh + 1) & (cap - 1))
      if (img->funcs[img->fmap[hh] - 1].fid == fid)
        return fail(why, nwhy, "function %016llx recorded twice", (unsigned long long)fid);
    img->fmap[hh] = i + 1;
  }
  return 0;
badstr:
  return fail(why, nwhy, "section strings: malformed");
}

int snap_code_usable(const SnapImage *img, char *why, size_t nwhy)
{
  uint8_t mine[16];
  snap_build_id(mine);
  if (!img->codes)
    return fail(why, nwhy, "no code in the snapshot");
  if (memcmp(mine, img->h->build_id, 16) != 0) {
    char a[33], b[33];
    snap_build_hex(img->h->build_id, a);
    snap_build_hex(mine, b);
    return fail(why, nwhy, "built by another jolt (build id %s, this is %s)", a, b);
  }
  uint64_t need = img->h->cpu_need | snap_cpu_required();
  uint64_t missing = need & ~snap_cpu_features();
  if (missing)
    return fail(why, nwhy, "this CPU lacks features the code needs (cpuid.1 bits %016llx)",
                (unsigned long long)missing);
  if (img->nimports != (uint32_t)snap_nimport_names)
    return fail(why, nwhy, "code imports %u helpers, this jolt has %d", img->nimports,
                snap_nimport_names);
  for (uint32_t i = 0; i < img->nimports; i++) {
    uint32_t l;
    const char *s = snap_string(img, img->imports[i], &l);
    if (strlen(snap_import_names[i]) != l || memcmp(s, snap_import_names[i], l) != 0)
      return fail(why, nwhy, "code imports an unknown helper '%.*s'", (int)l, s);
  }
  return 0;
}
