# casesd - a self-hosted server for the Amazon Connect Cases API.
#
#   make            build build/casesd
#   make run        build and serve on the embedded SQLite store
#   make test       install what is missing, build, run every test suite
#   make SAN=1 ...  the same with AddressSanitizer + UndefinedBehaviorSanitizer
#   make model      regenerate src/model/*_model.c from the installed botocore

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

.PHONY: all run test deps unit e2e model model-check clean format

all: $(BUILD)/casesd

$(BUILD)/casesd: $(BUILD)/src/main.o $(LIB_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/unit_tests: $(UNIT_OBJS) $(LIB_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/gen/migrations.c: $(MIGRATIONS) tools/embed_sql.py
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

# Every suite, then one closing "N passed, N failed" line over all of them.
test: deps
	@$(MAKE) --no-print-directory all $(BUILD)/unit_tests
	@scripts/run-tests.sh $(BUILD)

model:
	$(PYTHON) tools/genmodel.py --out src/model

model-check:
	$(PYTHON) tools/genmodel.py --check src/model

format:
	clang-format -i $(SRCS) $(shell find src -name '*.h') $(UNIT_SRCS)

clean:
	rm -rf build

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
