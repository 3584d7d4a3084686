#!/usr/bin/env bash
# Prints the control-plane tool dir for `make test|demo|bench|reliability`. Builds the tools first
# (hack/build-tools.sh) unless KUBEBUILDER_ASSETS or TEST_USE_EXISTING_CLUSTER=1 say the tests bring their own.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [ -n "${KUBEBUILDER_ASSETS:-}" ] || [ "${TEST_USE_EXISTING_CLUSTER:-}" = 1 ]; then
	echo "tools: KUBEBUILDER_ASSETS/TEST_USE_EXISTING_CLUSTER set, not building the control plane" >&2
	exec bash "$here/build-tools.sh" --print-dir
fi
bash "$here/build-tools.sh" | tail -n 1
