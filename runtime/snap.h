/* snap.h: snapshots, what a seeding process learned, as a file any later process can start from.
 *
 * A snapshot is little-endian (jolt runs on x86-64 only, so the structs below are the bytes on
 * disk; static asserts pin their sizes). docs/snapshot-format.md draws it byte by byte:
 *
 *   [header, 4 KiB: magic, versions, build id, CPU features, program, section table]
 *   [section]... each at a 4 KiB file offset, each with a checksum in the section table; the
 *   code section last, so a loader can start the program while it still streams in
 *
 * Everything in it is heap-independent (DESIGN.md decision 3): functions are named by their
 * function id, shapes by their key sequence (parent shape index + key string index), strings by
 * their index in the string section, C functions by their library name ("math.sqrt"); code is
 * position-independent and reaches everything else through a slot table that binding fills.
 *
 * Three layers, three modules:
 * - snap_file.c: the in-memory model (SnapModel) that writers fill and the serializer writes
 *   atomically, and the reader (snap_parse) that validates a whole file before anything of it is
 *   used: bounds, checksums, every index, every count. A parsed SnapImage points into the
 *   caller's buffer and holds only checked data.
 * - snap_write.c: builds a model from the running process (profiles, shapes, compiled code).
 * - snap_bind.c: uses an image in a new process: replays its shapes, then binds each function
 *   the compiler creates whose id has a record (profile, then shipped code or a compile).
 */
#ifndef JOLT_SNAP_H
#define JOLT_SNAP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SNAP_MAGIC    "JOLTSNAP"
#define SNAP_FORMAT   4           /* file layout (2: section checksums by snap_checksum;
                                     3: the code section last, per-function code checksums;
                                     4: snap_checksum by folded 128-bit products) */
#define SNAP_RECORDS  1           /* record layout and meaning (profile records outlive builds) */
#define SNAP_PAGE     4096        /* header size and section alignment in the file */
#define SNAP_MAXSECT  16
#define SNAP_NONE     0xffffffffu
#define SNAP_MAXSTR   (1u << 20)  /* longest string in a string section */

/* Section kinds, in file order. */
#define SNAP_SECTIONS(X) \
  X(STRINGS, "strings", 1) X(SHAPES, "shapes", 8) X(FUNCS, "funcs", 64) X(SITES, "sites", 40) \
  X(CODE, "code", 1) X(CODEMETA, "codemeta", 56) X(CONSTS, "consts", 16) X(EXITS, "exits", 8) \
  X(ENTRIES, "entries", 4) X(IMPORTS, "imports", 4)
enum {
  SS_NONE,
#define X(n, s, r) SS_##n,
  SNAP_SECTIONS(X)
#undef X
  SS__N
};

/* Header flags. */
#define SH_CODE   (1u << 0)       /* has code sections */
#define SH_MERGED (1u << 1)       /* written by jolt-snap merge */

typedef struct SnapSection {
  uint32_t kind, flags;
  uint64_t offset, size;          /* file offset (4 KiB aligned) and bytes */
  uint32_t crc;                   /* snap_checksum of the section's bytes */
  uint32_t count;                 /* records (strings: strings) */
} SnapSection;

typedef struct SnapHeader {
  char magic[8];                  /* "JOLTSNAP" */
  uint32_t format;                /* SNAP_FORMAT */
  uint32_t header_size;           /* SNAP_PAGE */
  uint8_t build_id[16];           /* the runtime that wrote the code (snap_build_id) */
  uint32_t bcid;                  /* bytecode id (dump.c): records are about this bytecode */
  uint32_t records;               /* SNAP_RECORDS */
  uint64_t cpu_have;              /* CPU features of the seeder (snap_cpu_features) */
  uint64_t cpu_need;              /* features the code needs */
  uint64_t created;               /* unix seconds when written (merge: the newest input's) */
  uint32_t seeders;               /* processes whose profiles this holds (merge adds) */
  uint32_t nsections;
  uint64_t samples;               /* calls + loop iterations recorded */
  uint64_t program_hash;          /* hash of the main script's source text */
  char program[128];              /* the main script's file name (no directory), NUL-padded */
  uint32_t flags;                 /* SH_* */
  uint32_t header_crc;            /* CRC-32 of the SNAP_PAGE header bytes with this field 0 */
  SnapSection sect[SNAP_MAXSECT];
} SnapHeader;

/* A function record (FUNCS), hot first. Site records site0..site0+nsite-1 are its sites. */
typedef struct SnapFunc {
  uint64_t fid;
  uint64_t calls, backedges;
  uint64_t lastchange;            /* the stability point (calls) */
  uint32_t deopts;
  uint32_t ncode;                 /* bytecodes (site pcs are below it) */
  uint32_t site0, nsite;
  uint32_t name;                  /* string: "chunk:line" for people */
  uint32_t code;                  /* CODEMETA index, or SNAP_NONE */
  uint16_t jitversions;           /* versions compiled in the seeder(s) */
  uint8_t stable, nojit;
  uint32_t line;
} SnapFunc;

/* What a seen[] entry of a site names. */
enum { SK_NONE, SK_SHAPE, SK_LFN, SK_CFN };

typedef struct SnapSite {
  uint32_t pc;
  uint16_t t1, t2;                /* tag sets (prof.h) */
  uint8_t flags, nseen;           /* PS_*, entries of kind/ref used */
  uint8_t kind[2];                /* SK_* */
  uint16_t slot, slot1;           /* recomputed when bound, kept for tools */
  uint16_t pad[2];
  uint32_t count;
  uint64_t ref[2];                /* SK_SHAPE: shape index (SNAP_NONE: the empty root shape); SK_LFN: fid; SK_CFN: string index */
} SnapSite;

typedef struct SnapShape { uint32_t parent, key; } SnapShape;   /* parent SNAP_NONE: the root */

/* Compiled code of one function (CODEMETA); its bytes are CODE[off..off+size). */
typedef struct SnapCode {
  uint64_t fid;
  uint32_t off, size;
  uint32_t nconst, const0;        /* slot-table constants: CONSTS[const0..] */
  uint32_t nexit, exit0;          /* EXITS[exit0..] */
  uint32_t nentry, entry0;        /* ENTRIES[entry0..]: per pc offset+1 or 0; nentry = ncode+1 */
  uint32_t nbc;                   /* bytecodes compiled */
  uint32_t flags;
  uint32_t csum;                  /* snap_checksum of its code bytes: usable before the whole
                                     code section has arrived and been checked */
} SnapCode;

enum { SC_SHAPE = 1, SC_STR, SC_LFN, SC_CFN };   /* SnapConst kinds */
typedef struct SnapConst { uint8_t kind; uint8_t pad[7]; uint64_t ref; } SnapConst;

typedef struct SnapExit { uint32_t pc; uint8_t kind, reason; uint16_t site; } SnapExit;

/* -- The model: what writers fill (snap_write.c, jolt-snap merge) ------------------------- */

typedef struct SnapModel {
  SnapHeader h;                   /* identity fields; sections are filled by snap_model_write */
  char *sblob; size_t nsblob, csblob;             /* STRINGS bytes: [u32 len][bytes]... */
  uint32_t nstr;
  uint32_t *smap; uint32_t csmap;                 /* dedupe: open addressing, index + 1 */
  uint32_t *soff;  uint32_t csoff;                /* offset of each string in sblob */
  SnapShape *shapes; uint32_t nshapes, cshapes;
  uint32_t *shmap; uint32_t cshmap;
  SnapFunc *funcs; uint32_t nfuncs, cfuncs;
  SnapSite *sites; uint32_t nsites, csites;
  uint8_t *code; size_t ncodeb, ccodeb;
  SnapCode *codes; uint32_t ncodes, ccodes;
  SnapConst *consts; uint32_t nconsts, cconsts;
  SnapExit *exits; uint32_t nexits, cexits;
  uint32_t *entries; uint32_t nentries, centries;
  uint32_t *imports; uint32_t nimports, cimports;
} SnapModel;

void snap_model_init(SnapModel *m);
void snap_model_free(SnapModel *m);
/* Each returns the index of what it added or found, SNAP_NONE when out of memory. */
uint32_t snap_str(SnapModel *m, const char *s, size_t len);
uint32_t snap_shape(SnapModel *m, uint32_t parent, uint32_t key);
SnapFunc *snap_addfunc(SnapModel *m);
SnapSite *snap_addsite(SnapModel *m);
SnapCode *snap_addcode(SnapModel *m, const uint8_t *code, size_t n);   /* code 16-aligned */
SnapConst *snap_addconst(SnapModel *m);
SnapExit *snap_addexit(SnapModel *m);
int snap_addentries(SnapModel *m, const uint32_t *e, uint32_t n);
int snap_addimport(SnapModel *m, uint32_t name);
/* Write the model to path atomically (temporary file in the same directory, fsync, rename).
 * 0, or -1 with a one-line reason in why (nothing is left behind on failure). */
int snap_model_write(SnapModel *m, const char *path, char *why, size_t nwhy);

/* -- The reader -------------------------------------------------------------------------- */

typedef struct SnapImage {
  const uint8_t *buf; size_t len; /* the whole file (not owned) */
  const SnapHeader *h;
  const SnapSection *sect[SS__N]; /* by kind (NULL: absent) */
  uint32_t nstr;
  const uint32_t *soff;           /* offset of each string's [u32 len] in STRINGS (owned) */
  const uint8_t *strings;
  const SnapShape *shapes; uint32_t nshapes;
  const SnapFunc *funcs; uint32_t nfuncs;
  const SnapSite *sites; uint32_t nsites;
  const uint8_t *code; size_t ncodeb;
  const SnapCode *codes; uint32_t ncodes;
  const SnapConst *consts; uint32_t nconsts;
  const SnapExit *exits; uint32_t nexits;
  const uint32_t *entries; uint32_t nentries;
  const uint32_t *imports; uint32_t nimports;
  uint32_t *fmap; uint32_t cfmap; /* fid -> funcs index + 1, open addressing (owned) */
} SnapImage;

/* Validate buf[0..len) completely and fill img (pointers into buf, which must be 8-aligned
 * and outlive img). 0, or -1 with a one-line reason ("truncated: ...", "checksum ...").
 * Checks layers 1-3 of DESIGN.md decision 4; the build and CPU are snap_code_usable's. */
int snap_parse(const uint8_t *buf, size_t len, SnapImage *img, char *why, size_t nwhy);
/* The same, for a loader that verified each section's checksum as it streamed it in. */
#define SNAP_PARSE_CRC_DONE 1
int snap_parse_ex(const uint8_t *buf, size_t len, SnapImage *img, int flags, char *why,
                  size_t nwhy);
void snap_image_free(SnapImage *img);
/* Only the header: magic, versions, header checksum, section table bounds against filelen. */
int snap_check_header(const uint8_t *hdr, size_t hlen, uint64_t filelen, char *why, size_t nwhy);
/* Whether this process may run the image's code: build id, CPU features, import names. */
int snap_code_usable(const SnapImage *img, char *why, size_t nwhy);
const SnapFunc *snap_find(const SnapImage *img, uint64_t fid);
/* String i of img (NUL-free view): pointer and length. */
const char *snap_string(const SnapImage *img, uint32_t i, uint32_t *len);
const char *snap_section_name(uint32_t kind);

/* Identity of this build and machine. */
void snap_build_id(uint8_t out[16]);
void snap_build_hex(const uint8_t id[16], char out[33]);
uint64_t snap_cpu_features(void);
uint64_t snap_cpu_required(void);       /* what the JIT's code uses */
uint64_t snap_hash(const void *p, size_t n);   /* 64-bit content hash (program identity) */
/* The checksum of a section (the header itself keeps zlib's CRC-32, over its 4 KiB). */
uint32_t snap_checksum(const void *p, size_t n);
/* The same, piece by piece: init with the total length, then blocks in order (each piece a
 * multiple of 32 bytes), then final with the rest (any length). */
typedef struct SnapCk { uint64_t a[4]; uint64_t total; } SnapCk;
void snap_ck_init(SnapCk *c, uint64_t total);
void snap_ck_blocks(SnapCk *c, const void *p, size_t n);
uint32_t snap_ck_final(SnapCk *c, const void *tail, size_t n);
/* Names of the slot-table helpers, JSLOT order (jit_ir.h). */
extern const char *const snap_import_names[];
extern const int snap_nimport_names;

/* Open a snapshot file for reading: its descriptor and *len, or -1 with why for what cannot be
 * one (cannot open, a directory, a FIFO or other non-regular file, empty, too large). */
#define SNAP_MAXFILE ((uint64_t)1 << 34)
int snap_open_file(const char *path, uint64_t *len, char *why, size_t nwhy);
/* Read a whole file into an 8-aligned buffer (*buf, freed with free()). 0 or -1 and why. */
int snap_read_file(const char *path, uint8_t **buf, size_t *len, char *why, size_t nwhy);

#endif
