"""The `textml` command (cli/main.py): run the service locally, call it, benchmark it, and render and check
its Kubernetes manifests."""
