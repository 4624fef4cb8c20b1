/* jolt.c: the jolt program: the command line, without a snapshot (cli.c). */
#include "cli.h"

int main(int argc, char **argv)
{
  return cli_main(argc, argv, NULL);
}
