"""What the Ray containers need for textml's API keys (docs/security.md): the keys file from a Secret, and one quota
store that every ingress replica counts in.

The Secret is not rendered, for the reason the Redis password isn't: it is made beforehand from the file
`textml keys create --file PATH` wrote, `kubectl create secret generic NAME --from-file=KEY=PATH`. The file holds
hashes only, but which keys exist and their limits are the operator's, not the repository's.
"""

from textml.access.keys import ENV as KEYS_FILE_ENV
from textml.access.quotas import STORAGE_ENV
from textml.k8s.profile import ApiKeys

KEYS_DIR = "/etc/textml/keys"
VOLUME = "api-keys"
QUOTA_DB = 1  # the GCS keeps its state in Redis's database 0
# The Redis password for the quota store's URI. Not REDIS_PASSWORD: KubeRay sets that one on the head itself for the
# GCS (common/pod.go:configureGCSFaultTolerance), after the template's env, so $(REDIS_PASSWORD) wouldn't expand.
PASSWORD_ENV = "TEXTML_QUOTA_REDIS_PASSWORD"


def keys_volume(keys: ApiKeys) -> dict:
    """The Secret's one key as a file. Not optional: until the Secret (and its key) exists the pod waits in
    ContainerCreating, its events naming the Secret, rather than serving with no keys, that is to anyone."""
    return {
        "name": VOLUME,
        "secret": {"secretName": keys.secret, "items": [{"key": keys.key, "path": keys.key}], "optional": False},
    }


def keys_mount() -> dict:
    """The folder, not the file alone (subPath): the kubelet updates a Secret's folder in place when the Secret
    changes, never a subPath mount, and the ingress reads the file again when it changes (KeysFileWatcher)."""
    return {"name": VOLUME, "mountPath": KEYS_DIR, "readOnly": True}


def keys_env(keys: ApiKeys, redis_address: str | None, redis_password: dict | None) -> list[dict]:
    """TEXTML_API_KEYS_FILE naming the mounted file; with Redis (`host:port`, its password's valueFrom), the
    quota store in Redis's database QUOTA_DB, so that every ingress replica counts a key's requests in one place.
    Without Redis each replica counts on its own (memory://). Kubernetes expands $(NAME) from the env before it:
    the password stays in its Secret, not in the manifest."""
    env = [{"name": KEYS_FILE_ENV, "value": f"{KEYS_DIR}/{keys.key}"}]
    if redis_address and redis_password:
        env += [
            {"name": PASSWORD_ENV, "valueFrom": redis_password},
            {"name": STORAGE_ENV, "value": f"redis://:$({PASSWORD_ENV})@{redis_address}/{QUOTA_DB}"},
        ]
    return env
