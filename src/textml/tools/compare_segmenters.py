"""Which sentence splitter textml uses, measured: pysbd against blingfire on cases that trip splitters
(abbreviations, numbers, quotes, lists, ellipses) and on the speed of splitting real prose.

    python -m textml.tools.compare_segmenters        # needs the bench extra: pip install -e '.[bench]'

A case counts as right when the splitter returns exactly the expected sentences (whitespace stripped).
"""

import statistics
import time
from pathlib import Path

CASES = [
    # abbreviations and titles
    ("Dr. Smith arrived at 5 p.m. yesterday. He was late.", ["Dr. Smith arrived at 5 p.m. yesterday.", "He was late."]),
    ("Mr. and Mrs. Jones live in the U.S. with their son.", ["Mr. and Mrs. Jones live in the U.S. with their son."]),
    ("She works at Acme Inc. in London. It is a big firm.", ["She works at Acme Inc. in London.", "It is a big firm."]),
    ("Bring fruit, e.g. apples, pears, etc. to the party.", ["Bring fruit, e.g. apples, pears, etc. to the party."]),
    ("The meeting is at 10 a.m. on Monday. Please come.", ["The meeting is at 10 a.m. on Monday.", "Please come."]),
    ("J. R. R. Tolkien wrote it. It sold well.", ["J. R. R. Tolkien wrote it.", "It sold well."]),
    ("See Fig. 3 for details. The curve rises.", ["See Fig. 3 for details.", "The curve rises."]),
    ("He lives on Baker St. in London. I visited him.", ["He lives on Baker St. in London.", "I visited him."]),
    (
        "The term is used in Sect. 2 of the license. Read it.",
        ["The term is used in Sect. 2 of the license.", "Read it."],
    ),
    ("Prof. Brown and Gen. Lee met. They talked.", ["Prof. Brown and Gen. Lee met.", "They talked."]),
    # numbers
    (
        "The price is $3.50 today. Tomorrow it is 4.25 dollars.",
        ["The price is $3.50 today.", "Tomorrow it is 4.25 dollars."],
    ),
    (
        "Version 2.0 of the license was published in 1991. Version 3 followed.",
        ["Version 2.0 of the license was published in 1991.", "Version 3 followed."],
    ),
    ("Pi is about 3.14159. That is enough.", ["Pi is about 3.14159.", "That is enough."]),
    ("It grew by 12.5% in 2020. Sales fell.", ["It grew by 12.5% in 2020.", "Sales fell."]),
    ("We left at 10.30 and arrived at 12.15. It was slow.", ["We left at 10.30 and arrived at 12.15.", "It was slow."]),
    ("No. 5 is my favourite. What is yours?", ["No. 5 is my favourite.", "What is yours?"]),
    # quotes and brackets
    ('He said, "I will come tomorrow." Then he left.', ['He said, "I will come tomorrow."', "Then he left."]),
    ('"Are you sure?" she asked. He nodded.', ['"Are you sure?" she asked.', "He nodded."]),
    (
        "The results (see the appendix.) are clear. We agree.",
        ["The results (see the appendix.) are clear.", "We agree."],
    ),
    ("'Stop!' he shouted. Nobody stopped.", ["'Stop!' he shouted.", "Nobody stopped."]),
    # punctuation
    ("What happened? Nobody knows! It is a mystery.", ["What happened?", "Nobody knows!", "It is a mystery."]),
    ("Wait... what was that? I heard something.", ["Wait... what was that?", "I heard something."]),
    ("He thought about it... Then he said no.", ["He thought about it...", "Then he said no."]),
    ("Really?! That is amazing.", ["Really?!", "That is amazing."]),
    ("This is the end", ["This is the end"]),
    (
        "It is cold; bring a coat. It is also wet: bring boots.",
        ["It is cold; bring a coat.", "It is also wet: bring boots."],
    ),
    # lists and layout
    ("You must:\n1. Keep the notice.\n2. Give a copy.", ["You must:", "1. Keep the notice.", "2. Give a copy."]),
    (
        "Terms\n\nThe licensee may copy the work. The licensor may not.",
        ["Terms", "The licensee may copy the work.", "The licensor may not."],
    ),
    ("a) the first rule; and\nb) the second rule.", ["a) the first rule; and", "b) the second rule."]),
    ("- apples\n- pears\n- plums", ["- apples", "- pears", "- plums"]),
    # web and code-like text
    ("Visit www.gnu.org for details. It is free.", ["Visit www.gnu.org for details.", "It is free."]),
    ("Mail info@example.com today. We reply fast.", ["Mail info@example.com today.", "We reply fast."]),
    (
        "See https://www.apache.org/licenses/LICENSE-2.0 for the text. It is long.",
        ["See https://www.apache.org/licenses/LICENSE-2.0 for the text.", "It is long."],
    ),
    ("The file is named setup.py in the root. Run it.", ["The file is named setup.py in the root.", "Run it."]),
]
PROSE = [Path("/usr/share/common-licenses") / name for name in ("GPL-3", "Apache-2.0", "LGPL-2.1", "MPL-2.0")]


def pysbd_splitter():
    import pysbd

    segmenter = pysbd.Segmenter(language="en", clean=False)
    return lambda text: [sentence.strip() for sentence in segmenter.segment(text) if sentence.strip()]


def blingfire_splitter():
    import blingfire

    def split(text: str) -> list[str]:
        sentences, offsets = blingfire.text_to_sentences_and_offsets(text)
        return [text[start:end].strip() for start, end in offsets if text[start:end].strip()]

    return split


def main():
    prose = [path.read_text() for path in PROSE if path.is_file()]
    characters = sum(map(len, prose))
    print(f"| splitter | cases right (of {len(CASES)}) | ms per 10,000 characters of prose | wrong cases |")
    print("|---|---|---|---|")
    for name, make in (("pysbd 0.3.4", pysbd_splitter), ("blingfire 0.1.8", blingfire_splitter)):
        split = make()
        wrong = [index for index, (text, expected) in enumerate(CASES) if split(text) != expected]
        times = []
        for _ in range(3):
            started = time.perf_counter()
            for text in prose:
                split(text)
            times.append(time.perf_counter() - started)
        per_10k = statistics.median(times) / characters * 10_000 * 1000
        print(f"| {name} | {len(CASES) - len(wrong)} | {per_10k:.1f} | {wrong} |")


if __name__ == "__main__":
    main()
