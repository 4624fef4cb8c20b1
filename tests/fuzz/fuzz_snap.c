/* fuzz_snap.c: libFuzzer target for the snapshot reader (runtime/snap_file.c). Each input is a
 * whole snapshot file, copied into an 8-aligned buffer of its exact size and checked as the
 * loader checks one: snap_check_header on the header alone, then snap_parse. An image that
 * passes goes through what jolt-load and jolt-snap do with it: snap_code_usable, snap_find of
 * its first ids and of ids it lacks, snap_string of every string. A mutated byte nearly
 * always breaks a checksum, which would keep the fuzzer at the checksums, so each input runs a second time with its header and section checksums
 * recomputed and this build's id in the header: that copy reaches every check behind them.
 * Seeds: snapshots of tests/lua programs (tests/run.sh seed_snap). Anything a sanitizer sees,
 * and any image that breaks a promise of snap.h, is a bug. Built like fuzz_parse. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "snap.h"

/* A promise of snap.h broken by an image snap_parse accepted: stop with a crash to report. */
#define PROMISE(cond) do { if (!(cond)) abort(); } while (0)

/* Everything a reader may do with a validated image; each access must stay inside it. */
static void use_image(const SnapImage *img)
{
  char why[300];
  snap_code_usable(img, why, sizeof why);
  for (uint32_t i = 0; i < img->nfuncs && i < 8; i++)
    PROMISE(snap_find(img, img->funcs[i].fid) == &img->funcs[i]);
  uint64_t absent = 0x9e3779b97f4a7c15ULL;
  for (int i = 0; i < 4; i++, absent *= 31) {
    const SnapFunc *f = snap_find(img, absent);
    PROMISE(f == NULL || f->fid == absent);
  }
  uint32_t sum = 0;
  for (uint32_t i = 0; i <= img->nstr; i++) {      /* one past the end: the empty string */
    uint32_t len;
    const char *s = snap_string(img, i, &len);
    PROMISE(len <= SNAP_MAXSTR);
    for (uint32_t j = 0; j < len; j++)
      sum += (uint8_t)s[j];
  }
  (void)sum;
}

/* The loader's order: the header page alone, then the whole file. */
static void check(const uint8_t *buf, size_t len)
{
  char why[300];
  SnapImage img;
  size_t hlen = len < SNAP_PAGE ? len : SNAP_PAGE;
  if (len > 0)
    snap_check_header(buf, hlen, len, why, sizeof why);
  if (snap_parse(buf, len, &img, why, sizeof why) == 0)
    use_image(&img);
  snap_image_free(&img);
}

/* Recompute the checksums the input's section table and header page call for, and put this
 * build's id in, so that the rest of the validation sees the mutation. */
static void fix_checksums(uint8_t *buf, size_t len)
{
  if (len < SNAP_PAGE)
    return;
  SnapHeader *h = (SnapHeader *)buf;
  snap_build_id(h->build_id);
  uint32_t n = h->nsections < SNAP_MAXSECT ? h->nsections : SNAP_MAXSECT;
  for (uint32_t i = 0; i < n; i++) {
    SnapSection *s = &h->sect[i];
    if (s->offset <= len && s->size <= len - s->offset)
      s->crc = snap_checksum(buf + s->offset, s->size);
  }
  h->header_crc = 0;
  h->header_crc = (uint32_t)crc32(0L, buf, SNAP_PAGE);
}

/* libFuzzer looks this symbol up by name, so it must stay visible under -fvisibility=hidden. */
__attribute__((visibility("default")))
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  /* malloc's alignment is at least 8, and its exact size lets ASan see reads past the end. */
  uint8_t *buf = malloc(size ? size : 1);
  if (buf == NULL)
    return 0;
  if (size)
    memcpy(buf, data, size);
  check(buf, size);
  fix_checksums(buf, size);
  check(buf, size);
  free(buf);
  return 0;
}
