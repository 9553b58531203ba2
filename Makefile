# SPDX-License-Identifier: BSD-2-Clause
# Thin wrapper over meson/ninja with the targets people expect.
BUILD ?= build
DEPS_OK := $(BUILD)/.deps-ok

.PHONY: all build run test bench fuzz deps clean install
all: build

deps: $(DEPS_OK)
$(DEPS_OK):
	scripts/install-deps
	mkdir -p $(BUILD) && touch $@

$(BUILD)/build.ninja: | $(DEPS_OK)
	meson setup $(BUILD) -Dbuildtype=debugoptimized

build: $(BUILD)/build.ninja
	ninja -C $(BUILD)

# The main job on embedded defaults: collector on :2055 (NetFlow/IPFIX) and
# :6343 (sFlow), API and dashboard on 127.0.0.1:8080.
run: build
	$(BUILD)/wanscope run

# The whole suite (unit, data, sanitizers, network namespaces, fuzzing).
test: deps
	tests/run-all

bench: build
	bench/run-all

fuzz: deps
	FUZZ_SECONDS=$${FUZZ_SECONDS:-60} FUZZ_SEED=$${FUZZ_SEED:-0} SKIP_NET=1 SKIP_SAN=1 tests/run-all

install: build
	meson install -C $(BUILD)

clean:
	rm -rf build build-san build-fuzz *.setup.log *.build.log
