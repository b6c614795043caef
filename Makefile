# The README's two commands: `make demo` and `make test`. Each sets up what it needs on a fresh
# machine (Python venv, npm packages, an offline solc) and reuses it on the next run.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV   := .venv
PY     := $(VENV)/bin/python
APE    := $(VENV)/bin/ape
# ape-foundry starts `anvil` from PATH; npm puts it in node_modules/.bin.
export PATH := $(CURDIR)/node_modules/.bin:$(PATH)

VENV_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
# The site's browser script, bundled from web/src (esbuild, from npm) at set-up; not in git.
APP_JS     := twei/site/static/app.js
WEB_SRC    := $(wildcard web/src/*.js) web/build.mjs

.PHONY: help setup browser postgres haproxy bench-tools promtool demo demo-anvil demo-anvil-stop site test test-embedded test-embedded-a test-embedded-b test-ops test-site test-nodes test-anvil test-ganache test-ganache-a test-ganache-b slither clean

help:
	@echo "make demo   - the platform's day on the embedded chain"
	@echo "make demo-anvil - the same day on an Anvil node left running on port 8545"
	@echo "make site   - that day on Anvil, then the post page served at http://127.0.0.1:SITE_PORT/posts/1 (SITE_PORT=8000)"
	@echo "make test   - the embedded suite (two shards), the chain tests on Anvil and Ganache, the testnet walk and the post page, side by side"

$(VENV_STAMP): pyproject.toml requirements.lock
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(APP_JS): $(NODE_STAMP) $(WEB_SRC)
	node web/build.mjs $@

setup: $(VENV_STAMP) $(NODE_STAMP) $(APP_JS)
	@$(PY) -m twei.toolchain.solc
	@$(PY) -m twei.native

demo: setup
	$(APE) run demo

# The same day on an Anvil node that stays up afterwards (port DEMO_PORT), so that report, claim
# and settle can be pointed at it: `--network http://127.0.0.1:8545 --root demo-output`. Time
# moves with Anvil's own evm_setNextBlockTimestamp. `make demo-anvil-stop` ends the node.
DEMO_PORT ?= 8545
demo-anvil: setup
	@$(PY) -m twei.toolchain.devnode start --port $(DEMO_PORT) --pidfile .anvil-demo.pid
	$(APE) run demo --network http://127.0.0.1:$(DEMO_PORT)
	@echo "Anvil keeps running on http://127.0.0.1:$(DEMO_PORT) (make demo-anvil-stop ends it)"

# The demo's day on Anvil, then the site serving it (post page, publishing, the oracle) until
# Ctrl-C: open http://127.0.0.1:$(SITE_PORT)/posts/1 with a wallet on http://127.0.0.1:$(DEMO_PORT).
SITE_PORT ?= 8000
site: export SITE_PORT := $(SITE_PORT)
site: demo-anvil
	$(APE) run site --network http://127.0.0.1:$(DEMO_PORT) --root demo-output --port $(SITE_PORT)

demo-anvil-stop:
	@$(PY) -m twei.toolchain.devnode stop --pidfile .anvil-demo.pid

# Everything side by side: the embedded suite in two shards (one process is one core) beside the
# node stages, so the two cores stay busy while the node tests wait for blocks. Outputs are
# printed whole, one after the other (-O).
test: setup browser postgres haproxy promtool
	$(APE) compile
	$(MAKE) --no-print-directory -j7 -O test-embedded-a test-embedded-b test-anvil test-ganache-a test-ganache-b test-ops test-site

# The chain tests on Anvil and on Ganache side by side, Ganache's in two shards (it is the
# slowest node), and beside them the operator's testnet walk (tests/ops: its own Anvil, mostly
# waiting for blocks) and the post page in Chromium (test-site, its own Anvil too): each node is on its own free port, and the tests keep what they write in
# their own temporary folders, so the runs share nothing they write; the contracts are compiled
# once before. Outputs are printed whole, one after the other (-O).
test-nodes: setup
	$(APE) compile
	$(MAKE) --no-print-directory -j5 -O test-anvil test-ganache-a test-ganache-b test-ops test-site

# Debian's headless Chromium for the oracle's browser test (Playwright drives it; no download).
browser:
	@test -x /usr/bin/chromium || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver)

# Debian's PostgreSQL server for the oracle's PostgreSQL tests; the tests start (and remove) a
# private cluster of their own with it (twei.toolchain.postgres), so nothing else is set up here.
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql)

# Debian's HAProxy (tests/ops/test_haproxy.py runs deploy/haproxy/twei.cfg) and wrk (the
# per-request figures of bench/site_crowd.py).
haproxy:
	@test -x /usr/sbin/haproxy || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y haproxy)

bench-tools: haproxy
	@command -v wrk >/dev/null || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y wrk)

# Debian's Prometheus package for its `promtool`: the alerting rules of deploy/prometheus are
# tested with `promtool test rules` (tests/ops/test_alerts.py, in test-ops). Only the tool is used.
promtool:
	@command -v promtool >/dev/null 2>&1 || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus)

test-embedded: test-embedded-a test-embedded-b

# The two halves of the embedded suite: the contracts' tests named, everything else in the second
# (so a new test folder is never left out). Each runs its own in-process chain.
EMBEDDED_A := tests/distributor tests/token tests/deploy tests/engagement
test-embedded-a: setup
	$(APE) test $(EMBEDDED_A) -q

test-embedded-b: setup browser postgres
	$(APE) test tests -q --ignore=tests/ops $(addprefix --ignore=,$(EMBEDDED_A))

test-ops: setup haproxy promtool postgres
	$(APE) test tests/ops -q --ignore=tests/ops/test_post_page.py --ignore=tests/ops/test_demo_node.py

# The post page in Debian's Chromium against two `ape run site` replicas on one PostgreSQL behind
# HAProxy, on its own Anvil (every action a reader takes, with a wallet that signs on Anvil; one
# replica is killed mid-walk); and `make demo-anvil`/`make site`'s day on Anvil, a read on its
# site settled and claimed (test_demo_node.py).
test-site: setup browser postgres haproxy
	$(APE) test tests/ops/test_post_page.py tests/ops/test_demo_node.py -q

test-anvil: setup
	TWEI_HYPOTHESIS_PROFILE=node $(APE) test tests -q -m chain --network ethereum:local:foundry

test-ganache: setup
	TWEI_HYPOTHESIS_PROFILE=node $(PY) -m twei.toolchain.localnode ganache -- \
		$(APE) test tests -q -m chain --network ethereum:local:node

# The two halves of test-ganache, each on a node of its own: the first half named, the second
# everything else (so a new test folder is never left out).
GANACHE_A := tests/distributor tests/token tests/deploy tests/test_demo.py
test-ganache-a: setup
	TWEI_HYPOTHESIS_PROFILE=node $(PY) -m twei.toolchain.localnode ganache -- \
		$(APE) test $(GANACHE_A) -q -m chain --network ethereum:local:node

test-ganache-b: setup
	TWEI_HYPOTHESIS_PROFILE=node $(PY) -m twei.toolchain.localnode ganache -- \
		$(APE) test tests $(addprefix --ignore=,$(GANACHE_A)) -q -m chain --network ethereum:local:node

slither: setup
	$(PY) -m twei.toolchain.slither

clean:
	rm -rf $(VENV) node_modules .build contracts/.cache $(APP_JS)
