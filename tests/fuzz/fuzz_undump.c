/* fuzz_undump.c: libFuzzer target for the binary chunk loader (runtime/dump.c). Each input is
 * the body of a binary chunk after a valid header (the fuzzer could hardly guess the header's
 * bytecode hash), loaded in a fresh runtime without libraries: load errors are expected and
 * caught; a chunk that loads is run under a count hook that stops it after a budget. Anything a
 * sanitizer sees is a bug. Seeds: string.dump of tests/lua functions minus their first 36
 * bytes (tests/jolt/dump_fuzz.lua mutates whole chunks the same way from Lua).
 * Built like fuzz_parse (clang, -fsanitize=fuzzer,address,undefined). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "api.h"
#include "call.h"
#include "dump.h"
#include "func.h"
#include "parse.h"
#include "state.h"
#include "vm.h"

#define HEADER_SIZE 36          /* dump.h */
#define BUDGET      20000       /* count-hook events (of 16 instructions) before a stop */

static char header[HEADER_SIZE];
static int budget;

static void write_header(State *L, void *ud, const void *buf, size_t len)
{
  size_t *have = ud;
  size_t n = len < HEADER_SIZE - *have ? len : HEADER_SIZE - *have;
  memcpy(header + *have, buf, n);
  *have += n;
}

/* The header of this build: the first bytes of any chunk it writes. */
static void make_header(State *L, void *ud)
{
  size_t have = 0;
  Proto *p = parse_chunk(L, "return", 6, "=h");
  dump_proto(L, p, 1, write_header, &have);
  if (have != HEADER_SIZE)
    abort();
}

static void stop(State *L, int event, int line)
{
  if (--budget < 0) {
    api_pushstring(L, "budget");
    api_error(L);
  }
}

/* libFuzzer looks this symbol up by name, so it must stay visible under -fvisibility=hidden. */
__attribute__((visibility("default")))
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  State *L = state_new();
  if (L == NULL)
    return 0;
  if (header[0] == 0 && call_rawrunprotected(L, make_header, NULL) != ST_OK)
    abort();
  char *chunk = malloc(HEADER_SIZE + size);
  if (chunk == NULL)
    abort();
  memcpy(chunk, header, HEADER_SIZE);
  memcpy(chunk + HEADER_SIZE, data, size);
  if (api_load(L, chunk, HEADER_SIZE + size, "=fuzz", "b") == ST_OK) {
    L->hook = stop;
    L->hookmask = HOOK_MASKCOUNT;
    L->basehookcount = L->hookcount = 16;
    budget = BUDGET;
    api_pcall(L, 0, 0, 0);
  }
  free(chunk);
  state_close(L);
  return 0;
}
