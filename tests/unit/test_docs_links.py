"""The README and docs/ stay true: links and anchors resolve, and the commands they name exist.

- every relative link (and `#anchor`) in README.md and docs/*.md points to a file that exists and,
  for a Markdown target, a heading GitHub gives that anchor;
- every `make <target>` the docs show is a target in the Makefile;
- every `./deploy.sh <action>` and its `--flags` are ones deploy.sh accepts (its usage line and case arms);
- every `--flag` given to `python -m lakehouse_local.<module>` is declared in that module's source.
Only code (inline `…` and fenced blocks) is read for commands, so prose like "make sure" is not one.
"""

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
FENCE = re.compile(r"^```.*?^```", re.S | re.M)
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
INLINE_CODE = re.compile(r"`([^`\n]+)`")


def github_anchor(heading: str) -> str:
    """The id GitHub gives a heading: lower case, punctuation dropped (not - or _), spaces to hyphens."""
    text = re.sub(r"`|\*\*|\[([^\]]*)\]\([^)]*\)", r"\1", heading.strip()).lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    found, seen = set(), {}
    for line in FENCE.sub("", path.read_text()).splitlines():
        if m := re.match(r"#{1,6} (.+)", line):
            slug = github_anchor(m.group(1))
            n = seen.get(slug, 0)
            seen[slug] = n + 1
            found.add(slug if n == 0 else f"{slug}-{n}")
    return found


def code_lines(path: Path) -> list[str]:
    """Lines of fenced code blocks and inline code spans: where commands are written."""
    text = path.read_text()
    blocks = [line for block in FENCE.findall(text) for line in block.splitlines()[1:-1]]
    return blocks + INLINE_CODE.findall(FENCE.sub("", text))


def makefile_targets() -> set[str]:
    return set(re.findall(r"^([A-Za-z0-9_.-]+):(?!=)", (REPO / "Makefile").read_text(), re.M))


def deploy_sh_words() -> tuple[set[str], set[str]]:
    """(actions, flags) deploy.sh accepts: the actions of its usage line, the --flags of its case arms."""
    text = (REPO / "deploy.sh").read_text()
    usage = re.search(r"usage: \./deploy\.sh ([^\[\"]+)", text).group(1)
    actions = {a.strip() for a in usage.split("|")}
    flags = set()
    for line in text.splitlines():
        if m := re.match(r"\s*([-\w |\"$]+)\)", line):  # a case arm: `--sample) ...`, `-h | --help | help) ...`
            flags |= set(re.findall(r"--[\w-]+", m.group(1)))
    return actions, flags


def test_every_relative_link_and_anchor_resolves():
    broken = []
    for doc in DOCS:
        for target in LINK.findall(FENCE.sub("", doc.read_text())):
            if re.match(r"[a-z]+:", target):  # https:, mailto:
                continue
            file_part, _, anchor = target.partition("#")
            path = (doc.parent / file_part).resolve() if file_part else doc
            if not path.exists():
                broken.append(f"{doc.relative_to(REPO)}: {target} (no such file)")
            elif anchor and path.suffix == ".md" and anchor not in anchors(path):
                broken.append(f"{doc.relative_to(REPO)}: {target} (no such heading in {path.name})")
    assert not broken, "\n".join(broken)


def test_every_make_target_the_docs_name_exists():
    targets = makefile_targets()
    named = {
        (doc.name, t) for doc in DOCS for line in code_lines(doc) for t in re.findall(r"\bmake ([a-z][\w-]*)", line)
    }
    assert len({t for _, t in named}) >= 5, "the docs name fewer make targets than expected: is the parser broken?"
    missing = sorted(f"{doc}: make {t}" for doc, t in named if t not in targets)
    assert not missing, "\n".join(missing)


def test_every_deploy_sh_action_and_flag_the_docs_name_exists():
    actions, flags = deploy_sh_words()
    assert {"up", "apply", "destroy"} <= actions and "--help" in flags, (actions, flags)
    unknown = []
    for doc in DOCS:
        for line in code_lines(doc):
            for m in re.finditer(r"\./deploy\.sh((?: [\w-]+)*)", line):
                words = m.group(1).split()
                if words and not words[0].startswith("-") and words[0] not in actions:
                    unknown.append(f"{doc.name}: ./deploy.sh {words[0]} (not an action)")
                unknown += [
                    f"{doc.name}: ./deploy.sh … {w} (not a flag)" for w in words if w.startswith("-") and w not in flags
                ]
    assert not unknown, "\n".join(unknown)


def _module_source(module: str) -> str:
    path = REPO / Path(*module.split("."))
    files = [path.with_suffix(".py")] if path.with_suffix(".py").exists() else sorted(path.glob("*.py"))
    if not files:
        pytest.fail(f"the docs name python -m {module}, which does not exist")
    return "\n".join(f.read_text() for f in files)


def test_every_python_module_flag_the_docs_name_exists():
    unknown, seen = [], 0
    for doc in DOCS:
        for line in code_lines(doc):
            for m in re.finditer(r"python -m (lakehouse_local[\w.]*)([^`]*)", line):
                own = m.group(2).split(" -- ")[0]  # after a bare `--`, flags belong to another program
                source = _module_source(m.group(1))
                for flag in re.findall(r"(?<![\w-])--[a-z][\w-]*", own):
                    seen += 1
                    if flag != "--help" and f'"{flag}"' not in source:  # argparse adds --help
                        unknown.append(f"{doc.name}: python -m {m.group(1)} {flag}")
    assert seen >= 3, "the docs name fewer module flags than expected: is the parser broken?"
    assert not unknown, "\n".join(unknown)
