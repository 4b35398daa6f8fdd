.PHONY: demo test lint bench

demo:  ## set up and run the demo server on 127.0.0.1:8000
	scripts/demo.sh

test:  ## install what the tests need and run them on SQLite and PostgreSQL
	scripts/test.sh

lint:
	.venv/bin/ruff check src tests bench
	.venv/bin/mypy

bench:  ## run the benchmarks and print their JSON lines
	.venv/bin/python bench/run.py
