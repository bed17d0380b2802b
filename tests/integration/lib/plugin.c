/* plugin.c — a library found only along its loader's RUNPATH. */
int plugin_answer(void) { return 42; }
