"""The `textml` command."""

import argparse
import sys
from pathlib import Path

DEFAULT_SERVE_CONFIG = "deploy/serve_config.yaml"


def k8s_render(args) -> int:
    from textml import serve_config
    from textml.k8s.profile import load_profile
    from textml.k8s.render import manifest_path, render

    config = serve_config.load(args.serve_config)
    for profile_path in map(Path, args.profiles):
        text = render(config, load_profile(profile_path), source=args.serve_config)
        if args.out_dir == "-":
            sys.stdout.write(text)
            continue
        output = manifest_path(profile_path, Path(args.out_dir))
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text)
        print(f"wrote {output}")
    return 0


def k8s_check(args) -> int:
    from textml.k8s.check import check_file

    if not Path(args.crd).is_file():
        raise SystemExit(f"textml: no CRD at {args.crd}: pass --crd PATH to ray.io_rayservices.yaml "
                         "(from the KubeRay release or helm-chart/kuberay-operator/crds/)")
    errors = 0
    for manifest in args.manifests:
        findings = check_file(manifest, args.crd)
        errors += sum(f.severity == "error" for f in findings)
        for finding in findings:
            print(f"{manifest}: {finding}")
        if not findings:
            print(f"{manifest}: ok")
    return 1 if errors else 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="textml", description="Summarization and translation on Ray Serve.")
    commands = top.add_subparsers(dest="command", required=True)
    k8s = commands.add_parser("k8s", help="RayService manifests for Kubernetes").add_subparsers(
        dest="k8s_command", required=True)

    render = k8s.add_parser("render", help="render RayService manifests from the Serve config and profiles")
    render.add_argument("profiles", nargs="+", help="cluster profiles, e.g. deploy/kubernetes/profiles/*.yaml")
    render.add_argument("--serve-config", default=DEFAULT_SERVE_CONFIG, help="the Serve config to render")
    render.add_argument("--out-dir", default="deploy/kubernetes",
                        help="where each PROFILE.yaml manifest goes ('-' for stdout)")
    render.set_defaults(run=k8s_render)

    check = k8s.add_parser("check", help="check RayService manifests before kubectl apply")
    check.add_argument("manifests", nargs="+", help="manifest files")
    check.add_argument("--crd", required=True,
                       help="the RayService CRD: ray.io_rayservices.yaml from the KubeRay release")
    check.set_defaults(run=k8s_check)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except (OSError, ValueError) as error:
        print(f"textml: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
