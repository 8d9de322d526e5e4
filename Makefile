# Two commands on a fresh machine:
#   make run    set up, then run all three applications locally (Ctrl-C or SIGTERM stops them, exit 0)
#   make test   set up, then run the test suite on a real local Ray cluster
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
# A Hugging Face id or a local directory (for machines without the model hub): make run MODEL=models/t5-small
MODEL ?=
CONFIG := deploy/serve_config.yaml

.PHONY: setup run test lint format bench manifests check-manifests image clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt setup.py $(wildcard src/textml/protos/*.proto)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test,bench]'
	touch $@

# `textml run`, not `serve run`: it says "ready" with the URLs, fails in one line, and stops cleanly on SIGTERM.
run: setup
	$(BIN)/textml run --config $(CONFIG)$(if $(MODEL), --model $(MODEL))

test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The formatter and linter (ruff, configured in pyproject.toml); CI runs `make lint` before the tests.
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Throughput benchmark (not part of the tests): writes benchmarks/results.md and benchmarks/throughput.png.
BENCH_SECONDS ?= 15
bench: setup
	$(BIN)/textml bench --seconds $(BENCH_SECONDS) --out benchmarks

# RayService manifests and the `textml batch` RayJob, rendered from the Serve config and deploy/kubernetes/profiles/.
manifests: setup
	$(BIN)/textml k8s render

# CRD: ray.io_rayservices.yaml and ray.io_rayjobs.yaml from the KubeRay release (helm-chart/kuberay-operator/crds/),
# those there are (CRD="a.yaml b.yaml"); without any, `textml k8s check` reads the cluster's through kubectl, or runs
# every check but the CRD schemas'.
CRD ?= $(wildcard ../shared/kuberay/crds/ray.io_rayservices.yaml ../shared/kuberay/crds/ray.io_rayjobs.yaml)
check-manifests: setup
	$(BIN)/textml k8s check $(foreach crd,$(CRD),--crd $(crd)) deploy/kubernetes/*.yaml

IMAGE ?= textml:0.1.0-ray2.60.0
image:
	docker build -t $(IMAGE) .

clean:
	rm -rf $(VENV) build
