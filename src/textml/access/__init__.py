"""Who may use the service: API keys and their limits."""
