/* load_numa.c: the NUMA node a jump-started process runs on (load.h). On a machine with one
 * node all of this still runs and is reported: binding to node 0 is then simply true. */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <numa.h>
#include <numaif.h>

#include "load.h"

int load_numa_pick(const char *spec, char *why, size_t nwhy)
{
  if (numa_available() < 0) {
    snprintf(why, nwhy, "NUMA is not available on this machine");
    return -1;
  }
  if (strcmp(spec, "auto") == 0) {
    int cpu = sched_getcpu();
    int node = cpu >= 0 ? numa_node_of_cpu(cpu) : -1;
    if (node < 0) {
      snprintf(why, nwhy, "the node of CPU %d is unknown", cpu);
      return -1;
    }
    return node;
  }
  char *end;
  long n = strtol(spec, &end, 10);
  if (*end || end == spec || n < 0 || n > numa_max_node()) {
    snprintf(why, nwhy, "no NUMA node '%s' (this machine has nodes 0..%d)", spec, numa_max_node());
    return -1;
  }
  return (int)n;
}

int load_numa_bind(int node, char *why, size_t nwhy)
{
  if (numa_run_on_node(node) != 0) {
    snprintf(why, nwhy, "cannot run on node %d: %s", node, strerror(errno));
    return -1;
  }
  struct bitmask *m = numa_allocate_nodemask();
  if (!m) {
    snprintf(why, nwhy, "out of memory");
    return -1;
  }
  numa_bitmask_setbit(m, (unsigned)node);
  numa_set_membind(m);      /* every later allocation of the process, the runtime's heap too */
  numa_bitmask_free(m);
  return 0;
}

int load_numa_where(const void *base, size_t len, size_t pagesize, long counts[8])
{
  memset(counts, 0, 8 * sizeof counts[0]);
  size_t n = len / pagesize;
  if (n == 0)
    return 0;
  void **pages = malloc(n * sizeof *pages);
  int *status = malloc(n * sizeof *status);
  if (!pages || !status) {
    free(pages);
    free(status);
    return -1;
  }
  for (size_t i = 0; i < n; i++)
    pages[i] = (uint8_t *)base + i * pagesize;
  /* nodes == NULL: only ask where each page is (move_pages moves nothing then). */
  long r = move_pages(0, (unsigned long)n, pages, NULL, status, 0);
  int found = 0;
  if (r == 0)
    for (size_t i = 0; i < n; i++)
      if (status[i] >= 0) {
        found++;
        if (status[i] < 8)
          counts[status[i]]++;
      }
  free(pages);
  free(status);
  return r == 0 ? found : -1;
}
