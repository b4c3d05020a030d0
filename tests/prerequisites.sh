#!/usr/bin/env bash
# What the tests need besides cargo, installed when missing (idempotent; Debian packages need
# root): node and npm with the test chaincode's npm packages (fabric-shim, pinned in
# tests/chaincode_support/package-lock.json) and Fabric's Node SDK (tests/sdk_node/), Go (Go
# chaincode packaging and the peer's Go builder), and in virtualenvs under target/ Fabric's Python SDK and Python chaincode shim
# (pinned in tests/sdk_py/ and tests/chaincode_python/). `.ci/run` and the README's test
# command run it.
set -euo pipefail
cd "$(dirname "$0")/.."

# node and npm from Debian when missing.
if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
  apt-get update >/dev/null && apt-get install -y nodejs npm >/dev/null
fi
# Go chaincode packaging runs `go env` / `go list` as Fabric's CLI does, and the peer's built-in Go
# builder runs `go build` (tests/it/chaincode_launch.rs): Debian's Go when
# missing.
if ! command -v go >/dev/null 2>&1; then
  apt-get update >/dev/null && apt-get install -y golang-go >/dev/null
fi
echo "== npm ci --prefix tests/chaincode_support"
npm ci --prefix tests/chaincode_support --no-audit --no-fund
# Fabric's Node SDK (fabric-network 2.2.20, tests/it/sdk_node.rs), pinned in
# tests/sdk_node/package-lock.json.
echo "== npm ci --prefix tests/sdk_node"
npm ci --prefix tests/sdk_node --no-audit --no-fund

# Fabric's Python SDK (tests/it/sdk_py.rs), pinned in tests/sdk_py/requirements.txt, in a
# virtualenv under target/. Its own pysha3 pin does not build on Python 3.11 and is unused
# there, hence --no-deps for the SDK itself (pip then warns about it, harmlessly).
echo "== fabric-sdk-py into target/sdk-py"
if [ ! -x target/sdk-py/bin/python ]; then
  python3 -m venv target/sdk-py || {
    apt-get update >/dev/null && apt-get install -y python3-venv >/dev/null && python3 -m venv target/sdk-py
  }
fi
target/sdk-py/bin/pip install -q --no-deps fabric-sdk-py==1.0.0
target/sdk-py/bin/pip install -q -r tests/sdk_py/requirements.txt
# fabric-chaincode-python (tests/it/chaincode_python.rs), pinned, in its own virtualenv.
echo "== fabric-chaincode-python into target/pycc"
[ -x target/pycc/bin/python ] || python3 -m venv target/pycc
target/pycc/bin/pip install -q -r tests/chaincode_python/requirements.txt

