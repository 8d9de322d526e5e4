"""The model deployments' shared machinery: user_config settings, the engine they load, batching."""
