"""The exact record reader: one landing file's bytes → its records, in plain Python (standard library only).

Bronze runs it on the executors (one task per file) for files Spark's parallel line reader cannot
read faithfully: multi-line CSV records, JSON array files, encodings other than UTF-8, and UTF-8
files with bytes that do not decode. It sees the true bytes, so nothing is replaced by U+FFFD.
Standard library only, and pickled by value, so executors need nothing but Python.
"""

import bisect
import csv
import itertools
import json


def _decoded_lines(content: bytes, encoding: str) -> list[tuple[str, int, bool]]:
    """(text, line number, undecodable) per physical line; undecodable bytes show as \\xNN, never U+FFFD."""
    lines = []
    for n, raw in enumerate(content.split(b"\n"), 1):
        raw = raw[:-1] if raw.endswith(b"\r") else raw
        try:
            lines.append((raw.decode(encoding), n, False))
        except UnicodeDecodeError:
            lines.append((raw.decode(encoding, "backslashreplace"), n, True))
    if content.endswith(b"\n") or not content:
        lines.pop()
    return lines


def _csv_records(lines, options: dict):
    """Group physical lines into CSV records: a quoted field may span lines (options["multiline"])."""
    consumed: list[tuple[str, int, bool]] = []

    def feed():
        for line in lines:
            consumed.append(line)
            yield line[0] + "\n"

    reader = csv.reader(
        feed(),
        delimiter=options["delimiter"],
        quotechar=options["quote"],
        escapechar=None if options["escape"] == options["quote"] else options["escape"],
        doublequote=True,
    )
    start = 0
    for _ in reader:  # the reader pulls exactly the lines of one record per step
        part, start = consumed[start:], len(consumed)
        yield "\n".join(t for t, _, _ in part), part[0][1], any(b for _, _, b in part), False


def _json_array_records(lines):
    """The elements of a top-level JSON array, each with the line it starts on; a syntax error keeps
    the rest of the file as one broken record."""
    text = "\n".join(t for t, _, _ in lines)
    starts = list(itertools.accumulate((len(t) + 1 for t, _, _ in lines[:-1]), initial=0))

    def record(begin: int, end: int, broken: bool):
        first, last = bisect.bisect_right(starts, begin) - 1, bisect.bisect_right(starts, max(begin, end - 1)) - 1
        return text[begin:end], lines[first][1], any(b for _, _, b in lines[first : last + 1]), broken

    decoder, i = json.JSONDecoder(), text.index("[") + 1
    while True:
        while i < len(text) and (text[i].isspace() or text[i] == ","):
            i += 1
        if i < len(text) and text[i] == "]":
            rest = text[i + 1 :].strip()
            if rest:  # something after the closing bracket
                yield record(text.index(rest, i + 1), len(text), True)
            return
        if i >= len(text):  # no closing bracket after a complete element: every element was kept
            return
        try:
            _, end = decoder.raw_decode(text, i)
        except json.JSONDecodeError:
            yield record(i, len(text), True)
            return
        yield record(i, end, False)
        i = end


def split_records(content: bytes, fmt: str, options: dict):
    """One file's bytes → (record text, first line, undecodable, broken) per non-blank record.

    `options`: the contract's FileOptions as a dict (encoding, multiline, array, delimiter, quote, escape).
    """
    lines = _decoded_lines(content, options["encoding"])
    if fmt == "csv" and options["multiline"]:
        records = _csv_records(lines, options)
    elif fmt == "json" and options["array"] and next((t for t, _, _ in lines if t.strip()), "").lstrip()[:1] == "[":
        records = _json_array_records(lines)
    else:  # one record per line
        records = ((t, n, bad, False) for t, n, bad in lines)
    return [r for r in records if r[0].strip()]
