# Front door: `make demo`, `make test`. CMake does the real work in build/.
# SANITIZE=1 builds into build-asan/ with ASan+UBSan; PORTABLE=1 drops -march=native.
BUILD_DIR ?= build
CMAKE_FLAGS ?=
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
ifeq ($(SANITIZE),1)
  BUILD_DIR := build-asan
  CMAKE_FLAGS += -DR2R_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
endif
ifeq ($(PORTABLE),1)
  BUILD_DIR := $(BUILD_DIR)-portable
  CMAKE_FLAGS += -DR2R_PORTABLE=ON
endif
ifdef R2R_SHARED_DIR
  CMAKE_FLAGS += -DR2R_SHARED_DIR=$(R2R_SHARED_DIR)
endif

.PHONY: all build deps deps-test test bench demo install clean

all: build

build:
	@cmake -S . -B $(BUILD_DIR) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD_DIR) -j $(JOBS)

deps:
	@sh scripts/install-deps.sh

deps-test:
	@sh scripts/install-deps.sh test

test: deps-test build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

bench: build
	@sh scripts/run-benches.sh $(BUILD_DIR)

demo: deps build
	@$(BUILD_DIR)/r2r demo

install: build
	@cmake --install $(BUILD_DIR) --prefix $(or $(PREFIX),/usr/local)

clean:
	rm -rf build build-asan build-portable build-asan-portable
