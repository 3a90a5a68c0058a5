# Targets a newcomer can guess.  Everything runs from the project's own venv (.venv).
PY      := .venv/bin/python
UV_VER  := 0.13.9

.PHONY: install build up down status logs demo test unit integration bench bench-ingest lint clean

install: .venv/.synced

.venv/.synced: requirements.lock pyproject.toml
	test -x $(PY) || python3 -m venv .venv
	$(PY) -m pip install -q uv==$(UV_VER)
	.venv/bin/uv pip sync -q --python $(PY) requirements.lock
	.venv/bin/uv pip install -q --python $(PY) --no-deps -e .   # the carbontrust command
	touch $@

build: install            ## build (or find cached) Fabric binaries; any Go >= 1.21 (runs go with GOTOOLCHAIN=auto)
	$(PY) -m network build

up: build                 ## bring the four-organisation network up, with each organisation's service (docs/services.md)
	CARBONTRUST_SERVICES=1 $(PY) -m network up

down: install             ## stop the network and its services and remove its data
	$(PY) -m network down

status: install
	$(PY) -m network status

logs: install
	$(PY) -m network logs

demo: build               ## the main job: network up if needed (with its services), then the whole carbon-account flow
	$(PY) scripts/demo.py

test: build               ## every test: unit, vectors, integration against the real network
	$(PY) scripts/run_tests.py

unit: install
	$(PY) scripts/run_tests.py -m "not integration"

integration: build
	$(PY) scripts/run_tests.py -m integration

bench: build              ## benchmarks: print figures, assert nothing
	$(PY) bench/run_all.py

bench-ingest: build       ## readings/s end to end at three batch sizes beside one-tx-per-reading and the peers' ceiling (own network, < 5 min)
	$(PY) bench/bench_ingest.py

lint: install
	.venv/bin/ruff check .
	.venv/bin/mypy network chaincode gateway notary accounting verifier bench

clean: down
	rm -rf .run
