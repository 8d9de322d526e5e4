"""Which HTML parser textml's markup translation uses, measured: lxml.html against BeautifulSoup (with
html.parser and with lxml) and selectolax (Lexbor) on real HTML pages, for speed, round-trip fidelity and XML.

    python -m textml.tools.compare_parsers [PATHS...] [--limit N]   # needs the bench extra: pip install -e '.[bench]'

The pages are the HTML files given (files, or folders searched for *.html and *.htm), by default those every
machine of ours has: /usr/share/doc (Debian's package manuals) and the Rust toolchains' documentation
(/root/.rustup/toolchains/*/share/doc/rust/html). A fixed sample (seeded) of N of them is taken (300; 0 takes
all), shared out evenly between the places they were found in. Each is read as UTF-8 (undecodable bytes
replaced) and given to every parser as a str, as markup.py gets text from the API; a page a parser refuses as
given is tried once more with its XML declaration (<?xml ...?>) taken out, and counted.

For each parser, over the pages: the time to parse a page and serialize it again, and the time to parse it and walk
every text node (the count is of those not blank): CPU time (time.process_time, which a busy shared machine doesn't
lengthen as it does the wall-clock time), the best of 3 runs of each page, after a warm-up; the pages whose text
(each text node's whitespace collapsed, blank ones left out) and start tags are the same after parse -> serialize
-> parse as after the first parse, and those whose elements' attributes are all the same (in any order:
BeautifulSoup sorts them), and what a round trip changes first where it does; whether it parses XML too (its XML
mode, or as HTML where it has none), a fixed sample with a default and a prefixed namespace, an element HTML
doesn't know written in camelCase, an empty element (<note/>) and a CDATA section; and the resident memory it adds
at its peak. Each parser is measured in a subprocess of its own, so that memory doesn't mix.
lxml.html is measured twice: serialized as markup.py does (lxml.html.tostring(..., encoding="unicode"), which
leaves out <meta http-equiv="Content-Type">), and with include_meta_content_type=True.
"""

import argparse
import gc
import json
import random
import re
import statistics
import subprocess
import sys
import time
import warnings
from importlib import metadata
from pathlib import Path

ROOTS = ("/usr/share/doc", "/root/.rustup/toolchains/*/share/doc/rust/html")
SEED = "textml-parsers"
LIMIT = 300
WARM_UP = 10
REPEAT = 3
XML_DECLARATION = re.compile(r"\A\s*<\?xml[^>]*\?>")
XML_SAMPLE = (
    '<?xml version="1.0"?>\n'
    '<doc xmlns="urn:example:doc" xmlns:x="urn:example:x">'
    '<x:term id="t1">Hello <b>world</b></x:term><note/>'
    '<glossEntry x:ref="2">see <![CDATA[a < b]]></glossEntry></doc>'
)
# What a parse of XML_SAMPLE as XML has: its text (whitespace collapsed) and its elements (namespace, name).
XML_TEXT = "Hello world see a < b"
XML_ELEMENTS = [
    ("urn:example:doc", "doc"),
    ("urn:example:x", "term"),
    ("urn:example:doc", "b"),
    ("urn:example:doc", "note"),
    ("urn:example:doc", "glossEntry"),
]

START, TEXT = "start", "text"


# The parsers: each is (parse, serialize, walk, parse_xml, serialize_xml, elements). walk(document) yields
# (START, tag, [(attribute, value), ...]) and (TEXT, text) in document order (comments, doctypes and processing
# instructions left out); elements(document) is [(namespace, name, empty), ...]; parse_xml is None where the
# library has no XML mode. The imports are inside, so a missing one is reported, not fatal.


def lxml_parser(keep_meta: bool = False):
    import lxml.etree
    import lxml.html

    def walk(root):
        for event, element in lxml.etree.iterwalk(root, events=("start", "end", "comment", "pi")):
            if event == "start":
                yield START, element.tag, element.items()
                if element.text:
                    yield TEXT, element.text
            elif element.tail and element is not root:  # end, or a comment's or PI's (the text after it)
                yield TEXT, element.tail

    def elements(root):
        found = []
        for element in root.iter():
            if isinstance(element.tag, str):
                namespace, _, name = element.tag[1:].rpartition("}") if element.tag[0] == "{" else ("", "", element.tag)
                found.append((namespace, name, len(element) == 0 and not element.text))
        return found

    return (
        lxml.html.document_fromstring,
        # By default lxml.html.tostring leaves out <meta http-equiv="Content-Type">.
        lambda root: lxml.html.tostring(root, encoding="unicode", include_meta_content_type=keep_meta),
        walk,
        lxml.etree.fromstring,
        lambda root: lxml.etree.tostring(root, encoding="unicode"),
        elements,
    )


def soup_parser(features: str):
    from bs4 import BeautifulSoup
    from bs4.element import NavigableString, PreformattedString, Tag

    def walk(soup):
        for node in soup.descendants:
            if isinstance(node, Tag):
                # class, rel and the like are lists: their value is the words joined.
                attributes = [(k, " ".join(v) if isinstance(v, list) else v) for k, v in node.attrs.items()]
                yield START, node.name, attributes
            elif isinstance(node, NavigableString) and not isinstance(node, PreformattedString):
                yield TEXT, str(node)

    def elements(soup):
        return [(tag.namespace or "", tag.name, not tag.contents) for tag in soup.find_all(True)]

    parse_xml = (lambda text: BeautifulSoup(text, "xml")) if features == "lxml" else None
    return (lambda text: BeautifulSoup(text, features), str, walk, parse_xml, str, elements)


def selectolax_parser():
    from selectolax.lexbor import LexborHTMLParser

    def walk(tree):
        for node in tree.root.traverse(include_text=True):
            if node.is_text_node:
                yield TEXT, node.text_content
            elif node.is_element_node:
                yield START, node.tag, [(k, v or "") for k, v in node.attributes.items()]

    def elements(tree):
        return [("", node.tag, node.child is None) for node in tree.root.traverse() if node.is_element_node]

    return (LexborHTMLParser, lambda tree: tree.html, walk, None, None, elements)


PARSERS = {
    "lxml.html": (("lxml",), lxml_parser),
    "lxml.html keeping meta": (("lxml",), lambda: lxml_parser(keep_meta=True)),
    "bs4 html.parser": (("beautifulsoup4",), lambda: soup_parser("html.parser")),
    "bs4 lxml": (("beautifulsoup4", "lxml"), lambda: soup_parser("lxml")),
    "selectolax": (("selectolax",), selectolax_parser),
}
LABELS = {
    "lxml.html": "lxml.html {lxml}",
    "lxml.html keeping meta": "lxml.html {lxml}, include_meta_content_type=True",
    "bs4 html.parser": "BeautifulSoup {beautifulsoup4}, html.parser",
    "bs4 lxml": "BeautifulSoup {beautifulsoup4}, lxml {lxml}",
    "selectolax": "selectolax {selectolax} (Lexbor)",
}


def found_pages(paths: list[str]) -> dict[str, list[Path]]:
    """The HTML files by the place they were found in (a file given is a place of its own)."""
    places: dict[str, list[Path]] = {}
    for pattern in paths:
        for place in sorted(Path("/").glob(pattern.lstrip("/"))) if pattern.startswith("/") else [Path(pattern)]:
            if place.is_file():
                places[str(place)] = [place]
            elif place.is_dir():
                files = [path for path in place.rglob("*") if path.suffix in (".html", ".htm") and path.is_file()]
                if files:
                    places[str(place)] = sorted(files)
    return places


def sample(places: dict[str, list[Path]], limit: int) -> dict[str, list[Path]]:
    """Up to limit files shared out evenly between the places (what one can't fill goes to the others), seeded."""
    counts = {place: 0 for place in places}
    remaining = limit if limit > 0 else sum(map(len, places.values()))
    open_places = [place for place in places if places[place]]
    while remaining and open_places:
        share = max(1, remaining // len(open_places))
        for place in list(open_places):
            take = min(share, len(places[place]) - counts[place], remaining)
            counts[place] += take
            remaining -= take
            if counts[place] == len(places[place]):
                open_places.remove(place)
            if not remaining:
                break
    rng = random.Random(SEED)
    return {place: sorted(rng.sample(files, counts[place])) for place, files in places.items() if counts[place]}


def read(path: str) -> str:
    return Path(path).read_bytes().decode("utf-8", errors="replace")


def outline(walk, document) -> tuple[list[str], list[str], list[tuple[str, tuple]]]:
    """A document's text nodes (whitespace collapsed, blank ones left out), start tags, and the attributes of each
    element that has some (in any order: a serializer may sort them)."""
    texts, tags, attributes = [], [], []
    for event in walk(document):
        if event[0] == TEXT:
            if text := " ".join(event[1].split()):
                texts.append(text)
        else:
            tags.append(event[1])
            if event[2]:
                attributes.append((event[1], tuple(sorted((name, str(value)) for name, value in event[2]))))
    return texts, tags, attributes


def first_difference(first: tuple, again: tuple) -> str | None:
    """What a round trip changed first: the start tag, text or attribute of the first parse (or its end)."""
    kinds = ("tag", "text", "attribute")
    for kind, before, after in zip(kinds, first[1::-1] + first[2:], again[1::-1] + again[2:], strict=True):
        if before != after:
            pairs = enumerate(zip(before, after, strict=False))
            index = next((i for i, (b, a) in pairs if b != a), min(len(before), len(after)))
            if index == len(before):
                return f"{kind}s added at the end"
            if kind == "tag":
                return f"<{before[index]}>"
            if kind == "text":
                return f"text {before[index][:20]!r}"
            return f"attributes of <{before[index][0]}>"
    return None


def xml_check(parse, serialize, walk, parse_xml, serialize_xml, elements) -> str:
    """Whether XML_SAMPLE parses as XML should: "yes", or what goes wrong."""
    mode, write = (parse_xml, serialize_xml) if parse_xml else (parse, serialize)
    try:
        document = mode(XML_SAMPLE)
    except Exception as error:  # any refusal is the answer
        return f"no: {type(error).__name__}"
    found = elements(document)
    text = " ".join(" ".join(outline(walk, document)[0]).split())
    wrong = []
    if ("urn:example:x", "term") not in {(namespace, name) for namespace, name, _ in found}:
        wrong.append("namespaces lost")
    if not any(name.endswith("glossEntry") for _, name, _ in found):
        wrong.append("names lowercased")
    if not all(empty for _, name, empty in found if name.lower().endswith("note")):
        wrong.append("<note/> takes what follows")
    if "a < b" not in text:
        wrong.append("CDATA lost")
    if not wrong and ([(n, m) for n, m, _ in found] != XML_ELEMENTS or text != XML_TEXT):
        wrong.append("elements or text differ")
    again = mode(write(document))
    if elements(again) != found or outline(walk, again) != outline(walk, document):
        wrong.append("round trip differs")
    if not wrong:
        return "yes"
    return ("no: " if parse_xml else "no: no XML mode; as HTML ") + ", ".join(wrong)


def rss_mb(field: str = "VmRSS") -> float:
    """The resident memory now, or at its peak (VmHWM: not ru_maxrss, which a subprocess inherits from its
    parent)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def best_of(function, page: str) -> float:
    """The shortest of REPEAT runs of function(page), in seconds of CPU time."""
    times = []
    for _ in range(REPEAT):
        started = time.process_time()
        function(page)
        times.append(time.process_time() - started)
    return min(times)


def measure(name: str, paths: list[str]) -> dict:
    """In the worker subprocess: one parser over the pages."""
    warnings.filterwarnings("ignore", module="bs4")  # XML parsed as HTML, markup that looks like a file name
    parse, serialize, walk, parse_xml, serialize_xml, elements = PARSERS[name][1]()
    pages = [read(path) for path in paths]
    gc.collect()
    try:
        Path("/proc/self/clear_refs").write_text("5")  # the peak starts again from now
    except OSError:
        pass
    before = rss_mb()
    result: dict = {"refused": {}, "failed": 0}
    usable = []
    for page in pages:
        try:
            parse(page)
        except Exception as error:
            reason = f"{type(error).__name__}: {error}"[:120]
            result["refused"][reason] = result["refused"].get(reason, 0) + 1
            page = XML_DECLARATION.sub("", page)
            try:
                parse(page)
            except Exception:
                result["failed"] += 1
                continue
        usable.append(page)
    result["parsed"] = len(usable)

    for page in usable[:WARM_UP]:
        outline(walk, parse(page))
        serialize(parse(page))

    def texts(page: str) -> int:
        return sum(1 for event in walk(parse(page)) if event[0] == TEXT and not event[1].isspace())

    serialize_times = [best_of(lambda page: serialize(parse(page)), page) for page in usable]
    walk_times = [best_of(texts, page) for page in usable]
    text_nodes = sum(texts(page) for page in usable)
    text_kept = attributes_kept = 0
    differences: dict[str, int] = {}
    for page in usable:
        document = parse(page)
        first, again = outline(walk, document), outline(walk, parse(serialize(document)))
        text_kept += first[:2] == again[:2]
        attributes_kept += first[2] == again[2]
        if difference := first_difference(first, again):
            differences[difference] = differences.get(difference, 0) + 1
    result["differences"] = sorted(differences.items(), key=lambda item: -item[1])[:3]
    result["peak_rss_mb"] = rss_mb("VmHWM") - before
    for key, times in (("serialize", serialize_times), ("walk", walk_times)):
        result[f"{key}_median_ms"] = statistics.median(times) * 1000 if times else float("nan")
        result[f"{key}_total_ms"] = sum(times) * 1000
    result["text_nodes"] = text_nodes
    result["text_kept"] = text_kept / max(1, len(usable))
    result["attributes_kept"] = attributes_kept / max(1, len(usable))
    result["xml"] = xml_check(parse, serialize, walk, parse_xml, serialize_xml, elements)
    return result


def verdict(results: dict[str, dict]) -> str:
    """The parser for markup.py: it parses XML too, keeps text, tags and attributes as well as the best (within a
    point), and of those is the fastest to parse and serialize."""
    best_text = max(result["text_kept"] for result in results.values())
    best_attributes = max(result["attributes_kept"] for result in results.values())
    fidelity = {name: min(result["text_kept"], result["attributes_kept"]) for name, result in results.items()}
    xml = [name for name in results if results[name]["xml"] == "yes"]
    pool = xml or list(results)
    best = max(fidelity[name] for name in pool)
    pool = [name for name in pool if fidelity[name] >= best - 0.01]
    chosen = min(pool, key=lambda name: results[name]["serialize_median_ms"])
    median = results[chosen]["serialize_median_ms"]
    others = ", ".join(
        f"{name} {results[name]['serialize_median_ms'] / median:.1f}x" for name in results if name != chosen
    )
    also = [name for name in xml if name != chosen]
    parses_xml = (
        f"parses XML too, as only {' and '.join(also)} also {'does' if len(also) == 1 else 'do'}"
        if also
        else "the only one that parses XML too"
        if xml
        else "none parses XML"
    )
    return (
        f"Verdict: {chosen} — {parses_xml}; round trip keeps text and tags in {results[chosen]['text_kept']:.1%} "
        f"and attributes in {results[chosen]['attributes_kept']:.1%} of pages (best of all: "
        f"{best_text:.1%} / {best_attributes:.1%}); "
        f"parse + serialize {median:.2f} ms a page (median); the others take {others} that time."
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", help="HTML files, or folders to search (default: " + ", ".join(ROOTS) + ")")
    parser.add_argument("--limit", type=int, default=LIMIT, help=f"pages in the sample, 0 for all ({LIMIT})")
    parser.add_argument("--worker", choices=PARSERS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(measure(args.worker, json.load(sys.stdin))))
        return

    places = found_pages(args.paths or list(ROOTS))
    if not places:
        print(f"No HTML files found in {', '.join(args.paths or ROOTS)}: nothing to measure.")
        sys.exit(1)
    chosen = sample(places, args.limit)
    paths = [str(path) for files in chosen.values() for path in files]
    found = sum(map(len, places.values()))
    print(f"{len(paths)} HTML pages ({sum(Path(path).stat().st_size for path in paths) / 2**20:.1f} MB), of {found}:")
    for place, files in chosen.items():
        print(f"  {len(files)} of {len(places[place])} from {place}")
    print(
        "\n| parser | pages parsed | parse + serialize ms (median / total) | parse + walk text ms (median / total) "
        "| text nodes | round trip keeps text and tags | keeps attributes | parses XML | peak RSS added MB |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    results = {}
    for name, (distributions, _) in PARSERS.items():
        try:
            label = LABELS[name].format(**{d: metadata.version(d) for d in distributions})
        except metadata.PackageNotFoundError as error:
            print(f"| {name} | not installed ({error}) |")
            continue
        command = [sys.executable, "-m", "textml.tools.compare_parsers", "--worker", name]
        done = subprocess.run(command, input=json.dumps(paths), capture_output=True, text=True)
        if done.returncode:
            print(f"| {label} | failed: {done.stderr.strip().splitlines()[-1:]} |")
            continue
        result = results[name] = json.loads(done.stdout.strip().splitlines()[-1])
        refused = sum(result["refused"].values())
        parsed = f"{result['parsed']}" + (f" ({refused} refused as given)" if refused else "")
        print(
            f"| {label} | {parsed} | {result['serialize_median_ms']:.2f} / {result['serialize_total_ms']:,.0f} "
            f"| {result['walk_median_ms']:.2f} / {result['walk_total_ms']:,.0f} | {result['text_nodes']:,} "
            f"| {result['text_kept']:.1%} | {result['attributes_kept']:.1%} | {result['xml']} "
            f"| {result['peak_rss_mb']:.0f} |"
        )
    if not results:
        return
    for name, result in results.items():
        for reason, count in result["refused"].items():
            print(f"\n{name} refused {count} page(s) as given ({reason}); parsed with the XML declaration taken out")
        if result["failed"]:
            print(f"\n{name} could not parse {result['failed']} page(s) at all: left out of its row")
    print("\nWhat a round trip changes first, on the pages it changes (the most frequent, pages):")
    for name, result in results.items():
        changes = "; ".join(f"{difference}: {count}" for difference, count in result["differences"]) or "nothing"
        print(f"  {name}: {changes}")
    print()
    print(verdict(results))


if __name__ == "__main__":
    main()
