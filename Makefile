# Makefile — builds leakgraph and runs its tests, demo and benchmark.
#
#   make          libleakgraph.so, leakgraph-report and the wrapper in build/
#                 (first it checks the Debian packages it needs, and names
#                 those missing with the command that installs them)
#   make test     installs missing Debian packages (as root) and the npm
#                 schema validators, builds, runs the cmocka unit tests, the
#                 integration tests and the fuzz target for a bounded number
#                 of runs; it prints the failures and the totals
#   make fuzz     the fuzz target for 10 minutes (FUZZ_SECONDS=N)
#   make demo     builds and runs leakgraph on a leaking program and on a
#                 Debian binary, printing the reports
#   make bench    leakgraph side by side with heaptrack and valgrind
#   make debug    the same build with expensive invariant checks (-DLG_DEBUG)
#   make asan     the unit tests under AddressSanitizer and UBSan
#
# Sources are picked up by wildcard: a new collector/*.c, tools/*.c or
# tests/unit/test_*.c needs no edit here.
#
# Output is one line per file built ("CC collector/scan.c"); V=1 shows the
# full commands, and make test's every passing test.

B ?= build
CC ?= cc
CXX ?= c++
OPT ?= -O2
WARN := -Wall -Wextra -Wno-unused-parameter -Wshadow -Wstrict-prototypes
CFLAGS_COMMON := -std=gnu11 $(OPT) -g $(WARN) -D_GNU_SOURCE $(EXTRA_CFLAGS)

# The shim: only the public API is exported, TLS is initial-exec (no
# __tls_get_addr, which may allocate), and gcc must not turn our own loops
# into malloc/memset calls that would come back into the hooks.
SHIM_CFLAGS := $(CFLAGS_COMMON) -fPIC -fvisibility=hidden -ftls-model=initial-exec \
	-fno-builtin-malloc -fno-builtin-free -fno-builtin-calloc -fno-builtin-realloc \
	-fno-stack-protector -fno-omit-frame-pointer -pthread

COLLECTOR_SRC := $(wildcard collector/*.c)
PRELOAD_SRC := $(wildcard preload/*.c)
TOOLS_SRC := $(wildcard tools/*.c)
UNIT_SRC := $(wildcard tests/unit/test_*.c)

COLLECTOR_OBJ := $(COLLECTOR_SRC:%.c=$(B)/obj/%.o)
PRELOAD_OBJ := $(PRELOAD_SRC:%.c=$(B)/obj/%.o)
TOOLS_OBJ := $(TOOLS_SRC:%.c=$(B)/obj/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
# The report tool's pieces, without its main, for the unit tests.
TOOLS_LIB_OBJ := $(filter-out $(B)/obj/tools/main.o,$(TOOLS_OBJ))

LIB := $(B)/libleakgraph.so
REPORT := $(B)/leakgraph-report
WRAPPER := $(B)/leakgraph

.PHONY: all deps check-deps test unit integration demo bench stress debug asan fuzz clean
all: check-deps $(LIB) $(REPORT) $(WRAPPER)

# Quiet rules: Q hides a command, SAY prints the one line that stands for it.
ifeq ($(V),1)
Q :=
SAY := @true
else
Q := @
SAY := @printf '  %-6s %s\n'
endif

deps:
	@scripts/install-deps test
	@scripts/install-npm-tools $(B)/npm

# Before anything compiles: the build's Debian packages are there, or the
# build stops with their names and the command that installs them.
check-deps:
	@scripts/install-deps check

$(B)/obj/collector/%.o: collector/%.c collector/*.h | check-deps
	@mkdir -p $(@D)
	$(SAY) CC $<
	$(Q)$(CC) $(SHIM_CFLAGS) -c $< -o $@

$(B)/obj/preload/%.o: preload/%.c preload/*.h collector/*.h | check-deps
	@mkdir -p $(@D)
	$(SAY) CC $<
	$(Q)$(CC) $(SHIM_CFLAGS) -Ipreload -Icollector -c $< -o $@

$(LIB): $(COLLECTOR_OBJ) $(PRELOAD_OBJ)
	$(SAY) LINK $@
	$(Q)$(CC) -shared -o $@ $^ -Wl,-z,nodelete -Wl,--version-script=preload/exports.map -lunwind -ldl -pthread

# Graphviz (libgvc) lays out the HTML report's pictures: the dot layout and
# SVG plugins are linked in (from Graphviz's plugin directory), so the
# report tool loads no plugin at run time.
GV_CFLAGS := $(shell pkg-config --cflags libgvc 2>/dev/null)
GV_PLUGINS := $(shell pkg-config --variable=libdir libgvc 2>/dev/null)/graphviz
GV_LIBS := $(shell pkg-config --libs libgvc 2>/dev/null) -L$(GV_PLUGINS) \
	-lgvplugin_dot_layout -lgvplugin_core -Wl,-rpath,$(GV_PLUGINS)

$(B)/obj/tools/%.o: tools/%.c tools/*.h collector/format.h | check-deps
	@mkdir -p $(@D)
	$(SAY) CC $<
	$(Q)$(CC) $(CFLAGS_COMMON) $(GV_CFLAGS) -Icollector -c $< -o $@

# The HTML report's style and script are assembled into this object.
$(B)/obj/tools/html_assets.o: tools/html/report.css tools/html/report.js

$(B)/obj/tools/format.o: collector/format.c collector/format.h | check-deps
	@mkdir -p $(@D)
	$(SAY) CC $<
	$(Q)$(CC) $(CFLAGS_COMMON) -c $< -o $@

$(REPORT): $(TOOLS_OBJ) $(B)/obj/tools/format.o
	$(SAY) LINK $@
	$(Q)$(CC) -o $@ $^ -ldw -lelf -lstdc++ $(GV_LIBS)

$(WRAPPER): scripts/leakgraph
	@mkdir -p $(@D)
	$(SAY) COPY $@
	$(Q)cp $< $@ && chmod +x $@

# Unit tests: cmocka, linked with the collector (no LD_PRELOAD) and with the
# report tool's library part.
$(B)/tests/test_%: tests/unit/test_%.c $(COLLECTOR_OBJ) $(TOOLS_LIB_OBJ) $(B)/obj/tools/format.o
	@mkdir -p $(@D)
	$(SAY) CC $<
	$(Q)$(CC) $(CFLAGS_COMMON) -Icollector -Itools -Ipreload -o $@ $< \
		$(filter-out $(B)/obj/collector/format.o,$(COLLECTOR_OBJ)) $(TOOLS_LIB_OBJ) $(B)/obj/tools/format.o \
		-lcmocka -lunwind -ldw -lelf -lstdc++ $(GV_LIBS) -ldl -pthread

# The fuzz target: clang's libFuzzer with ASan and UBSan, over the report
# tool's sources (not its main) and the log format's.
FUZZ_BIN := $(B)/fuzz/fuzz_report
FUZZ_SECONDS ?= 600
$(FUZZ_BIN): tests/fuzz/fuzz_report.c $(filter-out tools/main.c,$(TOOLS_SRC)) collector/format.c tools/*.h collector/format.h tools/html/report.css tools/html/report.js
	@mkdir -p $(@D)
	$(SAY) FUZZ $@
	$(Q)clang -std=gnu11 -O1 -g -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined $(GV_CFLAGS) -Icollector -Itools -o $@ \
		tests/fuzz/fuzz_report.c $(filter-out tools/main.c,$(TOOLS_SRC)) collector/format.c \
		-ldw -lelf -lstdc++ $(GV_LIBS)

fuzz: deps $(FUZZ_BIN)
	@mkdir -p $(B)/fuzz/corpus
	$(FUZZ_BIN) -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
		$(B)/fuzz/corpus tests/fuzz/corpus

unit: deps $(UNIT_BIN)
	@scripts/run-unit $(UNIT_BIN)

integration: deps all
	@/usr/bin/python3 tests/integration/run.py --build $(B)

test: deps
	@$(MAKE) -s --no-print-directory all $(UNIT_BIN) $(FUZZ_BIN)
	@V=$(V) scripts/run-tests $(B)

demo:
	@scripts/install-deps demo
	@$(MAKE) --no-print-directory all
	@scripts/demo $(B)

bench:
	@scripts/install-deps bench
	@$(MAKE) --no-print-directory all
	@scripts/bench $(B)
	@scripts/bench-refcount $(B)

stress: deps all
	@/usr/bin/python3 tests/integration/run.py --build $(B) --stress

debug:
	@$(MAKE) --no-print-directory B=build-debug OPT="-O1" EXTRA_CFLAGS="-DLG_DEBUG" all

asan:
	@$(MAKE) --no-print-directory B=build-asan OPT="-O1" \
		EXTRA_CFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer" \
		$(patsubst $(B)/%,build-asan/%,$(UNIT_BIN))
	@scripts/run-unit $(patsubst $(B)/%,build-asan/%,$(UNIT_BIN))

clean:
	rm -rf build build-debug build-asan
