# The front door. Every target runs on Node 24 from the tool cache (hack/lib.sh).
SHELL := /bin/bash
NODE_ENV_SETUP := source hack/lib.sh && ibk_use_node
PLUGINS := ufm noop

.PHONY: all tools deps build plugins $(addsuffix -plugin,$(PLUGINS)) check typecheck lint format \
        test test-unit test-integration test-e2e test-cluster stack-up stack-down stack-env controller ufm-sim bench image clean demo

all: build

tools: ## install or build node 24, temporal CLI, etcd, kube-apiserver into the cache
	bash hack/install-tools.sh all

deps: ## npm ci, only when package-lock.json changed
	bash hack/install-tools.sh node && bash hack/npm-deps.sh

build: deps ## compile everything into build/
	$(NODE_ENV_SETUP) && npm run --silent build

plugins: $(addsuffix -plugin,$(PLUGINS)) ## the subnet-manager plugins, in build/plugins/

# A plugin is build/plugins/<name>.js or build/plugins/<name>/index.js.
$(addsuffix -plugin,$(PLUGINS)): %-plugin: build
	@ls build/plugins/$*.js build/plugins/$*/index.js 2>/dev/null | head -n 1 | grep . || { echo "plugin $* was not built" >&2; exit 1; }

check: deps ## typecheck, lint, format check
	$(NODE_ENV_SETUP) && npm run --silent typecheck && npm run --silent lint && npm run --silent format:check

typecheck lint: deps
	$(NODE_ENV_SETUP) && npm run --silent $@

format: deps
	$(NODE_ENV_SETUP) && npm run --silent format

test: ## the whole suite on a private stack: what CI runs
	bash hack/test.sh

test-unit: deps
	$(NODE_ENV_SETUP) && npm run --silent test:unit

test-integration test-e2e: build ## against a running stack (make stack-up)
	$(NODE_ENV_SETUP) && source $${IBK_STACK_DIR:-.stack}/env && npm run --silent $(subst test-,test:,$@)

test-cluster: build ## the production-shape suite against a running cluster stack (make stack-up PROFILE=cluster)
	$(NODE_ENV_SETUP) && source $${IBK_STACK_DIR:-.stack-cluster}/env && npm run --silent test:cluster

# PROFILE=cluster: PostgreSQL and the Temporal server instead of the dev server, in .stack-cluster/.
PROFILE ?= dev
CLUSTER_STACK_ENV := IBK_PROFILE=cluster IBK_STACK_DIR=$(CURDIR)/.stack-cluster IBK_PORT_BASE=29000
STACK_ENV := $(if $(filter cluster,$(PROFILE)),$(CLUSTER_STACK_ENV),)

stack-up: tools build ## start etcd, kube-apiserver, Temporal and the UFM simulator (PROFILE=cluster: on PostgreSQL)
	$(STACK_ENV) bash hack/stack.sh up

stack-down: ## stop the stacks, and the stack, worker and watcher of make demo
	bash hack/stack.sh down
	if [ -d .stack-demo ]; then IBK_STACK_DIR=$(CURDIR)/.stack-demo bash hack/stack.sh down; fi
	if [ -d .stack-cluster ]; then $(CLUSTER_STACK_ENV) bash hack/stack.sh down; fi

controller: build ## the built workers and watchers on a running stack (two of each with PROFILE=cluster)
	$(STACK_ENV) bash hack/stack.sh controller

demo: ## the product on this machine: stack, worker, watcher, the examples configured; Ctrl-C stops all
	bash hack/demo.sh

stack-env:
	@$(STACK_ENV) bash hack/stack.sh env

ufm-sim: build ## run the UFM simulator alone, e.g. make ufm-sim ARGS='--port 8443 --tls --cert-out /tmp/ufm.crt'
	$(NODE_ENV_SETUP) && node build/ufm-simulator/main.js $(ARGS)

bench: build ## benchmarks (not part of make test)
	$(NODE_ENV_SETUP) && npm run --silent bench:pool

# As upstream's Makefile: `make image DOCKERFILE=... TAG=...`; IMAGE_BUILDER=podman works too.
DOCKERFILE ?= deployment/Dockerfile
TAG ?= ghcr.io/ib-kubernetes-temporal/ib-kubernetes:$(shell node -p 'require("./package.json").version')
IMAGE_BUILDER ?= docker
image: build ## container image of the built output (needs a container engine, which CI machines do not have)
	$(IMAGE_BUILDER) build -t $(TAG) -f $(DOCKERFILE) .

clean:
	rm -rf build
