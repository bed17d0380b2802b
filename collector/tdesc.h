/* collector/tdesc.h — glibc's thread descriptors (struct pthread), as far
 * as the scan needs them to find every thread's stack without asking glibc,
 * whose locks a stopped thread may hold.
 *
 * On x86_64 a thread's thread pointer is its descriptor, and the
 * descriptor starts with the TCB header, whose words 0 (tcb) and 2 (self)
 * both hold the descriptor's own address: a fingerprint that memory does
 * not show by chance. glibc puts the descriptor of every thread it creates
 * at the top of the thread's stack mapping, rounded down to the static TLS
 * alignment, with the thread's static TLS just below it; the stacks of
 * exited threads that glibc keeps for reuse look the same. The descriptor's
 * `tid` field says which: the thread's id while it runs, 0 once it exited
 * (the kernel clears it), -1 once it was joined. The main thread's
 * descriptor is elsewhere (the dynamic loader's memory): the shim notes
 * where at init.
 *
 * The tid field's offset comes from glibc's export for libthread_db,
 * checked against the initialising thread's own descriptor (else found
 * there by value); the scan checks it again on each stopped thread. */
#ifndef LG_TDESC_H
#define LG_TDESC_H

#include <stdint.h>
#include <sys/types.h>

/* Thread layout, read once at init from glibc's exported facts: the static
 * TLS size (the descriptor included) and alignment, sizeof(struct pthread). */
typedef struct lg_tls_layout { uintptr_t static_size, pthread_size, align; } lg_tls_layout_t;
extern lg_tls_layout_t lg_tls;

/* lg_tdesc_init learns the layout (lg_tls above, the tid
 * field) on the calling thread, at collector init. */
void lg_tdesc_init(void);
/* lg_tdesc_is tells whether readable memory at pd holds the fingerprint. */
int lg_tdesc_is(uintptr_t pd);
/* lg_tdesc_at_top returns where glibc puts the descriptor of a stack
 * mapping that ends at `hi` (the caller checks the fingerprint there). */
uintptr_t lg_tdesc_at_top(uintptr_t hi);
/* lg_tdesc_tid reads the tid field of descriptor pd into *tid; 0 when
 * the field's offset is unknown. */
int lg_tdesc_tid(uintptr_t pd, pid_t *tid);
/* lg_tdesc_main returns the main thread's descriptor, or 0 if unknown. */
uintptr_t lg_tdesc_main(void);
/* The static TLS and descriptor of the thread whose thread pointer is tp:
 * [lg_tdesc_tls_lo(tp), lg_tdesc_end(tp)). */
uintptr_t lg_tdesc_tls_lo(uintptr_t tp);
uintptr_t lg_tdesc_end(uintptr_t tp);

#endif
