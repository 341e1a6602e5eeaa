# w2v: word2vec in SQLite.  `make` builds ./w2v.so (.dylib, .dll); see README.md.
CC      ?= cc
PREFIX  ?= /usr/local
# One build for every CPU of the target: the hot loops (ext/core/loss.c and
# knn.c) are compiled once per instruction set by ext/core/kern_*.c and the
# fastest the CPU runs is picked at load time (ext/core/dispatch.c; W2V_KERNEL
# forces one).  NATIVE=1: the old single-kernel -march=native build, for this
# CPU only (make bench-dispatch compares the two).
ifeq ($(NATIVE),1)
ARCHFLAGS = -march=native -DW2V_NATIVE
else
ARCHFLAGS =
endif
# the library's suffix, as SQLite's loader looks for it: .so, .dylib (macOS;
# not built or tested here), .dll (MSYS2/MinGW; make dll cross-builds it)
UNAME_S := $(shell uname -s)
ifeq ($(UNAME_S),Darwin)
SO = dylib
else ifneq (,$(findstring MINGW,$(UNAME_S))$(findstring MSYS,$(UNAME_S)))
SO = dll
else
SO = so
endif
LIB = w2v.$(SO)
OPT     ?= -O3
CFLAGS  ?= $(OPT) $(ARCHFLAGS) -g
WARN     = -Wall -Wextra -Wno-missing-field-initializers
CPPFLAGS = -Iinclude -Iext -Iext/core
LDLIBS   = -lz -lpthread -lm
TCLSH   ?= tclsh

SRC  = $(wildcard ext/*.c) $(CORE)
# loss.c and knn.c are compiled only through the kern_*.c files that include them
KBODY = ext/core/loss.c ext/core/knn.c
HDR  = $(wildcard ext/*.h ext/core/*.h) include/w2v.h $(KBODY)
CORE = $(filter-out $(KBODY),$(wildcard ext/core/*.c))

all: $(LIB)

$(LIB): $(SRC) $(HDR) Makefile
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -fPIC -fvisibility=hidden -shared -o $@ $(SRC) $(LDLIBS)

build/unit: test/unit.c $(CORE) $(HDR) Makefile
	@mkdir -p build
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -o $@ test/unit.c $(CORE) $(LDLIBS)

# the SQL layer's pure parts (options) with the extension compiled in
build/unit_sql: test/unit_sql.c $(SRC) $(HDR) Makefile
	@mkdir -p build
	$(CC) -DSQLITE_CORE $(CPPFLAGS) $(CFLAGS) $(WARN) -o $@ test/unit_sql.c $(SRC) -lsqlite3 $(LDLIBS)

# the extension compiled into a program (SQLITE_CORE), for test/hosts.test
build/static_host: test/static_host.c $(SRC) $(HDR) Makefile
	@mkdir -p build
	$(CC) -DSQLITE_CORE $(CPPFLAGS) $(CFLAGS) $(WARN) -o $@ test/static_host.c $(SRC) -lsqlite3 $(LDLIBS)

# an FTS5 tokenizer registered as an application would (test/text.test)
build/tok_ext.so: test/tok_ext.c Makefile
	@mkdir -p build
	$(CC) $(CFLAGS) $(WARN) -fPIC -shared -o $@ test/tok_ext.c

# make test and make demo first check what they need (test/prereqs.sh: installs
# it as root with apt-get, otherwise names the packages and stops)
test:
	@CC="$(CC)" TCLSH="$(TCLSH)" bash test/prereqs.sh test
	@$(MAKE) --no-print-directory test-suite

test-suite: $(LIB) build/unit build/unit_sql build/static_host build/tok_ext.so check-layers
	$(TCLSH) test/all.tcl

# Each source compiled alone (core files as core_NAME.o), then their symbols
# checked: no circle, and no file uses one in a layer above (test/check_layers.sh).
check-layers: $(SRC) $(HDR)
	@rm -rf build/layers && mkdir -p build/layers
	@for f in $(SRC); do \
	  b=$$(basename $$f .c); case $$f in ext/core/*) b=core_$$b;; esac; \
	  $(CC) $(CPPFLAGS) -O0 -c -o build/layers/$$b.o $$f || exit 1; \
	done
	@bash test/check_layers.sh build/layers

# The whole suite with AddressSanitizer + UndefinedBehaviorSanitizer.
test-asan:
	$(MAKE) clean-objs
	$(MAKE) $(LIB) build/unit build/unit_sql build/static_host build/tok_ext.so CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all $(ARCHFLAGS)"
	ASAN_OPTIONS=detect_leaks=0 LD_PRELOAD="$$($(CC) -print-file-name=libasan.so) $$($(CC) -print-file-name=libubsan.so)" \
	  W2V_SANITIZER=asan $(TCLSH) test/all.tcl
	$(MAKE) clean-objs

# ThreadSanitizer: 2 training threads plus progress reports, and a second
# thread querying while a third retrains, in the static host.  The lock-free
# weight updates are intended; test/tsan.supp names the only suppressed frames.
test-tsan:
	@mkdir -p build
	$(CC) -DSQLITE_CORE $(CPPFLAGS) -O1 -g -fsanitize=thread $(ARCHFLAGS) -o build/tsan_host test/static_host.c $(SRC) -lsqlite3 $(LDLIBS)
	W2V_THREADS=2 TSAN_OPTIONS="suppressions=test/tsan.supp halt_on_error=1 second_deadlock_stack=1" \
	  ./build/tsan_host build/tsan-test.db
	rm -f build/tsan-test.db build/tsan-test.db-wal build/tsan-test.db-shm

# Allocation failures (issue #10): every scenario of test/oom_host.c for
# N = 1, 2, ...: the N-th allocation fails (then every one from the N-th on),
# through SQLite's allocator, the core's hook and the extension's own malloc
# calls (--wrap); checks the error, the database, leaks.  OOM_ONLY=name runs
# some scenarios; OOM_N=n (OOM_MODE=0|1) one point, verbosely.
OOM_FLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
OOM_WRAP  = -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=free,--wrap=posix_memalign
build/oom_host: test/oom_host.c $(SRC) $(HDR) Makefile
	@mkdir -p build
	$(CC) -DSQLITE_CORE $(CPPFLAGS) $(OOM_FLAGS) $(ARCHFLAGS) $(WARN) -o $@ test/oom_host.c $(SRC) -lsqlite3 $(LDLIBS) $(OOM_WRAP)

test-oom: build/oom_host
	./build/oom_host

# The whole suite under valgrind memcheck.  Valgrind does not decode AVX-512:
# its cpuid does not report it, so the dispatch build picks AVX2 by itself;
# NATIVE=1 (-march=native) is built without AVX-512 (the AVX2/FMA kernels
# stay).  TESTS=test/x.test runs some files only.
VG_NOAVX512 = $(if $(and $(filter 1,$(NATIVE)),$(findstring x86_64,$(shell $(CC) -dumpmachine))),-mno-avx512f,)
test-valgrind:
	$(MAKE) clean-objs
	$(MAKE) $(LIB) build/unit build/unit_sql build/static_host build/tok_ext.so CFLAGS="$(OPT) $(ARCHFLAGS) $(VG_NOAVX512) -g"
	W2V_VALGRIND=1 $(TCLSH) test/all.tcl $(TESTS)
	$(MAKE) clean-objs

# Training and queries on a baseline x86-64 (SSE2, no AVX): ./w2v.so through
# /usr/bin/sqlite3 under qemu-x86_64 -cpu qemu64 (Debian qemu-user)
test-baseline: w2v.so
	bash test/cross.sh baseline

# Cross-built for arm64 (gcc-aarch64-linux-gnu, multiarch libsqlite3/zlib):
# the kernel checks and the smoke test of all six models under qemu-aarch64
test-arm64:
	bash test/cross.sh arm64

# w2v.dll for Windows x86-64, cross-built with Debian's mingw-w64 (not run here)
dll:
	bash test/cross.sh dll

demo:
	@CC="$(CC)" bash test/prereqs.sh demo
	@$(MAKE) --no-print-directory demo-run

demo-run: $(LIB)
	bash sql/demo.sh

bench: $(LIB)
	bash sql/bench.sh

# tokenize=unicode61 against tokenize=whitespace, training on one corpus (issue #13)
# the subword modes only: w2v minn=3 maxn=6 against fastText and gensim FastText (sql/bench.sh)
bench-subwords: $(LIB)
	MODES="sg-ns-sub cbow-ns-sub" PEERS="fasttext gensim" EXTRAS=0 SEEDS="1 2 3" bash sql/bench.sh

# the learning rate's end: min_alpha alpha*1e-4 against alpha/10, every mode, seeds, two halves of the questions
bench-schedule: $(LIB)
	bash sql/bench_schedule.sh

bench-text: $(LIB)
	bash sql/bench_text.sh

# paragraph vectors against gensim's Doc2Vec on Brown genres (issue #16)
bench-docs: $(LIB)
	bash sql/bench_docs.sh

# The old single-kernel build: everything compiled with -march=native
build/native/$(LIB): $(SRC) $(HDR) Makefile
	@mkdir -p build/native
	$(CC) $(CPPFLAGS) $(OPT) -march=native -DW2V_NATIVE -g $(WARN) -fPIC -shared -o $@ $(SRC) $(LDLIBS)

# the dispatch build against build/native/w2v.so on the bench corpus (RUNS=3 MODES="sg-ns cbow-hs")
bench-dispatch: $(LIB) build/native/$(LIB)
	bash sql/bench_dispatch.sh

# storage=float32|float16|int8 and output=0 on the bench corpus: sizes, accuracy
bench-storage: $(LIB)
	bash sql/bench_storage.sh

# w2v_phrases against word2phrase.c on the bench corpus: times, the two sets of phrases
bench-phrases: w2v.so
	bash sql/bench_phrases.sh

# w2v_train label= (a classifier) against fastText supervised on the Brown genres:
# precision@1 on held-out files, training times, w2v_classify latency
bench-classify: $(LIB)
	bash sql/bench_classify.sh

# pretrained-size models: import and query w2v, gensim, sqlite-vec (SIZES="1000000 2000000" DIM=300)
bench-scale: $(LIB)
	bash sql/bench_scale.sh

install: $(LIB)
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include
	install -m 0755 $(LIB) $(DESTDIR)$(PREFIX)/lib/$(LIB)
	install -m 0644 include/w2v.h $(DESTDIR)$(PREFIX)/include/w2v.h

# libFuzzer harnesses (clang): options parser, query text, damaged storage.
# Each runs FUZZ_SECONDS; new inputs go to build/fuzz-corpus, crashes to build/.
FUZZ_SECONDS ?= 600
FUZZ_CC      ?= clang
FUZZ_FLAGS    = -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -DSQLITE_CORE
FUZZERS       = options query storage
build/fuzz_%: test/fuzz/fuzz_%.c $(SRC) $(HDR) Makefile
	@mkdir -p build
	$(FUZZ_CC) $(FUZZ_FLAGS) $(CPPFLAGS) -o $@ $< $(SRC) -lsqlite3 $(LDLIBS)

fuzz: $(FUZZERS:%=build/fuzz_%)
	for h in $(FUZZERS); do \
	  mkdir -p build/fuzz-corpus/$$h; \
	  ./build/fuzz_$$h -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 -artifact_prefix=build/fuzz-crash-$$h- \
	    build/fuzz-corpus/$$h test/fuzz/corpus/$$h || exit 1; \
	done

# sqlite-vec's prebuilt vec0.so from npm, for test/sqlitevec.test (skipped without it)
SQLITE_VEC_VERSION = 0.1.9
sqlite-vec: build/sqlite-vec/vec0.so
build/sqlite-vec/vec0.so:
	mkdir -p build/sqlite-vec
	cd build/sqlite-vec && npm pack --silent sqlite-vec-linux-x64@$(SQLITE_VEC_VERSION) >/dev/null \
	  && tar xzf sqlite-vec-linux-x64-$(SQLITE_VEC_VERSION).tgz && cp package/vec0.so vec0.so

# ---- packages (issue #14) -------------------------------------------------
# Python: a wheel carrying ./w2v.so (sqlite_w2v.load(conn), loadable_path()),
# built offline from Debian's pip/setuptools/wheel; test-python installs it
# into a fresh venv (--no-index) and uses it from the stdlib sqlite3 module.
PYTHON ?= /usr/bin/python3
# the packages carry w2v.so without its debug information (symbols kept)
STRIP  ?= strip
W2V_VERSION = $(shell sed -n 's/.*W2V_VERSION "\(.*\)".*/\1/p' include/w2v.h)
python-wheel: w2v.so
	@grep -q '^version = "$(W2V_VERSION)"' bindings/python/pyproject.toml \
	  || { echo "python-wheel: the version in bindings/python/pyproject.toml is not W2V_VERSION $(W2V_VERSION)"; exit 1; }
	@grep -q '^__version__ = "$(W2V_VERSION)"' bindings/python/sqlite_w2v/__init__.py \
	  || { echo "python-wheel: __version__ in bindings/python/sqlite_w2v/__init__.py is not W2V_VERSION $(W2V_VERSION)"; exit 1; }
	rm -rf build/python-pkg build/wheels && mkdir -p build/wheels
	cp -r bindings/python build/python-pkg
	cp w2v.so build/python-pkg/sqlite_w2v/w2v.so
	$(STRIP) --strip-debug build/python-pkg/sqlite_w2v/w2v.so
	cd build/python-pkg && $(PYTHON) -m pip wheel -q --no-build-isolation --no-index --no-deps -w ../wheels .
	@ls build/wheels/*.whl

test-python: python-wheel
	rm -rf build/python-venv
	$(PYTHON) -m venv build/python-venv
	build/python-venv/bin/python -m pip install -q --no-index --no-deps build/wheels/sqlite_w2v-*.whl
	cd build && python-venv/bin/python -I ../bindings/python/test_sqlite_w2v.py

# Node: build/sqlite-w2v-VERSION.tgz (getLoadablePath(), load(db)) carrying
# ./w2v.so; test-node installs it with better-sqlite3 12 in build/node-test
# (better-sqlite3 is built from source against the headers installed with
# node: npm_config_nodedir, so node-gyp downloads nothing) and trains/queries.
NPM      ?= npm
NODE     ?= node
NODE_DIR ?= $(shell $(NODE) -p "require('path').resolve(process.execPath, '../..')" 2>/dev/null)
node-package: w2v.so
	@grep -q '"version": "$(W2V_VERSION)"' bindings/node/package.json \
	  || { echo "node-package: the version in bindings/node/package.json is not W2V_VERSION $(W2V_VERSION)"; exit 1; }
	rm -rf build/node-pkg build/sqlite-w2v-*.tgz && mkdir -p build
	cp -r bindings/node build/node-pkg && rm -rf build/node-pkg/test
	cp w2v.so build/node-pkg/w2v.so
	$(STRIP) --strip-debug build/node-pkg/w2v.so
	cd build/node-pkg && $(NPM) pack --silent --pack-destination .. >/dev/null
	@ls build/sqlite-w2v-$(W2V_VERSION).tgz

test-node: node-package
	@test -f $(NODE_DIR)/include/node/node_api.h \
	  || { echo "test-node: no Node headers in $(NODE_DIR)/include/node (set NODE_DIR)"; exit 1; }
	mkdir -p build/node-test
	cp bindings/node/test/package.json bindings/node/test/test.js build/node-test/
	cd build/node-test && if [ ! -f node_modules/better-sqlite3/build/Release/better_sqlite3.node ]; then \
	  npm_config_nodedir=$(NODE_DIR) npm_config_build_from_source=true npm_config_python=$(PYTHON) \
	  $(NPM) install --no-audit --no-fund --no-package-lock --foreground-scripts >npm-install.log 2>&1 \
	  || { tail -30 npm-install.log; exit 1; }; fi
	cd build/node-test && $(NPM) install --no-audit --no-fund --no-save --no-package-lock ../sqlite-w2v-$(W2V_VERSION).tgz >/dev/null
	cd build/node-test && $(NODE) test.js

# The suite against a newer SQLite (better-sqlite3's amalgamation, or
# SQLITE_SRC=dir) through LD_LIBRARY_PATH: see test/sqlite_new.sh.
test-sqlite-new: $(LIB) build/unit build/unit_sql build/static_host build/tok_ext.so
	bash test/sqlite_new.sh

clean-objs:
	rm -f $(LIB) build/unit build/unit_sql build/static_host build/tok_ext.so build/oom_host

clean: clean-objs
	rm -rf build

.PHONY: bench-schedule dll test-baseline test-arm64 bench-dispatch bench-phrases bench-classify bench-text bench-docs bench-subwords test-suite demo-run test-sqlite-new python-wheel test-python node-package test-node bench-storage all check-layers test test-oom test-asan test-tsan test-valgrind demo bench bench-scale install clean clean-objs sqlite-vec fuzz
