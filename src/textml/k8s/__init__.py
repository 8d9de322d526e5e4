"""Kubernetes: RayService manifests rendered from the Serve config, and checked before `kubectl apply`."""
