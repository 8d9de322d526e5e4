"""Editing a committed RayService (or RayJob) manifest for one test: each function changes it in place; and the
CRD schemas the checks run with."""

import yaml

from helpers.paths import CRD, KUBERNETES, RAYJOB_CRD
from textml.k8s.crd import RayServiceCrd, read_crd

# The checks run as `textml k8s check` runs them: with KubeRay's CRD schema where it is beside the project (CI),
# and always without one (a user's clone with no --crd and no cluster), where every check but the schema's runs.
SCHEMAS = {"crd-schema": CRD, "no-crd": None} if CRD.is_file() else {"no-crd": None}
NO_CRD = f"no KubeRay CRD at {CRD} (ray.io_rayservices.yaml from the KubeRay release)"
# The same for RayJobs: both CRDs where they are, and none.
JOB_SCHEMAS = (
    {"crd-schema": (CRD, RAYJOB_CRD), "no-crd": None} if CRD.is_file() and RAYJOB_CRD.is_file() else {"no-crd": None}
)
NO_RAYJOB_CRD = f"no KubeRay CRD at {RAYJOB_CRD} (ray.io_rayjobs.yaml from the KubeRay release)"


def kuberay_crd(path) -> RayServiceCrd | None:
    """The CRD at `path`, or None for a check without the schema."""
    return read_crd(str(path)) if path else None


def documents(manifest: str) -> list[dict]:
    """Every document of a committed manifest ("production.yaml"), in order."""
    return [d for d in yaml.safe_load_all((KUBERNETES / manifest).read_text()) if d]


def of_kind(manifest: str, kind: str) -> list[dict]:
    return [d for d in documents(manifest) if d["kind"] == kind]


def network_policy_schema(crd: RayServiceCrd) -> dict:
    """A NetworkPolicy's schema (networking.k8s.io/v1), built from the Kubernetes types KubeRay's CRD embeds:
    rayClusterConfig.networkPolicy's ingressRules and egressRules are NetworkPolicyIngressRule and
    NetworkPolicyEgressRule, with their peers, ports and LabelSelectors, as controller-gen writes them from
    k8s.io/api. The spec's own fields (podSelector, policyTypes, ingress, egress) are NetworkPolicySpec's."""
    cluster = crd.schema()["properties"]["spec"]["properties"]["rayClusterConfig"]
    rules = cluster["properties"]["networkPolicy"]["properties"]["head"]["properties"]
    selector = rules["ingressRules"]["items"]["properties"]["from"]["items"]["properties"]["podSelector"]
    spec = {
        "type": "object",
        "required": ["podSelector"],
        "properties": {
            "podSelector": selector,
            "policyTypes": {"type": "array", "items": {"enum": ["Ingress", "Egress"]}},
            "ingress": rules["ingressRules"],
            "egress": rules["egressRules"],
        },
    }
    return {
        "type": "object",
        "required": ["apiVersion", "kind", "metadata", "spec"],
        "properties": {
            "apiVersion": {"const": "networking.k8s.io/v1"},
            "kind": {"const": "NetworkPolicy"},
            "metadata": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
            "spec": spec,
        },
    }


def batch_job() -> list[dict]:
    """Every document of deploy/kubernetes/batch-job.yaml: the ConfigMap with the Serve config, then the RayJob."""
    return documents("batch-job.yaml")


def quickstart() -> dict:
    """The RayService of deploy/kubernetes/quickstart.yaml (fruit_app, math_app)."""
    [service] = [d for d in yaml.safe_load_all((KUBERNETES / "quickstart.yaml").read_text()) if d]
    return service


def edit_serve_config(service: dict, edit) -> dict:
    """Runs `edit` on the parsed serveConfigV2 and writes it back as YAML."""
    config = yaml.safe_load(service["spec"]["serveConfigV2"])
    edit(config)
    service["spec"]["serveConfigV2"] = yaml.safe_dump(config)
    return service


def head(service):
    return service["spec"]["rayClusterConfig"]["headGroupSpec"]["template"]["spec"]["containers"][0]


def worker(service):
    return service["spec"]["rayClusterConfig"]["workerGroupSpecs"][0]["template"]["spec"]["containers"][0]


def set_path(path: str, value):
    """An edit setting `path` ("spec.rayClusterConfig.workerGroupSpecs.0.replicas") to `value`."""

    def edit(service):
        *parents, last = path.split(".")
        target = service
        for key in parents:
            target = target[int(key)] if key.isdigit() else target.setdefault(key, {})
        target[last] = value
        return service

    return edit


def apps(edit):
    """An edit running `edit` on serveConfigV2's list of applications."""
    return lambda service: edit_serve_config(service, lambda config: edit(config["applications"]))


def serve(edit):
    """An edit running `edit` on the whole serveConfigV2."""
    return lambda service: edit_serve_config(service, edit)
