"""Tooling around the service, never imported by its replicas: the benchmark, the load generator, the
random-weight T5 builder."""
