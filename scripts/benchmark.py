#!/usr/bin/env python3
"""Benchmark Evidence KB on a generated knowledge base (see BENCHMARKS.md).

    .venv/bin/python scripts/benchmark.py --articles 1000 --refs 5000 --repeats 3

1. Generates a deterministic corpus (same `--seed`, same bytes) shaped like
   docs/articles/baclofen-back-strain.md: front matter, headings, nested
   bullets, a numbered algorithm with lead-ins, about 50 citations per
   article; and a BibTeX library with `@string` macros, month macros, LaTeX
   accents, corporate authors, long author lists, guidelines (`@techreport`,
   `@misc`) and journal articles. Articles are grouped in specialty folders,
   as a real knowledge base is. The titles and names are synthetic: nothing
   here is a real reference.
2. Times, in the same run and alternating (each build in a fresh process):
   - `plain`: the same pages and theme configuration with our plugin
     disabled (citations left as text): the baseline;
   - `cold`: our build without any cache; `warm`: our build again with the
     caches (`.cache/evidence-kb/`) that `cold` wrote;
   - `clone`: our build in a fresh copy of the corpus (another folder, every
     file with a new time, as a checkout gives) with `.cache/` restored: the
     CI case;
   - `material`: a default Material build of the same pages (no theme
     features, full navigation, no plugin of ours), to compare with `warm`
     (our default configuration);
   - `check_cold` / `check_warm`: `evidencekb check` of the whole corpus;
   - `serve`: a `mkdocs serve`-style rebuild after editing one article
     (one process, plugin instances kept across builds as serve keeps them).
3. Prints medians, ratios and peak memory (max RSS of each child process)
   and writes them as JSON (`--out`).

Run with `--generate-only DIR` to only write a corpus.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
PLUGIN = "evidence-kb"
EXTENSION = "evidence_kb"

# ---------------------------------------------------------------- corpus

SPECIALTIES = [
    "cardiology", "dermatology", "endocrinology", "gastroenterology", "geriatrics",
    "haematology", "infectious-diseases", "musculoskeletal", "nephrology", "neurology",
    "obstetrics", "oncology", "ophthalmology", "paediatrics", "pain-medicine",
    "psychiatry", "pulmonology", "rheumatology", "urology", "womens-health",
]
DRUGS = [
    "baclofen", "tizanidine", "naproxen", "ibuprofen", "acetaminophen", "gabapentin",
    "pregabalin", "duloxetine", "amitriptyline", "tramadol", "metformin", "empagliflozin",
    "semaglutide", "apixaban", "warfarin", "ramipril", "amlodipine", "bisoprolol",
    "atorvastatin", "prednisolone", "methotrexate", "hydroxychloroquine", "allopurinol",
    "colchicine", "sertraline", "quetiapine", "salbutamol", "tiotropium", "budesonide",
    "amoxicillin", "doxycycline", "nitrofurantoin", "levothyroxine", "insulin glargine",
]
CONDITIONS = [
    "back strain", "knee osteoarthritis", "migraine", "type 2 diabetes", "atrial fibrillation",
    "heart failure", "hypertension", "asthma", "COPD", "gout", "depression", "insomnia",
    "community-acquired pneumonia", "urinary tract infection", "hypothyroidism",
    "rheumatoid arthritis", "chronic kidney disease", "neuropathic pain", "psoriasis",
    "iron-deficiency anaemia", "peptic ulcer disease", "acne", "plantar fasciitis",
]
WORDS = (
    "patients clinicians evidence therapy treatment dose response risk benefit adverse effects "
    "short-term long-term outcomes trial review guideline recommendation monitoring follow-up "
    "efficacy safety tolerance adherence comorbidity renal hepatic elderly pregnancy interaction "
    "first-line second-line referral assessment symptoms function quality of life relapse "
    "withdrawal titration duration moderate severe mild persistent acute chronic"
).split()
SYLLABLES = ["ka", "lo", "mi", "ber", "son", "ten", "ri", "vo", "an", "del", "sch", "mar",
             "gu", "ne", "tor", "sa", "wen", "ho", "li", "ram", "ez", "kow", "ski", "yo"]
# LaTeX accents as BibTeX files carry them (pybtex turns them into Unicode).
ACCENTS = [("u", '{\\"u}'), ("o", '{\\"o}'), ("e", "{\\'e}"), ("a", "{\\`a}"),
           ("n", "{\\~n}"), ("c", "{\\c c}"), ("i", "{\\'i}"), ("s", "{\\ss}")]
ORGANISATIONS = [
    "National Institute for Synthetic Care Excellence",
    "Soci{\\'e}t{\\'e} Fran{\\c c}aise de M{\\'e}decine Synth{\\'e}tique",
    "Deutsche Gesellschaft f{\\\"u}r Beispielmedizin",
    "Synthetic Guidelines Network \\& Editors",
    "Task Force on Example Practice",
]


def _name(rng: random.Random) -> str:
    word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
    if rng.random() < 0.25:
        plain, latex = rng.choice(ACCENTS)
        at = word.find(plain, 1)
        if at > 0:
            word = word[:at] + latex + word[at + 1 :]
    return word


def _person(rng: random.Random) -> str:
    last = _name(rng)
    if rng.random() < 0.08:
        last = rng.choice(["van ", "de ", "von "]) + last
    initials = " ".join(f"{chr(rng.randint(65, 90))}." for _ in range(rng.randint(1, 2)))
    return f"{last}, {initials}"


def _words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def generate_bib(refs: int, rng: random.Random) -> tuple[str, list[str]]:
    """A synthetic BibTeX library of `refs` entries and their keys."""
    journals = [f"j{i}" for i in range(24)]
    out = [
        "% Synthetic library generated by scripts/benchmark.py: not real references.",
        "",
    ]
    for i, macro in enumerate(journals):
        out.append(f'@string{{{macro} = "Journal of Synthetic Medicine {chr(65 + i)}"}}')
    out.append("")
    keys = []
    for n in range(refs):
        year = rng.randint(1985, 2025)
        roll = rng.random()
        # Drawn in the order the corpus has always drawn them (same seed, same corpus).
        words, drug = _words(rng, 3).capitalize(), rng.choice(DRUGS)
        acronym, condition = rng.choice(["NSAID", "COPD", "AIDS", "HbA1c"]), rng.choice(CONDITIONS)
        title = f"{words} of {drug} for {{{acronym}}}-related {condition}: synthetic study {n}"
        if roll < 0.65:
            key = re.sub(r"[^a-z]", "", _name(rng).lower()) + f"{year}s{n}"
            count = rng.choice([1, 2, 3, 4, 6, 8, 12])
            authors = [_person(rng) for _ in range(count)]
            if rng.random() < 0.1:
                authors.append("others")
            if rng.random() < 0.05:
                authors = ["{Synthetic Evidence Collaboration}"]
            first = rng.randint(1, 900)
            fields = [
                ("author", "{" + " and ".join(authors) + "}"),
                ("title", "{" + title + "}"),
                ("journal", rng.choice(journals)),
                ("year", str(year)),
                ("month", rng.choice(["jan", "mar", "jun", "sep", "dec"])),
                ("volume", f"{{{rng.randint(1, 400)}}}"),
                ("number", f"{{{rng.randint(1, 12)}}}"),
                ("pages", f"{{{first}--{first + rng.randint(3, 20)}}}"),
                ("doi", f"{{10.9999/synthetic.{year}.{n}}}"),
                ("pmid", f"{{{90000000 + n}}}"),
                ("kind", "{" + rng.choice(["Randomised trial", "Systematic review", "Cohort study", "Research"]) + "}"),
            ]
            kind = "article"
        elif roll < 0.82:
            key = f"guideline{year}t{n}"
            fields = [
                ("title", "{" + title.replace("synthetic study", "synthetic guideline") + "}"),
                ("institution", "{" + rng.choice(ORGANISATIONS) + "}"),
                ("type", "{Guideline}"),
                ("number", f"{{NG{n}}}"),
                ("year", str(year)),
                ("url", f"{{https://example.org/guidance/ng{n}}}"),
                ("note", "{Guideline}"),
            ]
            kind = "techreport"
        elif roll < 0.97:
            key = f"summary{year}m{n}"
            fields = [
                ("title", "{" + title.replace("synthetic study", "practical summary") + "}"),
                ("organization", "{" + rng.choice(ORGANISATIONS) + "}"),
                ("howpublished", "{Synthetic Medical Insights: Practical Summaries of Clinical Guidelines}"),
                ("year", f"{{{year}}}"),
                ("kind", "{Guideline}"),
            ]
            kind = "misc"
        else:
            key = f"book{year}b{n}"
            fields = [
                ("author", "{" + " and ".join(_person(rng) for _ in range(2)) + "}"),
                ("title", "{" + title.replace("synthetic study", "a textbook") + "}"),
                ("publisher", "{Example Press}"),
                ("address", "{London}"),
                ("edition", "{3rd}"),
                ("year", str(year)),
            ]
            kind = "book"
        keys.append(key)
        width = max(len(name) for name, _ in fields)
        body = ",\n".join(f"  {name.ljust(width)} = {value}" for name, value in fields)
        out.append(f"@{kind}{{{key},\n{body}\n}}\n")
    return "\n".join(out), keys


class _Article:
    def __init__(self, rng: random.Random, pool: list[str]) -> None:
        self.rng = rng
        self.pool = pool
        # A few sources (the main guidelines) carry most citations, as in
        # the model article.
        self.weights = [8, 4] + [1] * (len(pool) - 2)

    def cite(self) -> str:
        count = self.rng.choices([1, 2, 3], weights=[6, 3, 1])[0]
        keys: list[str] = []
        while len(keys) < count:
            key = self.rng.choices(self.pool, weights=self.weights)[0]
            if key not in keys:
                keys.append(key)
        return "[" + "; ".join(f"@{k}" for k in keys) + "]"

    def sentence(self, words: int = 14) -> str:
        text = _words(self.rng, words)
        return text[0].upper() + text[1:]


def generate_article(index: int, keys: list[str], rng: random.Random) -> tuple[str, str, str]:
    """(specialty, slug, Markdown) of one article shaped like the model article."""
    drug, condition = rng.choice(DRUGS), rng.choice(CONDITIONS)
    specialty = SPECIALTIES[index % len(SPECIALTIES)]
    slug = f"{drug.replace(' ', '-')}-{condition.replace(' ', '-').lower()}-{index:04d}"
    a = _Article(rng, rng.sample(keys, min(len(keys), 20)))
    question = (
        f"What is the appropriate treatment approach for a patient with {condition} "
        f"who is requesting {drug} (article {index})?"
    )
    lines = [
        "---",
        f"title: {question}",
        f"description: {drug.capitalize()} is not first-line for {condition}; synthetic article {index}.",
        "status: under-review",
        "audience: clinician",
        "tags:",
        f"  - {specialty.replace('-', ' ').capitalize()}",
        "created: 2025-10-20",
        "updated: 2025-10-20",
        "---",
        "",
        f"# {question}",
        "",
        f"## Management of {condition.capitalize()}: {drug.capitalize()} Not Recommended as First-Line Treatment",
        "",
        f"**{drug.capitalize()} is not recommended as first-line treatment for {condition}.** {a.cite()}",
        "{: .ekb-bottom-line }",
        "",
        "## First-Line Pharmacological Options",
        "",
    ]

    def bullets(items: int, nested: int, numbered: bool = False) -> None:
        for i in range(items):
            mark = f"{i + 1}." if numbered else "-"
            lines.append(f"{mark} {a.sentence()} {a.cite()}")
            for _ in range(nested):
                lines.append(f"    - {a.sentence(18)} {a.cite()}")

    bullets(3, 2)
    lines += ["", f"## Evidence Against {drug.capitalize()} for {condition.capitalize()}", ""]
    bullets(3, 2)
    lines += ["", f"## Recommended Treatment Algorithm for {condition.capitalize()}", ""]
    lines.append(f"1. {a.sentence(8)} {a.cite()}")
    for _ in range(2):
        lines.append(f"    - {a.sentence(12)} {a.cite()}")
    for step, lead in enumerate(["First-line medication options:", "If inadequate relief, consider adding:",
                                 "For persistent symptoms:"], start=2):
        lines.append(f"{step}. {lead}")
        for _ in range(2):
            lines.append(f"    - {a.sentence(10)} {a.cite()}")
    lines += ["", "## Special Considerations", ""]
    for label in ("Renal impairment", "Older adults", "Monitoring"):
        lines.append(f"- **{label}:** {a.sentence(16)} {a.cite()}")
    lines += ["", f"## When {drug.capitalize()} Might Be Considered", ""]
    bullets(2, 1)
    lines.append("")
    return specialty, slug, "\n".join(lines)


def site_configs(bibliography: str = "references.bib") -> dict[str, dict[str, Any]]:
    """The corpus' configurations, derived from the repository's mkdocs.yml."""
    ours = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    ours.pop("nav", None)  # full automatic navigation over every article
    ours["site_name"] = "Benchmark corpus"
    # custom_dir is relative to mkdocs.yml: the corpus names the repository's.
    ours["theme"]["custom_dir"] = str(REPO / ours["theme"]["custom_dir"])
    # Our options move from the extension's entry (read by every host) to the
    # plugin's, so the configurations without the plugin run no Evidence KB.
    extension: dict[str, Any] = {}
    extensions = []
    for item in ours.get("markdown_extensions", []):
        if isinstance(item, dict) and EXTENSION in item:
            extension = dict(item[EXTENSION] or {})
        elif item != EXTENSION:
            extensions.append(item)
    ours["markdown_extensions"] = extensions
    plugins = []
    for item in ours.get("plugins", []):
        if item == PLUGIN or (isinstance(item, dict) and PLUGIN in item):
            options = {**extension, **((item[PLUGIN] or {}) if isinstance(item, dict) else {})}
            # The corpus cites at random: it would break the knowledge base's
            # evidence rules (kinds, identifiers, age), and a build that
            # stops is not what is timed.
            options.pop("evidence_rules", None)
            item = {PLUGIN: {**options, "bibliography": bibliography}}
        plugins.append(item)
    ours["plugins"] = plugins
    plain = copy.deepcopy(ours)
    plain["plugins"] = [p for p in plugins if not (isinstance(p, dict) and PLUGIN in p) and p != PLUGIN]
    material = copy.deepcopy(plain)
    material["theme"] = {"name": "material"}
    return {"mkdocs.yml": ours, "mkdocs-plain.yml": plain, "mkdocs-material.yml": material}


def generate_corpus(dest: Path, articles: int, refs: int, seed: int) -> dict[str, Any]:
    """Write the corpus into `dest` (replacing a previous one); same seed, same bytes."""
    rng = random.Random(seed)
    if dest.exists():
        shutil.rmtree(dest)
    docs = dest / "docs"
    (docs / "articles").mkdir(parents=True)
    bib, keys = generate_bib(refs, rng)
    (dest / "references.bib").write_text(bib, encoding="utf-8")
    citations = 0
    for index in range(articles):
        specialty, slug, text = generate_article(index, keys, rng)
        folder = docs / "articles" / specialty
        folder.mkdir(exist_ok=True)
        (folder / f"{slug}.md").write_text(text, encoding="utf-8")
        citations += text.count("@") - text.count("@string")
    (docs / "index.md").write_text("# Benchmark corpus\n\nSynthetic articles for timing builds.\n", encoding="utf-8")
    for name, config in site_configs().items():
        (dest / name).write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return {"articles": articles, "refs": refs, "seed": seed, "citations": citations}


# ---------------------------------------------------------------- timing

# Set by main(): a copy of plugins/ taken when the run starts, first on the
# children's import path, so that every build of the run uses the same code
# (and the caches, which key on our code, stay valid) even if the working
# tree changes meanwhile.
CODE_SNAPSHOT: Path | None = None


def run_child(args: list[str], cwd: Path) -> dict[str, Any]:
    """Run one command; wall time and the child's own peak memory (max RSS)."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    if CODE_SNAPSHOT is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(CODE_SNAPSHOT), env.get("PYTHONPATH", "")]))
    start = time.perf_counter()
    proc = subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # wait4 gives this child's resource usage alone (getrusage(RUSAGE_CHILDREN)
    # would give the maximum over all children so far).
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    code = os.waitstatus_to_exitcode(status)
    proc.returncode = code
    # CPU time (user + system) moves far less than wall time with what else
    # the machine runs; both are reported.
    cpu = usage.ru_utime + usage.ru_stime
    return {"seconds": seconds, "cpu_seconds": cpu, "max_rss_mb": usage.ru_maxrss / 1024, "code": code,
            "stdout": out, "stderr": err}


def mkdocs_build(corpus: Path, config: str, site: str) -> list[str]:
    return [sys.executable, "-m", "mkdocs", "build", "--quiet", "-f", str(corpus / config), "-d", str(corpus / site)]


SERVE_CHILD = r"""
import json, sys, time
from pathlib import Path
from mkdocs.commands.build import build
from mkdocs.config import load_config
import evidence_kb.engine.bib.style as style

calls = {"format": 0}
real = style.format_reference
def counting(*args, **kwargs):
    calls["format"] += 1
    return real(*args, **kwargs)
style.format_reference = counting

config_file, site_dir, article = sys.argv[1:4]
def get_config():
    # As `mkdocs serve` does: a fresh config per build; plugins that define
    # on_startup are the same instances across builds.
    return load_config(config_file=config_file, site_dir=site_dir)
config = get_config()
config.plugins.on_startup(command="serve", dirty=False)
build(config)
plugin = config.plugins["evidence-kb"]
loads, formats = plugin.cache.loads, calls["format"]
path = Path(article)
added = "\n- One more synthetic sentence for the rebuild [@%s]\n" % sys.argv[4]
path.write_text(path.read_text(encoding="utf-8") + added, encoding="utf-8")
start = time.perf_counter()
build(get_config())
seconds = time.perf_counter() - start
print(json.dumps({"rebuild_seconds": seconds, "bibliography_parses": plugin.cache.loads - loads,
                  "formatting_calls": calls["format"] - formats, "initial_formatting_calls": formats}))
"""


def serve_rebuild(corpus: Path) -> dict[str, Any]:
    article = sorted((corpus / "docs" / "articles").rglob("*.md"))[0]
    original = article.read_text(encoding="utf-8")
    key = original.split("[@", 1)[1].split("]", 1)[0].split(";")[0]
    try:
        result = run_child(
            [sys.executable, "-c", SERVE_CHILD, str(corpus / "mkdocs.yml"), str(corpus / "site-serve"), str(article), key],
            corpus,
        )
    finally:
        article.write_text(original, encoding="utf-8")
    if result["code"] == 0:
        result.update(json.loads(result["stdout"].strip().splitlines()[-1]))
    return result


def clear_cache(corpus: Path) -> None:
    shutil.rmtree(corpus / ".cache", ignore_errors=True)


def clear_check_cache(corpus: Path) -> None:
    for path in (corpus / ".cache" / "evidence-kb").glob("check*"):
        path.unlink()


def fresh_clone(corpus: Path) -> Path:
    """A copy of the corpus' sources and `.cache/` with new file times (untimed)."""
    clone = corpus.parent / (corpus.name + "-clone")
    shutil.rmtree(clone, ignore_errors=True)
    shutil.copytree(corpus, clone, copy_function=shutil.copy,
                    ignore=lambda folder, names: [n for n in names if folder == str(corpus) and n.startswith("site")])
    return clone


def clone_build(corpus: Path) -> dict[str, Any]:
    clone = fresh_clone(corpus)
    try:
        return run_child(mkdocs_build(clone, "mkdocs.yml", "site"), clone)
    finally:
        shutil.rmtree(clone, ignore_errors=True)


def one_round(corpus: Path, only: set[str]) -> dict[str, dict[str, Any]]:
    """One alternating round of every measurement."""
    evidencekb = [sys.executable, "-m", "evidence_kb.cli.main", "check", "-f", str(corpus / "mkdocs.yml")]
    steps: list[tuple[str, Any]] = [
        ("plain", lambda: run_child(mkdocs_build(corpus, "mkdocs-plain.yml", "site-plain"), corpus)),
        ("cold", lambda: (clear_cache(corpus), run_child(mkdocs_build(corpus, "mkdocs.yml", "site"), corpus))[1]),
        ("warm", lambda: run_child(mkdocs_build(corpus, "mkdocs.yml", "site"), corpus)),
        ("clone", lambda: clone_build(corpus)),
        ("material", lambda: run_child(mkdocs_build(corpus, "mkdocs-material.yml", "site-material"), corpus)),
        ("check_cold", lambda: (clear_check_cache(corpus), run_child(evidencekb, corpus))[1]),
        ("check_warm", lambda: run_child(evidencekb, corpus)),
        ("serve", lambda: serve_rebuild(corpus)),
    ]
    results = {}
    for name, step in steps:
        if only and name not in only:
            continue
        load = os.getloadavg()[0]
        result = step()
        result["load"] = load
        if result["code"] != 0:
            sys.exit(f"benchmark: {name} failed (exit {result['code']}):\n{result['stderr'][-3000:]}")
        results[name] = {k: v for k, v in result.items() if k not in ("stdout", "stderr", "code")}
        print(f"  {name:<11} {result['seconds']:7.2f} s  cpu {result['cpu_seconds']:7.2f} s  "
              f"{result['max_rss_mb']:7.0f} MB", flush=True)
    return results


def site_size_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6 if path.exists() else 0.0


def summarise(rounds: list[dict[str, dict[str, Any]]]) -> dict[str, Any]:
    medians: dict[str, Any] = {}
    for name in rounds[0]:
        values = [r[name] for r in rounds]
        medians[name] = {
            "seconds": statistics.median(v["seconds"] for v in values),
            "cpu_seconds": statistics.median(v["cpu_seconds"] for v in values),
            "max_rss_mb": max(v["max_rss_mb"] for v in values),
            "runs": [round(v["seconds"], 3) for v in values],
            "cpu_runs": [round(v["cpu_seconds"], 3) for v in values],
            # The machine's 1-minute load average when each run started.
            "load": [round(v["load"], 2) for v in values],
        }
        if name == "serve":
            for extra in ("rebuild_seconds", "bibliography_parses", "formatting_calls"):
                medians[name][extra] = statistics.median(v[extra] for v in values)
    ratios = {}
    if "plain" in medians:
        base = medians["plain"]
        for name in ("cold", "warm", "clone"):
            if name in medians:
                ratios[f"{name}_time_vs_plain"] = medians[name]["seconds"] / base["seconds"]
                ratios[f"{name}_cpu_vs_plain"] = medians[name]["cpu_seconds"] / base["cpu_seconds"]
                ratios[f"{name}_memory_vs_plain"] = medians[name]["max_rss_mb"] / base["max_rss_mb"]
                # Each run against the plain build of its own round, then the median: on a
                # shared machine a slow minute slows both runs of a round alike.
                for unit, field in (("time", "seconds"), ("cpu", "cpu_seconds")):
                    ratios[f"{name}_{unit}_vs_plain_paired"] = statistics.median(
                        r[name][field] / r["plain"][field] for r in rounds)
    if "material" in medians and "warm" in medians:
        ratios["ours_warm_vs_default_material"] = medians["warm"]["seconds"] / medians["material"]["seconds"]
    if "material" in medians and "cold" in medians:
        ratios["ours_cold_vs_default_material"] = medians["cold"]["seconds"] / medians["material"]["seconds"]
    return {"medians": medians, "ratios": ratios}


def _git_revision() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True)
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "plugins"], cwd=REPO, capture_output=True, text=True)
        return head.stdout.strip() + ("+uncommitted" if dirty.stdout.strip() else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100)
    parser.add_argument("--refs", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=REPO / ".cache" / "benchmark" / "results.json")
    parser.add_argument("--corpus", type=Path, help="where to generate the corpus (default: a temporary folder)")
    parser.add_argument("--only", default="",
                        help="comma-separated subset: plain,cold,warm,clone,material,check_cold,check_warm,serve")
    parser.add_argument("--generate-only", type=Path, metavar="DIR", help="only write the corpus into DIR")
    args = parser.parse_args(argv)

    if args.generate_only:
        info = generate_corpus(args.generate_only, args.articles, args.refs, args.seed)
        print(f"corpus in {args.generate_only}: {info}")
        return 0
    global CODE_SNAPSHOT
    temp = tempfile.mkdtemp(prefix="ekb-bench-")
    CODE_SNAPSHOT = Path(temp) / "code"
    shutil.copytree(REPO / "plugins" / "evidence_kb", CODE_SNAPSHOT / "evidence_kb",
                    ignore=shutil.ignore_patterns("__pycache__"))
    corpus = args.corpus or Path(temp) / "corpus"
    try:
        info = generate_corpus(corpus, args.articles, args.refs, args.seed)
        print(f"corpus: {info['articles']} articles, {info['refs']} references, {info['citations']} citations ({corpus})")
        only = {s for s in args.only.split(",") if s}
        rounds = []
        for i in range(args.repeats):
            print(f"round {i + 1}/{args.repeats}", flush=True)
            rounds.append(one_round(corpus, only))
        summary = summarise(rounds)
        summary["site_mb"] = {name: site_size_mb(corpus / d) for name, d in
                              (("plain", "site-plain"), ("ours", "site"), ("material", "site-material"))}
        results = {
            "corpus": info,
            "code": _git_revision(),
            "command": " ".join(
                [Path(sys.executable).name, "scripts/benchmark.py", *(argv if argv is not None else sys.argv[1:])]
            ),
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": {"platform": platform.platform(), "python": platform.python_version(),
                        "cpus": os.cpu_count(), "processor": platform.processor() or platform.machine()},
            **summary,
        }
        print("\nmedians:")
        for name, m in summary["medians"].items():
            extra = ""
            if name == "serve":
                extra = (f"  (rebuild {m['rebuild_seconds']:.2f} s, bibliography parses {m['bibliography_parses']:.0f},"
                         f" formatting calls {m['formatting_calls']:.0f})")
            print(f"  {name:<11} {m['seconds']:7.2f} s  cpu {m['cpu_seconds']:7.2f} s  peak {m['max_rss_mb']:6.0f} MB{extra}")
        print("ratios:")
        for name, value in summary["ratios"].items():
            print(f"  {name:<32} {value:.3f}")
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
        print(f"results written to {args.out}")
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
