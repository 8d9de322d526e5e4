"""Ray's and Serve's ports as the rendered manifests use them (KubeRay's defaults), for the renderer, the
NetworkPolicies and the checks."""

HTTP_PORT, GRPC_PORT = 8000, 9000  # Serve's proxies
GCS_PORT, DASHBOARD_PORT, CLIENT_PORT = 6379, 8265, 10001  # the head's own; Ray's token guards them
# Where Prometheus scrapes a Ray pod: Ray's metrics (KubeRay's `metrics` container port, on every pod), and on the
# head the autoscaler's and the dashboard's (as-metrics, dash-metrics in KubeRay's PodMonitor samples).
METRICS_PORTS = (8080, 44217, 44227)
