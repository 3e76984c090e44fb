# The C examples against an independent Mindra-compatible server (Starlette + sse-starlette +
# uvicorn from PyPI, in a venv under build/): see tests/independent/README.md.

.PHONY: test-independent

test-independent: examples
	bash tests/independent/run.sh

EXTRA_TESTS += test-independent
