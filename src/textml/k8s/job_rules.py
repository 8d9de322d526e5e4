"""What a RayJob running `textml batch` needs that neither its CRD nor KubeRay's validation checks, found before the
cluster: a command to run; the files the command names, on volumes mounted where they are read and written; the
Serve config it reads, valid; a cluster that goes away after the job, and a job that can't run forever.

Where each runs (KubeRay v1.7.0, K8sJobMode): the submitter Job's pod runs `ray job submit -- ENTRYPOINT`; Ray's job
supervisor runs the entrypoint, the driver, on the head (elsewhere only with entrypointNumCpus/Gpus/Resources); Ray
Data lists INPUT in the driver, and reads and writes it in tasks and actors on the pods with CPUs: the workers.
"""

import shlex
from pathlib import PurePosixPath

from textml.k8s.findings import Finding
from textml.k8s.kinds import cluster_field, cluster_spec
from textml.k8s.profile import is_uri
from textml.k8s.rayjob import CONFIG_PATH
from textml.k8s.resources import pod_groups
from textml.serve_config import runs_text_ml

TASKS = ("translate", "summarize")
# Volumes each pod has its own of: files written there are no other pod's, and go with the pod.
POD_LOCAL = ("emptyDir", "ephemeral", "hostPath")
READ_ONLY = ("configMap", "secret", "downwardAPI", "projected")  # mounted read-only whatever the mount says
SHARED_FIX = (
    "mount one ReadWriteMany PersistentVolumeClaim at the same path in the head and every worker group (the profile's "
    "job.volume), or use an s3:// or gs:// URI"
)


def lifetime(spec: dict) -> list[Finding]:
    """A cluster left running after the job, one deleted before anyone could look at a failure, a job with no end."""
    findings = []
    shutdown, ttl = spec.get("shutdownAfterJobFinishes") is True, spec.get("ttlSecondsAfterFinished") or 0
    if not shutdown and not spec.get("deletionStrategy"):
        findings.append(
            Finding(
                "warning",
                "spec.shutdownAfterJobFinishes",
                "is not true: the cluster's pods keep running, and holding their CPUs and memory, after the job ends, "
                "until the RayJob is deleted",
                "set shutdownAfterJobFinishes: true with a ttlSecondsAfterFinished",
            )
        )
    elif shutdown and not ttl:
        findings.append(
            Finding(
                "warning",
                "spec.ttlSecondsAfterFinished",
                "is 0: KubeRay deletes the cluster the moment the job ends, and with it the dashboard and the Ray "
                "logs of every pod (only the submitter's log, the driver's output, stays)",
                "set ttlSecondsAfterFinished, e.g. 3600, to look at a finished or failed job",
            )
        )
    if spec.get("activeDeadlineSeconds") is None:
        findings.append(
            Finding(
                "warning",
                "spec.activeDeadlineSeconds",
                "missing: a job that hangs (a pod never scheduled, a stuck read) holds its cluster forever",
                "set activeDeadlineSeconds: the longest the whole run may take, e.g. 21600",
            )
        )
    return findings


def _groups(manifest: dict) -> list[tuple[str, str, dict]]:
    """(name, field, group) of the head, then of each worker group."""
    cluster, field = cluster_spec(manifest), cluster_field(manifest)
    groups = [("the head", f"{field}.headGroupSpec", cluster.get("headGroupSpec") or {})]
    for index, group in enumerate(cluster.get("workerGroupSpecs") or []):
        name = f"worker group {group.get('groupName', index)!r}"
        groups.append((name, f"{field}.workerGroupSpecs[{index}]", group))
    return groups


def _mount(group: dict, path: str) -> tuple[dict, dict] | None:
    """The Ray container's mount holding `path` (the deepest one), and its volume; None if no mount holds it."""
    spec = (group.get("template") or {}).get("spec") or {}
    volumes = {volume.get("name"): volume for volume in spec.get("volumes") or []}
    container = (spec.get("containers") or [{}])[0]
    holding = [
        mount
        for mount in container.get("volumeMounts") or []
        if mount.get("mountPath") and PurePosixPath(path).is_relative_to(mount["mountPath"])
    ]
    if not holding:
        return None
    mount = max(holding, key=lambda m: len(PurePosixPath(m["mountPath"]).parts))
    return mount, volumes.get(mount.get("name")) or {}


def _volume_type(volume: dict) -> str:
    return next((key for key in volume if key != "name"), "")


def _parse(words: list[str]) -> tuple[list[str], dict[str, str]]:
    """`textml batch`'s positional arguments and its --options (an option without a value maps to "")."""
    positional, options = [], {}
    index = 0
    while index < len(words):
        word = words[index]
        if word.startswith("--") and "=" in word:
            name, _, value = word.partition("=")
            options[name] = value
        elif word.startswith("--"):
            has_value = index + 1 < len(words) and not words[index + 1].startswith("--")
            options[word] = words[index + 1] if has_value else ""
            index += has_value
        else:
            positional.append(word)
        index += 1
    return positional, options


def entrypoint(manifest: dict, documents: list[dict]) -> list[Finding]:
    spec = manifest.get("spec") or {}
    text = spec.get("entrypoint")
    if spec.get("submissionMode") == "InteractiveMode":
        return []  # the user submits the job
    render = "render the manifest with `textml k8s render` (it builds the entrypoint from the profile's job:)"
    if not isinstance(text, str) or not text.strip():
        problem = "missing: KubeRay's submitter would run `ray job submit --` with no command, and the job fails"
        return [Finding("error", "spec.entrypoint", problem, render)]
    try:
        words = shlex.split(text)
    except ValueError as error:
        return [Finding("error", "spec.entrypoint", f"not a shell command line: {error}", "fix the quoting")]
    if len(words) < 2 or PurePosixPath(words[0]).name != "textml" or words[1] != "batch":
        return []  # another program: nothing more to check
    positional, options = _parse(words[2:])
    if len(positional) != 3 or positional[0] not in TASKS:
        problem = f"`textml batch` takes TASK INPUT OUTPUT (TASK {' or '.join(TASKS)}), not {' '.join(positional)!r}"
        return [Finding("error", "spec.entrypoint", problem, render)]
    task, input_location, output = positional
    findings = []
    if task == "translate" and not options.get("--language"):
        problem = "`textml batch translate` needs --language (the target)"
        findings.append(Finding("error", "spec.entrypoint", problem, "add --language, e.g. --language german"))
    if not spec.get("rayClusterSpec"):
        return findings  # a clusterSelector's cluster, made elsewhere: its mounts aren't in the file
    findings += _config(manifest, documents, options.get("--config"))
    claims = set()
    for path, writes in ((input_location, False), (output, True)):
        location_findings, location_claims = _location(manifest, path, writes)
        findings += location_findings
        claims |= location_claims
    for claim in sorted(claims):
        findings += _access_modes(documents, claim)
    return findings


def _config(manifest: dict, documents: list[dict], path: str | None) -> list[Finding]:
    """--config: a file on a volume of each pod the driver may run on; in a ConfigMap of the file, a Serve config
    with text_ml_app that Serve's own checks pass."""
    fix = f"pass --config {CONFIG_PATH}, where `textml k8s render` mounts the ConfigMap holding the Serve config"
    if not path:
        problem = (
            "names no --config: `textml batch` then reads deploy/serve_config.yaml from the driver's working "
            "directory, which the image doesn't have"
        )
        return [Finding("error", "spec.entrypoint", problem, fix)]
    if not path.startswith("/"):
        problem = f"--config {path} is relative: read from the driver's working directory (Ray's), not a mount"
        return [Finding("warning", "spec.entrypoint", problem, fix)]
    spec = manifest.get("spec") or {}
    anywhere = any(spec.get(name) for name in ("entrypointNumCpus", "entrypointNumGpus", "entrypointResources"))
    groups = _groups(manifest) if anywhere else _groups(manifest)[:1]  # with entrypoint resources, on any pod
    findings, config_maps = [], {}
    for name, field, group in groups:
        held = _mount(group, path)
        if held is None:
            findings.append(
                Finding(
                    "error",
                    f"{field}.template.spec.containers[0].volumeMounts",
                    f"--config {path}: no volume is mounted there in {name}, where the driver "
                    + ("may run (entrypoint resources)" if anywhere else "runs"),
                    f"mount the ConfigMap holding the Serve config at {PurePosixPath(path).parent} "
                    "(`textml k8s render` does)",
                )
            )
        elif "configMap" in held[1]:
            config_maps[held[1]["configMap"].get("name")] = (held[0], held[1]["configMap"])
    for config_map, (mount, source) in config_maps.items():
        file = str(PurePosixPath(path).relative_to(mount["mountPath"]))
        findings += _config_map(_named(documents, "ConfigMap", config_map), source, file)
    return findings


def _named(documents: list[dict], kind: str, name: str) -> dict | None:
    """The file's document of this kind and name, if it holds one."""
    found = [d for d in documents if d.get("kind") == kind and (d.get("metadata") or {}).get("name") == name]
    return found[0] if found else None


def _config_map(config_map: dict | None, source: dict, file: str) -> list[Finding]:
    """The Serve config the mounted ConfigMap gives as `file`, when the ConfigMap is in the file: there, and valid."""
    from textml.k8s.check import read_serve_config  # check.py imports this module

    if config_map is None:
        return []  # made elsewhere: nothing to read here
    name = config_map["metadata"]["name"]
    items = {item.get("path"): item.get("key") for item in source.get("items") or []}
    key = items.get(file) if items else file
    data = config_map.get("data") or {}
    if key is None or key not in data:
        return [
            Finding(
                "error",
                f"ConfigMap/{name}.data",
                f"has no {key or file!r}, the file --config names: the driver fails reading it",
                "render the manifest with `textml k8s render`, which writes the Serve config there",
            )
        ]
    field = f"ConfigMap/{name}.data.{key}"
    config, findings = read_serve_config(data[key], field)
    if config is not None and not any(runs_text_ml(app) for app in config["applications"] if isinstance(app, dict)):
        findings.append(
            Finding(
                "error",
                f"{field}.applications",
                "no application runs textml.text_ml:app, whose Translator and Summarizer user_config `textml "
                "batch` reads",
                "render the manifest with `textml k8s render` from a profile listing text_ml_app",
            )
        )
    return findings


def _location(manifest: dict, path: str, writes: bool) -> tuple[list[Finding], set[str]]:
    """INPUT or OUTPUT: a URI, or a path on one volume every Ray pod mounts, shared, and writable for OUTPUT. Also
    the PersistentVolumeClaims it is on."""
    if is_uri(path):
        return [], set()
    what = "OUTPUT" if writes else "INPUT"
    if not path.startswith("/"):
        problem = f"{what} {path} is relative: each pod resolves it in its own working directory"
        fix = "use an absolute path on the data volume, or a URI"
        return [Finding("error", "spec.entrypoint", problem, fix)], set()
    findings = []
    claims = set()
    for name, field, group in _groups(manifest):
        mount_field = f"{field}.template.spec.containers[0].volumeMounts"
        held = _mount(group, path)
        if held is None:
            problem = f"{what} {path}: no volume is mounted there in {name}, where Ray Data " + (
                "writes it" if writes else "reads it"
            )
            findings.append(Finding("error", mount_field, problem, SHARED_FIX))
            continue
        mount, volume = held
        kind = _volume_type(volume)
        if kind in POD_LOCAL:
            problem = f"{what} {path} is on {kind} volume {mount.get('name')!r}: each pod has its own, gone with it"
            findings.append(Finding("error", mount_field, problem, SHARED_FIX))
        elif writes and (mount.get("readOnly") or kind in READ_ONLY or (volume.get(kind) or {}).get("readOnly")):
            problem = f"OUTPUT {path} is on a read-only mount ({mount.get('name')!r}): Ray Data can't write it"
            findings.append(Finding("error", mount_field, problem, "mount the data volume read-write"))
        elif kind == "persistentVolumeClaim":
            claims.add((volume[kind] or {}).get("claimName"))
    return findings, {claim for claim in claims if claim}


def _access_modes(documents: list[dict], claim: str) -> list[Finding]:
    """A PersistentVolumeClaim of the file that every Ray pod mounts, but only one node may (ReadWriteOnce)."""
    found = _named(documents, "PersistentVolumeClaim", claim)
    modes = (found.get("spec") or {}).get("accessModes") or [] if found else []
    if found is None or "ReadWriteMany" in modes:
        return []  # made elsewhere (docs/operations.md: ReadWriteMany), or shared
    return [
        Finding(
            "warning",
            f"PersistentVolumeClaim/{claim}.spec.accessModes",
            f"{modes}: pods on other nodes can't mount it (Multi-Attach error) and wait in ContainerCreating, yet "
            "every Ray pod mounts it",
            "use ReadWriteMany (NFS, CephFS, EFS, Filestore...), or URIs; ReadWriteOnce works on a one-node cluster",
        )
    ]


def cpus(manifest: dict) -> list[Finding]:
    """A cluster with no CPU for Ray: the batch's tasks and actors wait until activeDeadlineSeconds."""
    field = cluster_field(manifest)
    try:
        groups = pod_groups(cluster_spec(manifest), field)
    except (ValueError, TypeError, AttributeError) as error:
        return [
            Finding(
                "error",
                field,
                f"can't size its pods: {error}",
                "give each value the CRD's type: resources as Kubernetes quantities, replica counts as integers",
            )
        ]
    if any(group.max_pods > 0 and group.ray.get("CPU", 1) > 0 for group in groups):
        return []
    return [
        Finding(
            "error",
            f"{field}.workerGroupSpecs",
            "no pod offers Ray a CPU (the head's num-cpus is 0, and no worker runs): the batch's tasks and model "
            "actors never start, and the job waits until activeDeadlineSeconds",
            "give the worker group replicas (the profile's workers.replicas)",
        )
    ]


def check_job(manifest: dict, documents: list[dict], size_pods: bool = True) -> list[Finding]:
    """Every textml rule for one RayJob; `documents` are the file's (its ConfigMaps and PersistentVolumeClaims).
    `size_pods` False leaves out the rule that reads the pods' quantities (the CRD schema already named one bad)."""
    spec = manifest.get("spec") or {}
    findings = lifetime(spec) + entrypoint(manifest, documents)
    if spec.get("rayClusterSpec") and size_pods:
        findings += cpus(manifest)
    return findings
