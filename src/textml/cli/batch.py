"""`textml batch translate|summarize INPUT OUTPUT`: a corpus through Ray Data (textml/batch/), on the cluster at
RAY_ADDRESS or one started here. Ray Data draws its own progress; the last line says what was done."""

import argparse

from textml.batch.job import BatchJob, run


def add_arguments(parser: argparse.ArgumentParser, task: str, default_config: str):
    parser.add_argument(
        "input",
        help="a JSON Lines file (a `text` field; other fields carried through), or a directory of "
        "JSON Lines (.jsonl, .json), Parquet or text (.txt, a row per line) files; a path or an s3:// or gs:// URI",
    )
    parser.add_argument(
        "output",
        help="a directory: JSON Lines files, every input row once with its answer; a rerun skips the rows it holds",
    )
    if task == "translate":
        parser.add_argument("--language", help="the target: a name or ISO 639-1 code (default: the configured one)")
        parser.add_argument("--source", help="the rows' language (default: auto, detected per row)")
    else:
        parser.add_argument("--min-length", type=int, help="summary length in tokens, at least")
        parser.add_argument("--max-length", type=int, help="summary length in tokens, at most")
    parser.add_argument(
        "--config",
        default=default_config,
        help="the Serve config whose user_config the engines take (default: %(default)s)",
    )
    parser.add_argument("--model", help="a Hugging Face id or local directory instead of the config's model")
    parser.add_argument("--text-field", default="text", help="the field of a row that holds its text")
    parser.add_argument("--actors", type=int, help="engines running at once (default: as many as the CPUs/GPUs)")
    parser.add_argument("--cpus-per-actor", type=float, default=1, help="CPUs each engine reserves (its threads)")
    parser.add_argument("--gpus-per-actor", type=float, default=0, help="GPUs each engine reserves (e.g. 1)")
    parser.add_argument("--batch-size", type=int, help="rows an engine answers at once (default: max_batch_size)")


def command(args, task: str) -> int:
    job = BatchJob(
        task=task,
        input=args.input,
        output=args.output,
        config=args.config,
        model=args.model,
        language=getattr(args, "language", None),
        source=getattr(args, "source", None),
        min_length=getattr(args, "min_length", None),
        max_length=getattr(args, "max_length", None),
        text_field=args.text_field,
        actors=args.actors,
        cpus_per_actor=args.cpus_per_actor,
        gpus_per_actor=args.gpus_per_actor,
        batch_size=args.batch_size,
    )
    totals = run(job)
    done = "translated" if task == "translate" else "summarized"
    rate = totals.rows / totals.seconds if totals.seconds else 0
    skipped = f", {totals.skipped:,} skipped (already in {args.output})" if totals.skipped else ""
    print(
        f"{done} {totals.rows - totals.errors:,} rows, {totals.errors:,} with an error{skipped}, in "
        f"{totals.seconds:.1f} s ({rate:.1f} rows/s, {totals.characters:,} characters): {args.output}"
    )
    return 0
