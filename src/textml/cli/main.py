"""The `textml` command: run the service locally (up, status, down), call it (translate, summarize),
benchmark it (bench), and render, check and plan its Kubernetes manifests (k8s). Errors are one line."""

import argparse
import json
import os
import sys
from pathlib import Path

DEFAULT_SERVE_CONFIG = "deploy/serve_config.yaml"


def console():
    from rich.console import Console

    return Console(highlight=False)


def cmd_up(args) -> int:
    from textml.cli import local

    return local.up(args.config, args.model, args.address, args.timeout, console())


def cmd_status(args) -> int:
    from textml.cli import local

    return local.status(args.address, console())


def cmd_down(args) -> int:
    from textml.cli import local

    return local.down(args.address, console())


def input_text(args) -> str:
    """The text: the argument, the file, or stdin when it is piped."""
    if args.text is not None and args.file is not None:
        raise ValueError("give the text as an argument or --file, not both")
    if args.file is not None:
        return Path(args.file).read_text()
    if args.text is not None:
        return args.text
    if sys.stdin.isatty():
        raise ValueError("give the text as an argument, with --file, or piped on stdin")
    return sys.stdin.read()


def show(args, result: dict, field: str):
    print(json.dumps(result, ensure_ascii=False) if args.json else result[field])


def cmd_translate(args) -> int:
    from textml import client
    from textml.cli import progress

    text = input_text(args)
    with progress.characters(len(text), "translating") as advance:
        show(args, client.translate_document(args.url, text, args.language, advance), "translation")
    return 0


def cmd_summarize(args) -> int:
    from textml import client
    from textml.cli import progress

    text = input_text(args)
    if args.translate is not None and (args.min_length is not None or args.max_length is not None):
        raise ValueError("--min-length/--max-length apply to a summary alone, not with --translate")
    with progress.waiting(f"summarizing {len(text):,} characters"):
        if args.translate is None:
            result = client.summarize(args.url, text, args.min_length, args.max_length)
        else:
            result = client.summarize_translate(args.url, text, args.translate or None)
    show(args, result, "summary" if args.translate is None else "translation")
    return 0


def cmd_bench(args) -> int:
    from textml.tools import bench

    bench.run(args)
    return 0


def cmd_k8s_render(args) -> int:
    from textml.cli import k8s

    return k8s.render_command(args)


def cmd_k8s_check(args) -> int:
    from textml.cli import k8s

    return k8s.check_command(args)


def cmd_k8s_plan(args) -> int:
    from textml.cli import k8s

    return k8s.plan_command(args)


def parser() -> argparse.ArgumentParser:
    from textml.cli.local import DEFAULT_ADDRESS
    from textml.client import DEFAULT_URL
    from textml.tools import bench

    top = argparse.ArgumentParser(prog="textml", description="Summarization and translation on Ray Serve.")
    commands = top.add_subparsers(dest="command", required=True)
    address = argparse.ArgumentParser(add_help=False)
    address.add_argument(
        "--address",
        default=os.environ.get("RAY_DASHBOARD_ADDRESS", DEFAULT_ADDRESS),
        help=f"the Ray dashboard (default {DEFAULT_ADDRESS}, or $RAY_DASHBOARD_ADDRESS)",
    )

    up = commands.add_parser(
        "up",
        parents=[address],
        help="deploy the Serve config locally and wait until it runs",
        description="Starts a local Ray cluster if none answers at the default address, "
        "deploys the Serve config, and shows progress until every application "
        "is RUNNING or one fails.",
    )
    up.add_argument("--config", default=DEFAULT_SERVE_CONFIG, help="the Serve config to deploy")
    up.add_argument("--model", help="a Hugging Face id or local directory for every model deployment")
    up.add_argument("--timeout", type=float, default=900, help="seconds to wait for RUNNING")
    up.set_defaults(run=cmd_up)
    commands.add_parser("status", parents=[address], help="applications, deployments and replicas").set_defaults(
        run=cmd_status
    )
    commands.add_parser(
        "down", parents=[address], help="delete the applications (and stop the Ray cluster if `up` started it)"
    ).set_defaults(run=cmd_down)

    service = argparse.ArgumentParser(add_help=False)
    service.add_argument("text", nargs="?", help="English text of any length (default: --file, or read stdin)")
    service.add_argument("--file", help="read the text from this file")
    service.add_argument(
        "--url", default=DEFAULT_URL, help=f"text_ml_app's URL (default {DEFAULT_URL}, or $TEXTML_URL)"
    )
    service.add_argument("--json", action="store_true", help="print the service's JSON answer (with the segments)")
    translate = commands.add_parser("translate", parents=[service], help="translate English text")
    translate.add_argument("--language", help="french, german or romanian (default: the configured one)")
    translate.set_defaults(run=cmd_translate)
    summarize = commands.add_parser("summarize", parents=[service], help="summarize English text")
    summarize.add_argument("--min-length", type=int, help="summary length in tokens, at least")
    summarize.add_argument("--max-length", type=int, help="summary length in tokens, at most")
    summarize.add_argument(
        "--translate",
        nargs="?",
        const="",
        metavar="LANGUAGE",
        help="and translate the summary (to LANGUAGE, or the configured one)",
    )
    summarize.set_defaults(run=cmd_summarize)

    bench_parser = commands.add_parser(
        "bench", help="the throughput benchmark (make bench)", description=bench.__doc__.split("\n\n")[0]
    )
    bench.add_arguments(bench_parser)
    bench_parser.set_defaults(run=cmd_bench)

    k8s = commands.add_parser("k8s", help="RayService manifests for Kubernetes").add_subparsers(
        dest="k8s_command", required=True
    )
    render = k8s.add_parser("render", help="render RayService manifests from the Serve config and profiles")
    render.add_argument("profiles", nargs="+", help="cluster profiles, e.g. deploy/kubernetes/profiles/*.yaml")
    render.add_argument("--serve-config", default=DEFAULT_SERVE_CONFIG, help="the Serve config to render")
    render.add_argument(
        "--out-dir", default="deploy/kubernetes", help="where each PROFILE.yaml manifest goes ('-' for stdout)"
    )
    render.set_defaults(run=cmd_k8s_render)
    check = k8s.add_parser(
        "check",
        help="check RayService manifests before kubectl apply",
        description="Checks each manifest against the RayService CRD, Ray's Serve schema, and the mistakes\n"
        "Serve and KubeRay accept but then ignore or fail on. Exits 1 on any error; warnings don't fail it.",
        epilog="example:\n  textml k8s check --crd ray.io_rayservices.yaml deploy/kubernetes/production.yaml\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument("manifests", nargs="+", help="manifest files")
    check.add_argument(
        "--crd", required=True, help="the RayService CRD: ray.io_rayservices.yaml from the KubeRay release"
    )
    check.set_defaults(run=cmd_k8s_check)
    plan = k8s.add_parser(
        "plan",
        help="what kubectl apply of NEW over the running CURRENT will do",
        description="Says what applying the RayService in NEW over the one in CURRENT does, by KubeRay v1.7.0's\n"
        "and Ray Serve's own rules: the cluster (unchanged, updated in place, or a new cluster), then each\n"
        "application and deployment. Imports each app's code, as `check` does; sends nothing anywhere.",
        epilog="example:\n  git show HEAD:deploy/kubernetes/production.yaml > /tmp/running.yaml\n"
        "  textml k8s plan /tmp/running.yaml deploy/kubernetes/production.yaml\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    plan.add_argument("current", help="the manifest that runs now")
    plan.add_argument("new", help="the manifest to apply")
    plan.add_argument("--json", action="store_true", help="print the plan as JSON")
    plan.add_argument("--crd", help="the RayService CRD, to fill in all its defaults before comparing")
    plan.set_defaults(run=cmd_k8s_plan)
    return top


def main(argv: list[str] | None = None) -> int:
    from textml.cli.local import ServiceError
    from textml.client import ClientError

    args = parser().parse_args(sys.argv[1:] if argv is None else argv)
    try:
        return args.run(args)
    except (ServiceError, ClientError) as error:
        print(f"textml: {error}", file=sys.stderr)
        return 1
    except (OSError, ValueError) as error:
        print(f"textml: {' '.join(str(error).split())}", file=sys.stderr)  # one line
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as error:
        if os.environ.get("TEXTML_DEBUG"):
            raise
        print(f"textml: {type(error).__name__}: {error} (TEXTML_DEBUG=1 shows the traceback)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
