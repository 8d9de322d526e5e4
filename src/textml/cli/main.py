"""The `textml` command: run the service locally (run, up, status, down), prepare a model for it (model), call
it (translate, summarize), translate or summarize a corpus (batch), benchmark it (bench), render, check and
plan its Kubernetes manifests (k8s), and make and revoke its API keys (keys).
Errors are one line; every command's --help ends with an example."""

import argparse
import json
import os
import sys
from pathlib import Path

DEFAULT_SERVE_CONFIG = "deploy/serve_config.yaml"
# `textml k8s render` without arguments renders these (make manifests).
PROFILES = "deploy/kubernetes/profiles/*.yaml"


def console(stderr: bool = False):
    from rich.console import Console

    # soft_wrap: a line stays one line when the output is not a terminal (a log, CI, `make run | tee`).
    return Console(highlight=False, soft_wrap=True, stderr=stderr)


def examples(*lines: str) -> dict:
    """The parser options that end a command's --help with examples."""
    return {
        "epilog": "example:\n" + "\n".join(f"  {line}" for line in lines),
        "formatter_class": argparse.RawDescriptionHelpFormatter,
    }


def cmd_run(args) -> int:
    from textml.cli import run

    return run.run(args.config, args.model, args.timeout, console())


def cmd_model_prepare(args) -> int:
    from textml.cli import models

    return models.prepare(args.source, args.directory, console())


def cmd_model_random(args) -> int:
    from textml.cli import models

    return models.random(args.directory, console(), args.family, args.pair)


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


# Files that are text to read as it is: translated to stdout unless --out names a file to write.
TEXT_FILES = (".txt", "")


def cmd_translate(args) -> int:
    from textml import client
    from textml.cli import progress

    if args.out is not None or (args.file is not None and Path(args.file).suffix.lower() not in TEXT_FILES):
        return translate_file(args)
    text = input_text(args)
    with progress.characters(len(text), "translating") as advance:
        result = client.translate_document(args.url, text, args.language, advance, args.source)
    show(args, result, "translation")  # after the bar is gone: stdout carries the translation alone
    return 0


def translate_file(args) -> int:
    """The file translated by the service as a job, written to --out (or beside it, the language's code before
    its extension), with the job's progress."""
    from textml import client
    from textml.cli import progress

    if args.file is None or args.text is not None:
        raise ValueError("--out writes a translated file: give the file with --file, and no text")
    with progress.fraction("translating " + Path(args.file).name) as advance:
        data, name = client.translate_file(
            args.url, args.file, args.language, args.source, lambda job: advance(job["progress"])
        )
    out = Path(args.out) if args.out else Path(args.file).with_name(name)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    print(f"translated {args.file} into {out} ({len(data):,} bytes)")
    return 0


def cmd_summarize(args) -> int:
    from textml import client
    from textml.cli import progress

    text = input_text(args)
    if args.translate is not None and (args.min_length is not None or args.max_length is not None):
        raise ValueError("--min-length/--max-length apply to a summary alone, not with --translate")
    doing = "summarizing" if args.translate is None else "summarizing and translating"
    with progress.waiting(f"{doing} {len(text):,} characters"):
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


def cmd_batch(args) -> int:
    from textml.cli import batch

    return batch.command(args, args.batch_command)


def cmd_k8s_render(args) -> int:
    from textml.cli import k8s

    return k8s.render_command(args)


def cmd_k8s_check(args) -> int:
    from textml.cli import k8s

    return k8s.check_command(args)


def cmd_k8s_plan(args) -> int:
    from textml.cli import k8s

    return k8s.plan_command(args)


def cmd_keys_create(args) -> int:
    from textml.cli import keys

    path = keys.keys_file(args.file)
    return keys.create(path, args.name, args.requests_per_minute, args.characters_per_minute, console(stderr=True))


def cmd_keys_list(args) -> int:
    from textml.cli import keys

    return keys.list_keys(keys.keys_file(args.file), console())


def cmd_keys_revoke(args) -> int:
    from textml.cli import keys

    return keys.revoke(keys.keys_file(args.file), args.name, console())


def parser() -> argparse.ArgumentParser:
    from textml.access.keys import ENV as KEYS_ENV
    from textml.cli import keys, models
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

    # What run and up both deploy.
    deploying = argparse.ArgumentParser(add_help=False)
    deploying.add_argument("--config", default=DEFAULT_SERVE_CONFIG, help="the Serve config to deploy")
    deploying.add_argument(
        "--model", help="a local checkpoint directory or a Hugging Face id, for every model deployment"
    )
    deploying.add_argument("--timeout", type=float, default=900, help="seconds to wait for RUNNING")
    run = commands.add_parser(
        "run",
        parents=[deploying],
        help="serve the Serve config on a local Ray cluster in the foreground (make run)",
        description="Starts a local Ray cluster of its own, deploys the Serve config, prints one 'ready' line with\n"
        "the URLs once every application is RUNNING (or one line saying why one failed), and serves until\n"
        "Ctrl-C or SIGTERM, then stops the applications and the cluster and exits 0.",
        **examples("textml run", "textml run --model models/t5-small    # a local checkpoint, no model hub"),
    )
    run.set_defaults(run=cmd_run)

    up = commands.add_parser(
        "up",
        parents=[address, deploying],
        help="deploy the Serve config locally and wait until it runs",
        description="Starts a local Ray cluster if none answers at the default address, "
        "deploys the Serve config, and shows progress until every application "
        "is RUNNING or one fails.",
        **examples("textml up", "textml up --model models/t5-small --config deploy/serve_config.yaml"),
    )
    up.set_defaults(run=cmd_up)
    commands.add_parser(
        "status",
        parents=[address],
        help="applications, deployments and replicas",
        **examples("textml status", "textml status --address http://127.0.0.1:8265"),
    ).set_defaults(run=cmd_status)
    commands.add_parser(
        "down",
        parents=[address],
        help="delete the applications (and stop the Ray cluster if `up` started it)",
        **examples("textml down"),
    ).set_defaults(run=cmd_down)

    model = commands.add_parser(
        "model",
        help="prepare a local model directory (no model hub needed)",
        **examples("textml model random models/t5-random"),
    ).add_subparsers(dest="model_command", required=True)
    prepare = model.add_parser(
        "prepare",
        help="a local model directory from a T5 checkpoint archive or directory you have",
        description="Unpacks SOURCE (a .tar.gz, .tgz, .tar or .zip archive, or a directory) into DIRECTORY, checks\n"
        "it is a T5 checkpoint the pinned transformers loads, and converts it to CTranslate2 ahead of time.",
        **examples(
            "textml model prepare t5-small.tar.gz models/t5-small",
            "textml model prepare /mnt/usb/t5-small models/t5-small",
            "make run MODEL=models/t5-small",
        ),
    )
    prepare.add_argument("source", help="a checkpoint archive (.tar.gz, .tgz, .tar, .zip) or directory")
    prepare.add_argument("directory", help="where the model directory goes (must not exist, or be empty)")
    prepare.set_defaults(run=cmd_model_prepare)
    random_model = model.add_parser(
        "random",
        help="a model of a known shape with RANDOM weights, to try textml with no weights at all",
        description="Builds a known checkpoint's architecture and tokenizer shape with random weights into DIRECTORY,\n"
        "its tokenizer trained on the spot (t5: t5-small, about 10 s; marian: opus-mt-en-de, ~15 s; bart:\n"
        "distilbart-cnn-12-6, ~20 s; nllb: nllb-200-distilled-600M, ~40 s and 2.4 GB), converted to CTranslate2\n"
        "and marked as such: its answers are meaningless, and textml says so wherever it serves it.",
        **examples(
            "textml model random models/t5-random",
            "make run MODEL=models/t5-random",
            "textml model random models/opus-random --family marian --pair en-fr",
        ),
    )
    random_model.add_argument("directory", help="where the model directory goes (must not exist, or be empty)")
    models.add_random_arguments(random_model)
    random_model.set_defaults(run=cmd_model_random)

    service = argparse.ArgumentParser(add_help=False)
    service.add_argument("text", nargs="?", help="English text of any length (default: --file, or read stdin)")
    service.add_argument("--file", help="read the text from this file")
    service.add_argument(
        "--url", default=DEFAULT_URL, help=f"text_ml_app's URL (default {DEFAULT_URL}, or $TEXTML_URL)"
    )
    service.add_argument("--json", action="store_true", help="print the service's JSON answer (with the segments)")
    translate = commands.add_parser(
        "translate",
        parents=[service],
        help="translate text",
        **examples(
            'textml translate "It was the best of times" --language german',
            'textml translate "Das ist ein kleines Haus." --language en --source de',
            "textml translate --file article.txt --json",
            "textml translate --file talk.docx --language german --out talk.de.docx",
        ),
    )
    translate.add_argument(
        "--out",
        help="write the translated file here: any --file (.docx .pptx .odt .md .html .srt .txt) comes back in its own "
        "format (default for a file that is not .txt: its name with the language's code, e.g. talk.de.docx)",
    )
    translate.add_argument(
        "--language", help="the target: a name or ISO 639-1 code, e.g. german or de (default: the configured one)"
    )
    translate.add_argument(
        "--source", help="the text's language, a name or ISO 639-1 code (default: auto, detected by the service)"
    )
    translate.set_defaults(run=cmd_translate)
    summarize = commands.add_parser(
        "summarize",
        parents=[service],
        help="summarize English text",
        **examples(
            "textml summarize --file article.txt --max-length 40",
            'echo "It was the best of times, it was the worst of times" | textml summarize --translate romanian',
        ),
    )
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
        "bench",
        help="the throughput benchmark (make bench)",
        description=bench.__doc__.split("\n\n")[0],
        **examples("textml bench --seconds 15 --out benchmarks", "textml bench --systems translate --clients 1 16"),
    )
    bench.add_arguments(bench_parser)
    bench_parser.set_defaults(run=cmd_bench)

    batch_command = commands.add_parser(
        "batch",
        help="translate or summarize a corpus with Ray Data (locally, or on the cluster at RAY_ADDRESS)",
        description="Every row of INPUT through the engines the service runs, with the Serve config's settings, as a\n"
        "Ray Data job: on the cluster at RAY_ADDRESS, or a local one started for it. A row that fails comes back\n"
        "with an `error` field; a rerun over the same OUTPUT skips the rows it already holds.",
        **examples(
            "textml batch translate corpus.jsonl out/ --language german",
            "RAY_ADDRESS=10.0.0.5:6379 textml batch summarize s3://bucket/articles/ s3://bucket/summaries/",
        ),
    ).add_subparsers(dest="batch_command", required=True)
    for task, what in (("translate", "translate each row's text"), ("summarize", "summarize each row's text")):
        task_parser = batch_command.add_parser(
            task,
            help=what,
            **examples(
                f"textml batch {task} corpus.jsonl out/" + (" --language german" if task == "translate" else ""),
            ),
        )
        from textml.cli import batch

        batch.add_arguments(task_parser, task, DEFAULT_SERVE_CONFIG)
        task_parser.set_defaults(run=cmd_batch)

    k8s = commands.add_parser(
        "k8s",
        help="RayService and RayJob manifests for Kubernetes",
        **examples("textml k8s render", "textml k8s check deploy/kubernetes/*.yaml"),
    ).add_subparsers(dest="k8s_command", required=True)
    render = k8s.add_parser(
        "render",
        help="render RayService and RayJob manifests from the Serve config and profiles",
        description="Renders one manifest per cluster profile from the Serve config (make manifests): a RayService,\n"
        f"or with `kind: RayJob` a `textml batch` RayJob. Without PROFILES, the committed ones: {PROFILES}.",
        **examples("textml k8s render", "textml k8s render deploy/kubernetes/profiles/quickstart.yaml --out-dir -"),
    )
    render.add_argument("profiles", nargs="*", help=f"cluster profiles (default: {PROFILES})")
    render.add_argument("--serve-config", default=DEFAULT_SERVE_CONFIG, help="the Serve config to render")
    render.add_argument(
        "--out-dir", default="deploy/kubernetes", help="where each PROFILE.yaml manifest goes ('-' for stdout)"
    )
    render.set_defaults(run=cmd_k8s_render)
    check = k8s.add_parser(
        "check",
        help="check RayService and RayJob manifests before kubectl apply",
        description="Checks each manifest against its kind's CRD (RayService, RayJob), Ray's Serve schema, and the\n"
        "mistakes Serve and KubeRay accept but then ignore or fail on. Exits 1 on any error; warnings don't fail\n"
        "it. Each kind's CRD: the --crd FILE defining it, else the cluster's (kubectl get crd rayservices.ray.io,\n"
        "rayjobs.ray.io) when no --crd is given, else none: then every check but that CRD schema's runs, and the\n"
        "first lines say where to get KubeRay v1.7.0's.",
        epilog="example:\n  textml k8s check deploy/kubernetes/production.yaml\n"
        "  textml k8s check --crd ray.io_rayservices.yaml --crd ray.io_rayjobs.yaml deploy/kubernetes/*.yaml\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument("manifests", nargs="+", help="manifest files")
    check.add_argument(
        "--crd",
        action="append",
        help="a CRD file from the KubeRay release, ray.io_rayservices.yaml or ray.io_rayjobs.yaml; repeat it for "
        "both (default: the cluster's through kubectl, if any)",
    )
    check.set_defaults(run=cmd_k8s_check)
    plan = k8s.add_parser(
        "plan",
        help="what kubectl apply of NEW over the running CURRENT will do (RayServices)",
        description="Says what applying the RayService in NEW over the one in CURRENT does, by KubeRay v1.7.0's\n"
        "and Ray Serve's own rules: the cluster (unchanged, updated in place, or a new cluster), then each\n"
        "application and deployment. Imports each app's code, as `check` does; sends nothing anywhere.\n"
        "RayServices only: a RayJob isn't updated in place (delete it and apply it again to run anew).",
        epilog="example:\n  git show HEAD:deploy/kubernetes/production.yaml > /tmp/running.yaml\n"
        "  textml k8s plan /tmp/running.yaml deploy/kubernetes/production.yaml\n",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    plan.add_argument("current", help="the manifest that runs now")
    plan.add_argument("new", help="the manifest to apply")
    plan.add_argument("--json", action="store_true", help="print the plan as JSON")
    plan.add_argument("--crd", help="the RayService CRD, to fill in all its defaults before comparing")
    plan.set_defaults(run=cmd_k8s_plan)

    keys_command = commands.add_parser(
        "keys",
        help="API keys: create, list and revoke them in a keys file",
        description="The keys file holds each key's name, limits and SHA-256 hash, never a key (mode 0600).",
        **examples(
            "textml keys create reports --requests-per-minute 60 --file keys.yaml",
            "textml keys list --file keys.yaml",
        ),
    ).add_subparsers(dest="keys_command", required=True)
    keys_file = argparse.ArgumentParser(add_help=False)
    keys_file.add_argument("--file", help=f"the keys file (default ${KEYS_ENV})")
    create_key = keys_command.add_parser(
        "create",
        parents=[keys_file],
        help="a new random key, printed once",
        description="Makes a new random key named NAME and adds its hash and limits to the keys file (made if\n"
        "missing). The key is printed once, alone on the last line of stdout; nothing can show it again.",
        **examples(
            "textml keys create reports --file keys.yaml",
            f"export {KEYS_ENV}=keys.yaml; KEY=$(textml keys create nightly --characters-per-minute 200000)",
        ),
    )
    create_key.add_argument("name", help=keys.NAME_HELP)
    for limit in ("requests", "characters"):
        create_key.add_argument(
            f"--{limit}-per-minute",
            type=keys.positive_int,
            metavar="N",
            help=f"at most N {limit} a minute (default: unlimited)",
        )
    create_key.set_defaults(run=cmd_keys_create)
    keys_command.add_parser(
        "list",
        parents=[keys_file],
        help="each key's name, limits, creation time and hash's first characters (never a key)",
        **examples("textml keys list --file keys.yaml"),
    ).set_defaults(run=cmd_keys_list)
    revoke_key = keys_command.add_parser(
        "revoke",
        parents=[keys_file],
        help="remove a key from the keys file",
        **examples("textml keys revoke reports --file keys.yaml"),
    )
    revoke_key.add_argument("name", help="the key's name, as `textml keys list` shows it")
    revoke_key.set_defaults(run=cmd_keys_revoke)
    return top


def main(argv: list[str] | None = None) -> int:
    from textml.access.keys import KeysError
    from textml.cli.local import ServiceError
    from textml.client import ClientError
    from textml.exceptions import ModelLoadError

    args = parser().parse_args(sys.argv[1:] if argv is None else argv)
    try:
        return args.run(args)
    except (ServiceError, ClientError, ModelLoadError, KeysError) as error:
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
        message = " ".join(str(error).split())  # one line, as Ray's AuthenticationError is not
        print(f"textml: {type(error).__name__}: {message} (TEXTML_DEBUG=1 shows the traceback)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
