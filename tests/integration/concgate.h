/* concgate.h — the test side of the concurrent mark's test gate
 * (LEAKGRAPH_TEST_CONC_GATE and LEAKGRAPH_TEST_CONC_GATE_AT, concmark.h):
 * a thread of the test waits until the scan stands at a place of its
 * concurrent pass, acts on memory there, then lets the scan go on. */
#ifndef CONCGATE_H
#define CONCGATE_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Waits (at most 60 s) until the scan stands at gate place `place`
 * ("armed", "marked"); returns 1, or 0 if it never came there. */
static inline int conc_gate_wait(const char *place) {
  const char *g = getenv("LEAKGRAPH_TEST_CONC_GATE");
  char w[4200];
  snprintf(w, sizeof w, "%s.%s.wait", g ? g : "gate", place);
  for (int i = 0; i < 60000; i++) {
    if (access(w, F_OK) == 0) return 1;
    usleep(1000);
  }
  return 0;
}

/* Lets the scan go on from gate place `place`. */
static inline void conc_gate_open(const char *place) {
  const char *g = getenv("LEAKGRAPH_TEST_CONC_GATE");
  char w[4200];
  snprintf(w, sizeof w, "%s.%s", g ? g : "gate", place);
  int fd = open(w, O_WRONLY | O_CREAT, 0600);
  if (fd >= 0) close(fd);
}

/* The same for the gate between the registered regions and the threads
 * of the concurrent pass's roots (LEAKGRAPH_TEST_CONC_GATE_AT unset or
 * naming "roots"): GATE.wait and GATE. */
static inline int conc_gate_wait_roots(void) {
  const char *g = getenv("LEAKGRAPH_TEST_CONC_GATE");
  char w[4200];
  snprintf(w, sizeof w, "%s.wait", g ? g : "gate");
  for (int i = 0; i < 60000; i++) {
    if (access(w, F_OK) == 0) return 1;
    usleep(1000);
  }
  return 0;
}

static inline void conc_gate_open_roots(void) {
  const char *g = getenv("LEAKGRAPH_TEST_CONC_GATE");
  int fd = open(g ? g : "gate", O_WRONLY | O_CREAT, 0600);
  if (fd >= 0) close(fd);
}

/* Closes gate place `place` again (removes GATE.place and its .wait), so
 * that the next scan stops there too. */
static inline void conc_gate_close(const char *place) {
  const char *g = getenv("LEAKGRAPH_TEST_CONC_GATE");
  char w[4200];
  snprintf(w, sizeof w, "%s.%s", g ? g : "gate", place);
  unlink(w);
  snprintf(w, sizeof w, "%s.%s.wait", g ? g : "gate", place);
  unlink(w);
}

/* Whether the scan stands at gate place `place` now (no wait). */
static inline int conc_gate_reached(const char *place) {
  const char *g = getenv("LEAKGRAPH_TEST_CONC_GATE");
  char w[4200];
  snprintf(w, sizeof w, "%s.%s.wait", g ? g : "gate", place);
  return access(w, F_OK) == 0;
}

#endif
