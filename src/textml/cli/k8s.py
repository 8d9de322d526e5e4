"""`textml k8s render`, `check` and `plan`: RayService and RayJob manifests from the Serve config, checked before
`kubectl apply`, and what applying one RayService over another will do."""

import json
import sys
from glob import glob
from pathlib import Path

from textml import serve_config
from textml.k8s.check import check_file, kinds_in
from textml.k8s.crd_source import find_crds
from textml.k8s.kinds import RAY_SERVICE
from textml.k8s.plan import plan_files, table
from textml.k8s.profile import load_profile
from textml.k8s.render import manifest_path, render


def render_command(args) -> int:
    from textml.cli.main import PROFILES

    profiles = args.profiles or sorted(glob(PROFILES))
    if not profiles:
        raise ValueError(f"no cluster profiles at {PROFILES}: run it in the repository's root, or name the profiles")
    config = serve_config.load(args.serve_config)
    for profile_path in map(Path, profiles):
        text = render(config, load_profile(profile_path), source=args.serve_config)
        if args.out_dir == "-":
            sys.stdout.write(text)
            continue
        output = manifest_path(profile_path, Path(args.out_dir))
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text)
        print(f"wrote {output}")
    return 0


def check_command(args) -> int:
    """Exits 1 on any error finding; a missing CRD alone skips its kind's schema check (said in one line per kind)
    and fails nothing."""
    crds, said = find_crds(args.crd, kinds_in(args.manifests) or [RAY_SERVICE])
    print("\n".join(said))
    errors = 0
    for manifest in args.manifests:
        findings = check_file(manifest, crds)
        errors += sum(f.severity == "error" for f in findings)
        for finding in findings:
            print(f"{manifest}: {finding}")
        if not findings:
            print(f"{manifest}: ok")
    return 1 if errors else 0


def plan_command(args) -> int:
    result = plan_files(args.current, args.new, args.crd)
    print(json.dumps(result, indent=2) if args.json else table(result))
    return 0
