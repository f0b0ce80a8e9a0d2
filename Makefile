# activation-canary — the conventions operator users know (as in kubebuilder projects).
# Every tool is installed on first use by hack/tools.sh and cached by version outside the checkout.

SHELL := /usr/bin/env bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

TOOL_PATHS := $(shell hack/tools.sh paths)
NODE_BIN   := $(patsubst NODE_BIN=%,%,$(filter NODE_BIN=%,$(TOOL_PATHS)))
K8S_BIN    := $(patsubst K8S_BIN=%,%,$(filter K8S_BIN=%,$(TOOL_PATHS)))
export PATH := $(NODE_BIN):$(K8S_BIN):$(PATH)
KUBECONFIG ?= $(CURDIR)/.cluster/kubeconfig
export KUBECONFIG
JEST := node --experimental-vm-modules node_modules/jest/bin/jest.js

.PHONY: help
help: ## Show the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-16s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

##@ The two commands

.PHONY: demo
demo: tools node_modules ## The main job: a complete local canary rollout on an embedded cluster
	node hack/demo.ts

.PHONY: test
# Four jest workers on two cores: integration files spend most of their time waiting for rollouts and
# pods to become Ready, so they overlap well (measured warm on 2026-11-30 with 117 files: 6 min 13 s with
# four workers, 7 min 17 s with three; the CPUs were busy 62 % of the time with three).
test: tools tools-gitops node_modules ## Everything CI runs: generated-code check, typecheck, lint, unit, integration and e2e tests
	npm run --silent gen:check
	npx tsc --noEmit
	npx eslint .
	$(JEST) --ci --maxWorkers=4 --json --outputFile=.test-results.json $(JEST_ARGS)

##@ Development

.PHONY: tools
tools: ## Install Node 24, Prometheus, the route and monitoring CRDs, helm, and build the control-plane binaries (cached)
	hack/tools.sh all

.PHONY: tools-gitops
tools-gitops: ## Build Argo CD (from its Go module) and install redis-server, for the GitOps test only (cached)
	hack/tools.sh gitops

node_modules: package-lock.json | tools
	npm ci --no-audit --no-fund
	@touch node_modules

.PHONY: test-unit
test-unit: node_modules ## Unit tests only (pure functions, no processes)
	$(JEST) $(JEST_ARGS) --selectProjects unit

.PHONY: test-integration
test-integration: tools tools-gitops node_modules ## Integration and e2e tests against the real control plane and Prometheus
	$(JEST) $(JEST_ARGS) --selectProjects integration

.PHONY: gen
gen: node_modules ## Regenerate src/api/generated from the CRD
	npm run --silent gen

.PHONY: cluster-up
cluster-up: tools node_modules ## Start the local control plane in the background (kubeconfig: .cluster/kubeconfig)
	node test/harness/cli.ts up --dir .cluster

.PHONY: cluster-down
cluster-down: ## Stop everything cluster-up started
	node test/harness/cli.ts down --dir .cluster

.PHONY: cluster-status
cluster-status: ## Say whether the local control plane runs, and where
	node test/harness/cli.ts status --dir .cluster

.PHONY: install
install: ## Apply the CRDs to $KUBECONFIG (default .cluster/kubeconfig)
	kubectl apply --server-side --force-conflicts -f crds/
	kubectl wait --for=condition=Established --timeout=60s -f crds/

.PHONY: run
run: node_modules ## Run the operator from source against $KUBECONFIG (default .cluster/kubeconfig)
	node src/cli/operator.ts

.PHONY: build
build: node_modules ## Compile to dist/
	npm run --silent build

.PHONY: bench
bench: node_modules ## Benchmarks (not tests): print figures measured side by side
	node bench/variant-server.bench.ts

.PHONY: bench-peers
bench-peers: tools node_modules ## Rollback latency, promotion time and costs side by side with Argo Rollouts and Flagger (builds them once; docs/performance-peers.md)
	hack/tools.sh peers
	node bench/peers.ts $(BENCH_ARGS)

.PHONY: bench-scale
# SCALE_MODELS (default 100,300) is the list of N; SCALE_ARGS passes more flags (--dir .cluster, --pause, --json).
bench-scale: tools node_modules ## Scale bench: one operator against N ModelVariants on the local control plane (docs/performance.md)
	node bench/scale.ts --models $(or $(SCALE_MODELS),100,300) $(SCALE_ARGS)

.PHONY: fuzz
# FUZZ_RUNS (default 10000) and FUZZ_SEED (default random, printed) as variables or in the environment;
# FUZZ_ARGS passes more flags (--case 12,345 replays cases; --dir .cluster reuses make cluster-up's cluster).
fuzz: tools node_modules ## Spec fuzzer: FUZZ_RUNS hostile ModelVariants against a real apiserver and the operator (docs/reliability.md)
	node bench/fuzz.ts $(if $(FUZZ_RUNS),--runs $(FUZZ_RUNS)) $(if $(FUZZ_SEED),--seed $(FUZZ_SEED)) $(FUZZ_ARGS)

.PHONY: chaos
# CHAOS_ROLLOUTS (default 100) and CHAOS_SEED (default random, printed) as variables or in the environment;
# CHAOS_ARGS passes more flags (--concurrency 4, --faults etcd-pause,node-delete, --dir /tmp/chaos keeps the logs).
chaos: tools node_modules ## Chaos run: CHAOS_ROLLOUTS rollouts under injected faults on a control plane of its own (docs/reliability.md)
	node bench/chaos.ts $(if $(CHAOS_ROLLOUTS),--rollouts $(CHAOS_ROLLOUTS)) $(if $(CHAOS_SEED),--seed $(CHAOS_SEED)) $(CHAOS_ARGS)
