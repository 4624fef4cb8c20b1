/* fuzz_parse.c: libFuzzer target for the compiler. Each input is compiled as a main chunk in a
 * fresh runtime; syntax errors are expected and caught, anything a sanitizer sees is a bug.
 * Built by `make fuzz` (clang, -fsanitize=fuzzer,address,undefined), run by tests/run.sh. */
#include <stddef.h>
#include <stdint.h>
#include "call.h"
#include "parse.h"
#include "state.h"

typedef struct Input {
  const char *buf;
  size_t len;
} Input;

static void compile(State *L, void *ud)
{
  const Input *in = ud;
  parse_chunk(L, in->buf, in->len, "=fuzz");
}

/* libFuzzer looks this symbol up by name, so it must stay visible under -fvisibility=hidden. */
__attribute__((visibility("default")))
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  Input in = { (const char *)data, size };
  State *L = state_new();
  if (L == NULL)
    return 0;
  call_rawrunprotected(L, compile, &in);
  state_close(L);
  return 0;
}
