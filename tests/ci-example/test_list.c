/* test_list.c — builds a list and frees it: no leak. */
#include <stdio.h>
#include <stdlib.h>

struct item { struct item *next; int v; };

int main(void) {
  struct item *head = NULL;
  for (int i = 0; i < 10; i++) {
    struct item *it = malloc(sizeof *it);
    it->v = i, it->next = head, head = it;
  }
  int sum = 0;
  while (head) {
    struct item *n = head->next;
    sum += head->v;
    free(head);
    head = n;
  }
  printf("test_list: sum %d ok\n", sum);
  return sum == 45 ? 0 : 1;
}
