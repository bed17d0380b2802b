/* gobj_user.c — a library that uses GObject, for a program that is not
 * linked with GLib and loads this library (and with it libgobject) by
 * dlopen. gobj_user_run(n) makes n objects, refs and unrefs them, and
 * keeps every other one. */
#include <glib-object.h>

static GObject *kept[1024];

int gobj_user_run(int n) {
  int k = 0;
  for (int i = 0; i < n && i < 1024; i++) {
    GObject *o = g_object_new(G_TYPE_OBJECT, NULL);
    g_object_ref(o);
    g_object_unref(o);
    if (i % 2) kept[k++] = o;
    else g_object_unref(o);
  }
  return k;
}
