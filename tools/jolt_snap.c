/* jolt_snap.c: jolt-snap, the user tool for snapshots (docs/jolt-snap.md).
 *
 *   jolt-snap inspect [--json] [--sites] FILE   header, sections, functions (and sites)
 *   jolt-snap verify FILE [--script app.lua] would jolt-load accept it?
 *   jolt-snap merge A B [C...] -o OUT        the profiles of several seeders as one snapshot
 *   jolt-snap diff A B | diff A --script S   which functions changed
 *
 * Every input is read whole and validated by snap_parse (the loader's own reader) before any of
 * it is looked at, so the tool trusts exactly what jolt-load would. This file holds the shared
 * input helpers, inspect and verify; merge and diff are in snap_merge.c and snap_diff.c.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "snap_tool.h"
#include "prof.h"

/* -- Shared helpers ----------------------------------------------------------------------- */

int snapin_load(SnapIn *in, const char *path, char *why, size_t nwhy)
{
  memset(in, 0, sizeof *in);
  in->path = path;
  if (snap_read_file(path, &in->buf, &in->len, why, nwhy) != 0)
    return -1;
  if (snap_parse(in->buf, in->len, &in->img, why, nwhy) != 0) {
    snapin_free(in);
    return -1;
  }
  return 0;
}

void snapin_free(SnapIn *in)
{
  snap_image_free(&in->img);
  free(in->buf);
  in->buf = NULL;
  in->len = 0;
}

int snapin_load_all(SnapIn *ins, char **paths, int n)
{
  char why[300];
  for (int i = 0; i < n; i++) {
    if (snapin_load(&ins[i], paths[i], why, sizeof why) != 0) {
      fprintf(stderr, "jolt-snap: %s: %s\n", paths[i], why);
      while (i-- > 0)
        snapin_free(&ins[i]);
      return -1;
    }
  }
  return 0;
}

void snap_program_of(const SnapHeader *h, char out[129])
{
  memcpy(out, h->program, sizeof h->program);
  out[sizeof h->program] = '\0';
}

const char *tool_basename(const char *path)
{
  const char *s = strrchr(path, '/');
  return s ? s + 1 : path;
}

void tool_putname(FILE *out, const char *s, uint32_t len)
{
  for (uint32_t i = 0; i < len; i++)
    fputc((unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i], out);
}

static const char usage_text[] =
  "usage: jolt-snap inspect [--json] [--sites] FILE\n"
  "       jolt-snap verify FILE [--script app.lua]\n"
  "       jolt-snap merge A B [C...] -o OUT\n"
  "       jolt-snap diff A B\n"
  "       jolt-snap diff A --script app.lua\n"
  "       jolt-snap gen --mib=N [--program=app.lua] -o OUT   (synthetic, for loader benchmarks)\n";

int tool_usage(void)
{
  fputs(usage_text, stderr);
  return 2;
}

/* -- What inspect shows ------------------------------------------------------------------- */

static void iso_time(uint64_t t, char out[32])
{
  time_t tt = (time_t)t;
  struct tm tm;
  if (!gmtime_r(&tt, &tm) || !strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
    snprintf(out, 32, "%llu", (unsigned long long)t);
}

/* cpuid leaf 1 bits as snap_cpu_features packs them: edx in the high half, ecx in the low. */
static const struct { int bit; const char *name; } cpu_bits[] = {
  { 32 + 23, "mmx" }, { 32 + 25, "sse" }, { 32 + 26, "sse2" }, { 0, "sse3" },
  { 1, "pclmul" }, { 9, "ssse3" }, { 12, "fma" }, { 13, "cx16" }, { 19, "sse4.1" },
  { 20, "sse4.2" }, { 22, "movbe" }, { 23, "popcnt" }, { 25, "aes" }, { 28, "avx" },
  { 29, "f16c" }, { 30, "rdrand" },
};

/* The known feature names of a mask, space-separated ("-" for none). */
static void cpu_names(uint64_t mask, char *out, size_t n)
{
  size_t at = 0;
  out[0] = '\0';
  for (size_t i = 0; i < sizeof cpu_bits / sizeof cpu_bits[0]; i++) {
    if (!(mask >> cpu_bits[i].bit & 1))
      continue;
    int w = snprintf(out + at, n - at, "%s%s", at ? " " : "", cpu_bits[i].name);
    if (w < 0 || (size_t)w >= n - at)
      break;
    at += (size_t)w;
  }
  if (!at)
    snprintf(out, n, "-");
}

/* Header flags as words ("code merged"; "-" for none). */
static void flag_names(uint32_t flags, char *out, size_t n)
{
  uint32_t rest = flags & ~(SH_CODE | SH_MERGED);
  snprintf(out, n, "%s%s%s%s", flags & SH_CODE ? "code " : "", flags & SH_MERGED ? "merged " : "",
           rest ? "other " : "", flags ? "" : "-");
  size_t l = strlen(out);
  if (l && out[l - 1] == ' ')
    out[l - 1] = '\0';
}

static void inspect_sites(const SnapImage *img, const SnapFunc *f);

static uint32_t code_bytes(const SnapImage *img, const SnapFunc *f)
{
  return f->code == SNAP_NONE ? 0 : img->codes[f->code].size;
}

static void inspect_header(const SnapIn *in)
{
  const SnapHeader *h = in->img.h;
  char build[33], created[32], prog[129], have[160], need[160], flags[64], why[300];
  snap_build_hex(h->build_id, build);
  iso_time(h->created, created);
  snap_program_of(h, prog);
  cpu_names(h->cpu_have, have, sizeof have);
  cpu_names(h->cpu_need, need, sizeof need);
  flag_names(h->flags, flags, sizeof flags);
  printf("%s: jolt snapshot, %zu bytes\n", in->path, in->len);
  printf("  format:      %u (records %u)\n", h->format, h->records);
  printf("  build id:    %s\n", build);
  printf("  bytecode id: %08x\n", h->bcid);
  printf("  cpu have:    %016llx (%s)\n", (unsigned long long)h->cpu_have, have);
  printf("  cpu need:    %016llx (%s)\n", (unsigned long long)h->cpu_need, need);
  printf("  created:     %s\n", created);
  printf("  seeders:     %u\n", h->seeders);
  printf("  samples:     %llu\n", (unsigned long long)h->samples);
  printf("  program:     ");
  tool_putname(stdout, prog, (uint32_t)strlen(prog));
  printf(" (hash %016llx)\n", (unsigned long long)h->program_hash);
  printf("  flags:       %s\n", flags);
  /* The header's checksum covers every section's: the file's identity for caches and peers. */
  printf("  checksum:    %08x (content address: header CRC-32 over the section checksums)\n",
         h->header_crc);
  if (snap_code_usable(&in->img, why, sizeof why) == 0)
    printf("  code here:   usable\n");
  else
    printf("  code here:   not usable: %s\n", why);
}

static void inspect_sections(const SnapIn *in)
{
  const SnapHeader *h = in->img.h;
  printf("\nsections (%u):\n", h->nsections);
  printf("  %-9s %10s %10s %8s %8s\n", "kind", "offset", "size", "count", "crc");
  for (uint32_t i = 0; i < h->nsections; i++) {
    const SnapSection *s = &h->sect[i];
    printf("  %-9s %10llu %10llu %8u %08x\n", snap_section_name(s->kind),
           (unsigned long long)s->offset, (unsigned long long)s->size, s->count, s->crc);
  }
}

static void inspect_functions(const SnapIn *in, int sites)
{
  const SnapImage *img = &in->img;
  int w = 4;
  for (uint32_t i = 0; i < img->nfuncs; i++) {
    uint32_t l;
    snap_string(img, img->funcs[i].name, &l);
    if ((int)l > w)
      w = l > 48 ? 48 : (int)l;
  }
  printf("\nfunctions (%u, hottest first):\n", img->nfuncs);
  printf("  %-*s %-16s %10s %10s %10s %6s %5s %7s\n", w, "name", "fid", "calls", "loops",
         "stable-at", "deopts", "sites", "code");
  for (uint32_t i = 0; i < img->nfuncs; i++) {
    const SnapFunc *f = &img->funcs[i];
    uint32_t l;
    const char *name = snap_string(img, f->name, &l);
    printf("  ");
    tool_putname(stdout, name, l);
    printf("%*s %016llx %10llu %10llu %10llu %6u %5u ", (int)l < w ? w - (int)l : 0, "",
           (unsigned long long)f->fid, (unsigned long long)f->calls,
           (unsigned long long)f->backedges, (unsigned long long)f->lastchange, f->deopts,
           f->nsite);
    if (f->code == SNAP_NONE)
      printf("%7s\n", "-");
    else
      printf("%7u\n", code_bytes(img, f));
    if (sites)
      inspect_sites(img, f);
  }
}

/* -- Sites (--sites) ----------------------------------------------------------------------- */

/* A tag set as names joined by '|' ("int|flt"; "-" for none). */
static void tag_names(uint16_t set, char *out, size_t n)
{
  static const char *const names[TAG__N] = {
#define X(name, tname) [TAG_##name] = #name,
    TAG_LIST(X)
#undef X
  };
  size_t at = 0;
  out[0] = '\0';
  for (int t = 0; t < TAG__N && at < n; t++) {
    if (!(set & tagbit(t)))
      continue;
    int w = snprintf(out + at, n - at, "%s", at ? "|" : "");
    at += w > 0 ? (size_t)w : 0;
    for (const char *c = names[t]; *c && at + 1 < n; c++)
      out[at++] = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
    out[at < n ? at : n - 1] = '\0';
  }
  if (!at)
    snprintf(out, n, "-");
}

/* Site flags (PS_*) as words joined by ',' ("-" for none). */
static void site_flag_names(uint8_t flags, char *out, size_t n)
{
  static const char *const names[] = { "mega", "taken", "nottaken", "meta", "hash", "deopt",
                                       "entry", "bit7" };
  size_t at = 0;
  out[0] = '\0';
  for (int b = 0; b < 8; b++) {
    if (!(flags >> b & 1))
      continue;
    int w = snprintf(out + at, n - at, "%s%s", at ? "," : "", names[b]);
    if (w < 0 || (size_t)w >= n - at)
      break;
    at += (size_t)w;
  }
  if (!at)
    snprintf(out, n, "-");
}

/* A shape as its keys from the root ("{x,y}"); the image's parents come before children. */
static void put_shape(FILE *out, const SnapImage *img, uint64_t ref)
{
  uint32_t chain[64];
  int n = 0;
  for (uint64_t r = ref; r != SNAP_NONE && r < img->nshapes && n < 64; r = img->shapes[r].parent)
    chain[n++] = (uint32_t)r;
  fputc('{', out);
  if (n > 6) {   /* a long chain (the globals' table): its length and last keys */
    fprintf(out, "%d keys: ...,", n);
    n = 3;
  }
  for (int i = n - 1; i >= 0; i--) {
    uint32_t l;
    const char *k = snap_string(img, img->shapes[chain[i]].key, &l);
    tool_putname(out, k, l);
    if (i)
      fputc(',', out);
  }
  fputc('}', out);
}

static void put_seen(FILE *out, const SnapImage *img, uint8_t kind, uint64_t ref)
{
  uint32_t l;
  const char *s;
  switch (kind) {
  case SK_SHAPE: fputs("shape", out); put_shape(out, img, ref); break;
  case SK_LFN: fprintf(out, "lfn:%016llx", (unsigned long long)ref); break;
  case SK_CFN:
    s = snap_string(img, (uint32_t)ref, &l);
    fputs("cfn:", out);
    tool_putname(out, s, l);
    break;
  default: fputs("?", out); break;
  }
}

static void inspect_sites(const SnapImage *img, const SnapFunc *f)
{
  for (uint32_t j = 0; j < f->nsite; j++) {
    const SnapSite *s = &img->sites[f->site0 + j];
    char t1[128], t2[128], fl[64];
    tag_names(s->t1, t1, sizeof t1);
    tag_names(s->t2, t2, sizeof t2);
    site_flag_names(s->flags, fl, sizeof fl);
    printf("      pc %-4u t1 %-9s t2 %-9s count %-8u flags %s", s->pc, t1, t2, s->count, fl);
    for (int e = 0; e < s->nseen; e++) {
      fputs(e ? " " : "  seen ", stdout);
      put_seen(stdout, img, s->kind[e], s->ref[e]);
    }
    fputc('\n', stdout);
  }
}

/* -- JSON --------------------------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s[0..n), 0 if it is not one. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
  size_t len = s[0] < 0x80 ? 1 : (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3 :
               (s[0] & 0xf8) == 0xf0 ? 4 : 0;
  if (len == 0 || len > n || (len == 2 && s[0] < 0xc2) || (len == 4 && s[0] > 0xf4))
    return 0;
  for (size_t i = 1; i < len; i++)
    if ((s[i] & 0xc0) != 0x80)
      return 0;
  if ((len == 3 && s[0] == 0xe0 && s[1] < 0xa0) || (len == 3 && s[0] == 0xed && s[1] >= 0xa0) ||
      (len == 4 && s[0] == 0xf0 && s[1] < 0x90) || (len == 4 && s[0] == 0xf4 && s[1] >= 0x90))
    return 0;   /* overlong, surrogate or past U+10FFFF */
  return len;
}

/* A JSON string: quotes, backslashes and controls escaped; bytes that are not UTF-8 become
 * the code point of the same number (U+0080..U+00FF), so the output is always valid JSON. */
static void json_str(FILE *out, const char *str, size_t n)
{
  const unsigned char *s = (const unsigned char *)str;
  fputc('"', out);
  for (size_t i = 0; i < n;) {
    unsigned char c = s[i];
    size_t l = utf8_len(s + i, n - i);
    if (c == '"' || c == '\\') {
      fprintf(out, "\\%c", c);
    } else if (c == '\n') {
      fputs("\\n", out);
    } else if (c == '\t') {
      fputs("\\t", out);
    } else if (c < 0x20 || c == 0x7f || l == 0) {
      fprintf(out, "\\u%04x", c);
    } else {
      fwrite(s + i, 1, l, out);
      i += l;
      continue;
    }
    i++;
  }
  fputc('"', out);
}

static void json_header(const SnapIn *in)
{
  const SnapHeader *h = in->img.h;
  char build[33], created[32], prog[129], have[160], need[160], why[300];
  snap_build_hex(h->build_id, build);
  iso_time(h->created, created);
  snap_program_of(h, prog);
  cpu_names(h->cpu_have, have, sizeof have);
  cpu_names(h->cpu_need, need, sizeof need);
  printf("{\"file\":");
  json_str(stdout, in->path, strlen(in->path));
  printf(",\"size\":%zu,\"format\":%u,\"records\":%u,\"build_id\":\"%s\",\"bytecode_id\":\"%08x\"",
         in->len, h->format, h->records, build, h->bcid);
  printf(",\"cpu_have\":\"%016llx\",\"cpu_have_names\":\"%s\"", (unsigned long long)h->cpu_have,
         have);
  printf(",\"cpu_need\":\"%016llx\",\"cpu_need_names\":\"%s\"", (unsigned long long)h->cpu_need,
         need);
  printf(",\"created\":\"%s\",\"created_unix\":%llu,\"seeders\":%u,\"samples\":%llu", created,
         (unsigned long long)h->created, h->seeders, (unsigned long long)h->samples);
  printf(",\"program\":");
  json_str(stdout, prog, strlen(prog));
  printf(",\"program_hash\":\"%016llx\",\"flags\":%u,\"code\":%s,\"merged\":%s,"
         "\"checksum\":\"%08x\"",
         (unsigned long long)h->program_hash, h->flags, h->flags & SH_CODE ? "true" : "false",
         h->flags & SH_MERGED ? "true" : "false", h->header_crc);
  int usable = snap_code_usable(&in->img, why, sizeof why) == 0;
  printf(",\"code_usable\":%s", usable ? "true" : "false");
  if (!usable) {
    printf(",\"code_refused\":");
    json_str(stdout, why, strlen(why));
  }
}

static void json_sections(const SnapIn *in)
{
  const SnapHeader *h = in->img.h;
  printf(",\"sections\":[");
  for (uint32_t i = 0; i < h->nsections; i++) {
    const SnapSection *s = &h->sect[i];
    printf("%s{\"kind\":\"%s\",\"offset\":%llu,\"size\":%llu,\"count\":%u,\"crc\":\"%08x\"}",
           i ? "," : "", snap_section_name(s->kind), (unsigned long long)s->offset,
           (unsigned long long)s->size, s->count, s->crc);
  }
  printf("]");
}

static void json_sites(const SnapImage *img, const SnapFunc *f)
{
  printf(",\"site_records\":[");
  for (uint32_t j = 0; j < f->nsite; j++) {
    const SnapSite *s = &img->sites[f->site0 + j];
    char t1[128], t2[128], fl[64];
    tag_names(s->t1, t1, sizeof t1);
    tag_names(s->t2, t2, sizeof t2);
    site_flag_names(s->flags, fl, sizeof fl);
    printf("%s{\"pc\":%u,\"t1\":\"%s\",\"t2\":\"%s\",\"flags\":\"%s\",\"count\":%u,\"seen\":[",
           j ? "," : "", s->pc, t1, t2, fl, s->count);
    for (int e = 0; e < s->nseen; e++) {
      static const char *const kinds[] = { "none", "shape", "lfn", "cfn" };
      printf("%s{\"kind\":\"%s\",\"ref\":", e ? "," : "", s->kind[e] < 4 ? kinds[s->kind[e]] : "?");
      if (s->kind[e] == SK_LFN) {
        printf("\"%016llx\"", (unsigned long long)s->ref[e]);
      } else if (s->kind[e] == SK_CFN) {
        uint32_t l;
        const char *name = snap_string(img, (uint32_t)s->ref[e], &l);
        json_str(stdout, name, l);
      } else {
        printf("%lld", s->ref[e] == SNAP_NONE ? -1LL : (long long)s->ref[e]);
      }
      printf("}");
    }
    printf("]}");
  }
  printf("]");
}

static void json_functions(const SnapIn *in, int sites)
{
  const SnapImage *img = &in->img;
  printf(",\"functions\":[");
  for (uint32_t i = 0; i < img->nfuncs; i++) {
    const SnapFunc *f = &img->funcs[i];
    uint32_t l;
    const char *name = snap_string(img, f->name, &l);
    printf("%s{\"name\":", i ? "," : "");
    json_str(stdout, name, l);
    printf(",\"fid\":\"%016llx\",\"line\":%u,\"calls\":%llu,\"loops\":%llu", (unsigned long long)f->fid,
           f->line, (unsigned long long)f->calls, (unsigned long long)f->backedges);
    printf(",\"stability_point\":%llu,\"stable\":%s,\"nojit\":%s,\"jitversions\":%u",
           (unsigned long long)f->lastchange, f->stable ? "true" : "false",
           f->nojit ? "true" : "false", f->jitversions);
    printf(",\"deopts\":%u,\"bytecodes\":%u,\"sites\":%u,\"code_bytes\":", f->deopts, f->ncode,
           f->nsite);
    if (f->code == SNAP_NONE)
      printf("null");
    else
      printf("%u", code_bytes(img, f));
    if (sites)
      json_sites(img, f);
    printf("}");
  }
  printf("]}\n");
}

/* -- Subcommands ------------------------------------------------------------------------- */

static int cmd_inspect(int argc, char **argv)
{
  int json = 0, sites = 0;
  const char *path = NULL;
  for (int i = 0; i < argc; i++) {
    if (strcmp(argv[i], "--json") == 0)
      json = 1;
    else if (strcmp(argv[i], "--sites") == 0)
      sites = 1;
    else if (argv[i][0] == '-' && argv[i][1])
      return tool_usage();
    else if (path)
      return tool_usage();
    else
      path = argv[i];
  }
  if (!path)
    return tool_usage();
  SnapIn in;
  char why[300];
  if (snapin_load(&in, path, why, sizeof why) != 0) {
    fprintf(stderr, "jolt-snap: %s: %s\n", path, why);
    return 1;
  }
  if (json) {
    json_header(&in);
    json_sections(&in);
    json_functions(&in, sites);
  } else {
    inspect_header(&in);
    inspect_sections(&in);
    inspect_functions(&in, sites);
  }
  snapin_free(&in);
  return fflush(stdout) == 0 ? 0 : 1;
}

/* Would jolt-load accept the file (for the script, when given), and with its code? */
static int cmd_verify(int argc, char **argv)
{
  const char *path = NULL, *script = NULL;
  for (int i = 0; i < argc; i++) {
    if (strcmp(argv[i], "--script") == 0 && i + 1 < argc)
      script = argv[++i];
    else if (strncmp(argv[i], "--script=", 9) == 0 && argv[i][9])
      script = argv[i] + 9;
    else if ((argv[i][0] == '-' && argv[i][1]) || path)
      return tool_usage();
    else
      path = argv[i];
  }
  if (!path)
    return tool_usage();
  SnapIn in;
  char why[300];
  if (snapin_load(&in, path, why, sizeof why) != 0) {
    printf("%s: refused: %s\n", path, why);
    return 1;
  }
  char prog[129];
  snap_program_of(in.img.h, prog);
  int rc = 0;
  if (script && prog[0] && strcmp(prog, tool_basename(script)) != 0) {
    printf("%s: refused: a snapshot of another program (%s, not %s)\n", path, prog,
           tool_basename(script));
    rc = 1;
  } else if (snap_code_usable(&in.img, why, sizeof why) == 0) {
    printf("%s: ok (code usable)\n", path);
  } else {
    printf("%s: ok (profile records only: %s)\n", path, why);
  }
  snapin_free(&in);
  return rc;
}

int main(int argc, char **argv)
{
  if (argc < 2)
    return tool_usage();
  const char *cmd = argv[1];
  if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
    fputs(usage_text, stdout);
    return 0;
  }
  if (strcmp(cmd, "inspect") == 0)
    return cmd_inspect(argc - 2, argv + 2);
  if (strcmp(cmd, "verify") == 0)
    return cmd_verify(argc - 2, argv + 2);
  if (strcmp(cmd, "merge") == 0)
    return cmd_merge(argc - 2, argv + 2);
  if (strcmp(cmd, "diff") == 0)
    return cmd_diff(argc - 2, argv + 2);
  if (strcmp(cmd, "gen") == 0)
    return cmd_gen(argc - 2, argv + 2);
  fprintf(stderr, "jolt-snap: unknown command '%s'\n", cmd);
  return tool_usage();
}
