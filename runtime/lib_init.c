/* lib_init.c: opens the standard libraries: the base library into _G, every other one as a
 * global and in package.loaded (the registry's _LOADED table). */
#include "api.h"

static const ApiReg libs[] = {
  { "_G", lib_open_base },
  { "package", lib_open_package },
  { "coroutine", lib_open_coroutine },
  { "table", lib_open_table },
  { "io", lib_open_io },
  { "os", lib_open_os },
  { "string", lib_open_string },
  { "math", lib_open_math },
  { "utf8", lib_open_utf8 },
  { "debug", lib_open_debug },
  { "jolt", lib_open_jolt },
  { NULL, NULL }
};

void lib_openall(State *L)
{
  for (const ApiReg *l = libs; l->name; l++) {
    api_requiref(L, l->name, l->func, 1);
    api_pop(L, 1);
  }
}
