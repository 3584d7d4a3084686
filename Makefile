# cognito-sso-operator: developer and CI entry points. POSIX make; recipes are plain sh.
#
#   make test    venv + tools, then the whole pytest suite (unit + integration on a real control plane)
#   make lint    ruff check + mypy --strict
#   make tools   build kube-apiserver, kube-controller-manager, kubectl, etcd, helm (hack/build-tools.sh)
#   make demo    control plane + Cognito stand-in + operator + sample OpenMetadata (DEMO_EXIT=1 to exit)
#   make crds    regenerate crds/ (and the chart copy) and docs/reference.md from the Python spec (= make docs)
#   make bench   run bench/run.py (latency/scale/steady-state figures; BENCH_QUICK=1 for a smoke run)
#   make reliability  fault injection, bad input and leak checks (pytest -m reliability), then their figures
#   make clean   remove caches; make distclean also removes .venv (the shared tool cache is kept)
#
# Variables: PYTHON (interpreter for the venv, default python3.11), PYTEST_ARGS (extra pytest args),
# KUBEBUILDER_ASSETS / TEST_USE_EXISTING_CLUSTER=1 (skip the tool build; see operator/.../envtest.py).

.POSIX:

PYTHON = python3.11
VENV = .venv
PY = $(VENV)/bin/python
PYTEST_ARGS =
DEMO_EXIT =
CRD_FILE = crds/cognitossos.cognito-sso.dev.yaml

all: test

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check -q -e '.[test,lint,aws]'
	touch $(VENV)/.installed

venv: $(VENV)/.installed

tools:
	bash hack/build-tools.sh

# Runs a command with the tool dir (built unless KUBEBUILDER_ASSETS/TEST_USE_EXISTING_CLUSTER) first on PATH.
WITH_TOOLS = tools=$$(bash hack/tools-dir.sh) && echo "tools: $$tools" && PATH="$$tools:$$PATH" COGNITO_SSO_TOOLS_DIR="$$tools"
CHART = helm/cognito-sso-operator

test: $(VENV)/.installed
	@$(WITH_TOOLS) $(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check operator tests bench hack
	$(VENV)/bin/mypy
	$(VENV)/bin/hadolint Dockerfile
	@$(WITH_TOOLS) helm lint --strict $(CHART)

crds: $(VENV)/.installed
	$(VENV)/bin/cognito-sso-operator crd > $(CRD_FILE).tmp
	mv $(CRD_FILE).tmp $(CRD_FILE)
	cp $(CRD_FILE) $(CHART)/$(CRD_FILE)
	$(VENV)/bin/cognito-sso-operator reference > docs/reference.md

docs: crds

demo: $(VENV)/.installed
	@$(WITH_TOOLS) DEMO_EXIT="$(DEMO_EXIT)" $(PY) hack/demo.py

bench: $(VENV)/.installed
	@$(WITH_TOOLS) $(PY) bench/run.py

reliability: $(VENV)/.installed
	@mkdir -p .cache; rm -f .cache/reliability.json .cache/reliability-junit.xml; status=0; \
	$(WITH_TOOLS) $(PY) -m pytest -m reliability --junitxml=.cache/reliability-junit.xml $(PYTEST_ARGS) || status=$$?; \
	$(PY) hack/reliability_summary.py || status=1; \
	exit $$status

clean:
	rm -rf .pytest_cache .mypy_cache .ruff_cache .hypothesis build dist operator/*.egg-info
	rm -f bench/results-*.tmp $(CRD_FILE).tmp
	find operator tests hack bench -name __pycache__ -type d -prune -exec rm -rf {} + 2>/dev/null || true

distclean: clean
	rm -rf $(VENV)

.PHONY: all venv tools test lint crds docs demo bench reliability clean distclean
