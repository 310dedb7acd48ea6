# casesd - a self-hosted server for the Amazon Connect Cases API.
#
#   make            build build/casesd
#   make run        build and serve on the embedded SQLite store
#   make test       install what is missing, build, run every test suite
#   make SAN=1 ...  the same with AddressSanitizer + UndefinedBehaviorSanitizer
#   make model      regenerate src/model/*_model.c from the installed botocore
#   make fuzz       build the libFuzzer drivers (clang); fuzz/run.sh SECONDS runs them

CC      ?= cc
PYTHON  ?= python3
SAN     ?= 0

ifeq ($(SAN),1)
BUILD   := build/san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPT     := -O1
else
BUILD   := build
SANFLAGS :=
OPT     := -O2
endif

CFLAGS  ?= $(OPT) -g
CFLAGS  += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
           -Wno-missing-field-initializers -Isrc -I$(BUILD)/gen $(SANFLAGS) -MMD -MP
LDLIBS  := -lmicrohttpd -ljansson -lsqlite3 -lcrypto -luuid -lpcre2-8 -lpthread -lm
LDFLAGS += $(SANFLAGS)

SRCS      := $(shell find src -name '*.c' | sort)
LIB_SRCS  := $(filter-out src/main.c,$(SRCS))
LIB_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/%.o) $(BUILD)/gen/migrations.o
UNIT_SRCS := $(sort $(wildcard tests/unit/*.c))
UNIT_OBJS := $(UNIT_SRCS:%.c=$(BUILD)/%.o)
MIGRATIONS := $(sort $(wildcard src/store/sqlite/migrations/*.sql))

.PHONY: all run test deps unit e2e model model-check clean format fuzz

all: $(BUILD)/casesd

$(BUILD)/casesd: $(BUILD)/src/main.o $(LIB_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/unit_tests: $(UNIT_OBJS) $(LIB_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

# The folder too: removing or renaming a migration changes only its time.
$(BUILD)/gen/migrations.c: $(MIGRATIONS) src/store/sqlite/migrations tools/embed_sql.py
	@mkdir -p $(dir $@)
	$(PYTHON) tools/embed_sql.py $(MIGRATIONS) > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/migrations.o: $(BUILD)/gen/migrations.c
	$(CC) $(CFLAGS) -c -o $@ $<

run: $(BUILD)/casesd
	$(BUILD)/casesd

deps:
	@scripts/install-deps.sh

unit: $(BUILD)/unit_tests
	$(BUILD)/unit_tests

# Benchmark helpers: build/bench/seed loads cases and build/bench/search_store
# times the store's searches without HTTP (bench/search.sh);
# build/bench/sigv4_verify times one signature check (bench/auth.sh).
.PHONY: bench-tools
bench-tools: $(BUILD)/bench/seed $(BUILD)/bench/search_store \
             $(BUILD)/bench/sigv4_verify

$(BUILD)/bench/%: $(BUILD)/bench/%.o $(LIB_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Every suite, then one closing "N passed, N failed" line over all of them.
test: deps
	@$(MAKE) --no-print-directory all $(BUILD)/unit_tests
	@scripts/run-tests.sh $(BUILD)

model:
	$(PYTHON) tools/genmodel.py --out src/model

# libFuzzer drivers, each linked with only the modules it exercises.
FUZZ_CC     ?= clang
FUZZ_BUILD  := build/fuzz
FUZZ_SAN    := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer -Wall -Wextra \
               -Werror -Wshadow -Wno-missing-field-initializers -Isrc $(FUZZ_SAN) \
               -fsanitize=fuzzer-no-link -MMD -MP
FUZZ_REQUEST_SRCS := fuzz/fuzz_request.c src/http/router.c src/http/wire.c \
               src/model/validate.c src/model/model.c src/model/connectcases_model.c \
               src/model/connect_model.c src/util/arena.c src/util/timeutil.c
FUZZ_SIGV4_SRCS := fuzz/fuzz_sigv4.c src/auth/sigv4.c src/util/sha256.c

fuzz: $(FUZZ_BUILD)/fuzz_request $(FUZZ_BUILD)/fuzz_sigv4

$(FUZZ_BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_BUILD)/fuzz_request: $(FUZZ_REQUEST_SRCS:%.c=$(FUZZ_BUILD)/%.o)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ -ljansson -lpcre2-8 -lm

$(FUZZ_BUILD)/fuzz_sigv4: $(FUZZ_SIGV4_SRCS:%.c=$(FUZZ_BUILD)/%.o)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ -lcrypto

model-check:
	$(PYTHON) tools/genmodel.py --check src/model

format:
	clang-format -i $(SRCS) $(shell find src -name '*.h') $(UNIT_SRCS)

clean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
