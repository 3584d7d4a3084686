# cognito-sso-operator: developer and CI entry points. POSIX make; recipes are plain sh.
#
#   make test    venv + tools, then the whole pytest suite (unit + integration on a real control plane)
#   make lint    ruff check + mypy --strict
#   make tools   build kube-apiserver, kube-controller-manager, kubectl, etcd, helm (hack/build-tools.sh)
#   make demo    control plane + Cognito stand-in + operator + sample OpenMetadata (DEMO_EXIT=1 to exit)
#   make crds    regenerate crds/ from the Python spec
#   make bench   run bench/run.py (when it exists)
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

test: $(VENV)/.installed
	@set -e; \
	if [ -n "$${KUBEBUILDER_ASSETS:-}" ] || [ "$${TEST_USE_EXISTING_CLUSTER:-}" = 1 ]; then \
		tools=$$(bash hack/build-tools.sh --print-dir); \
		echo "make test: KUBEBUILDER_ASSETS/TEST_USE_EXISTING_CLUSTER set, not building tools"; \
	else \
		tools=$$(bash hack/build-tools.sh | tail -n 1); \
	fi; \
	echo "make test: tools in $$tools"; \
	PATH="$$tools:$$PATH" COGNITO_SSO_TOOLS_DIR="$$tools" $(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check operator tests
	$(VENV)/bin/mypy

crds: $(VENV)/.installed
	$(VENV)/bin/cognito-sso-operator crd > $(CRD_FILE).tmp
	mv $(CRD_FILE).tmp $(CRD_FILE)

demo: $(VENV)/.installed
	@set -e; \
	if [ -n "$${KUBEBUILDER_ASSETS:-}" ] || [ "$${TEST_USE_EXISTING_CLUSTER:-}" = 1 ]; then \
		tools=$$(bash hack/build-tools.sh --print-dir); \
	else \
		tools=$$(bash hack/build-tools.sh | tail -n 1); \
	fi; \
	PATH="$$tools:$$PATH" COGNITO_SSO_TOOLS_DIR="$$tools" DEMO_EXIT="$(DEMO_EXIT)" $(PY) hack/demo.py

bench: $(VENV)/.installed
	@if [ -f bench/run.py ]; then $(PY) bench/run.py; else echo "make bench: not yet (bench/run.py does not exist)"; fi

clean:
	rm -rf .pytest_cache .mypy_cache .ruff_cache .hypothesis build dist operator/*.egg-info
	rm -f bench/results-*.tmp $(CRD_FILE).tmp
	find operator tests hack bench -name __pycache__ -type d -prune -exec rm -rf {} + 2>/dev/null || true

distclean: clean
	rm -rf $(VENV)

.PHONY: all venv tools test lint crds demo bench clean distclean
