"""The ``carekg`` command line.

Conventions every subcommand keeps: ``--store DIR`` (default ``./var/store`` or
``$CAREKG_STORE``); exit 0 on success, 1 on a validation or user error, 2 on a usage
error; errors as one line on stderr (a traceback only with ``--debug``); progress bars
on a terminal and none when output is piped.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from carekg import __version__
from carekg.config import Settings

if TYPE_CHECKING:
    from carekg.graph.backend import Snapshot

from carekg.errors import CarekgError, InputError, UsageError

T = TypeVar("T")


def _progress_for(quiet: bool) -> Callable[[Iterable[T], str], Iterator[T]]:
    """tqdm on an interactive stderr, nothing when piped or quiet."""
    if quiet or not sys.stderr.isatty():
        def silent(items: Iterable[T], _label: str) -> Iterator[T]:
            yield from items
        return silent
    from tqdm import tqdm

    def bar(items: Iterable[T], label: str) -> Iterator[T]:
        yield from tqdm(items, desc=label, unit="doc" if label == "extracting" else "step",
                        leave=False, file=sys.stderr)
    return bar


def _info(args: argparse.Namespace, message: str) -> None:
    """Human-oriented status goes to stderr, so stdout stays parseable."""
    if not args.quiet:
        print(message, file=sys.stderr)


def _settings(args: argparse.Namespace) -> Settings:
    from carekg.config import store_location

    return Settings().with_(store=store_location(args.store) if args.store else None,
                            base=args.base, graph_store=getattr(args, "graph_store", None))


# -- subcommands ---------------------------------------------------------------------


def cmd_build(args: argparse.Namespace) -> int:
    from carekg.graph.build import build
    from carekg.resources import corpus_dir

    corpus = Path(args.corpus) if args.corpus else corpus_dir()
    report = build(corpus, _settings(args), progress=_progress_for(args.quiet),
                   changed=args.changed)
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    kept = (f" ({report.unchanged} unchanged, {report.removed} removed)"
            if report.unchanged or report.removed else "")
    _info(args, f"built {report.snapshot}: {report.documents} documents loaded{kept}, "
                f"{report.facts} facts, {report.triples} triples in {report.seconds:.1f}s "
                f"-> {_settings(args).store}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from carekg.graph.check import check_documents, check_full
    from carekg.graph.store import open_store

    if args.inference != "none" and not args.full:
        raise UsageError("--inference applies to the whole store at once: add --full")
    settings = _settings(args)
    snapshot = open_store(settings).open()
    if args.full:
        check = check_full(snapshot, settings, args.inference)
    else:
        check = check_documents(snapshot, settings, _progress_for(args.quiet))
    print(check.shapes.format_report())
    for problem in check.contradictions:
        print(f"contradiction: {problem.message}")
    if args.full:
        print(f"inferred graph: {check.missing_inferred} entailments missing, "
              f"{check.stale_inferred} no longer entailed")
    return 0 if check.ok else 1


def cmd_query(args: argparse.Namespace) -> int:
    from carekg.graph.results import write_results
    from carekg.graph.store import open_store

    snapshot = open_store(_settings(args)).open()
    if args.saved:
        from carekg.graph.saved_queries import run_saved

        if args.query:
            raise UsageError("give either a query or --saved NAME, not both")
        results = run_saved(snapshot, args.saved, _params(args.param),
                            base=_settings(args).base)
    elif args.query:
        if args.param:
            raise UsageError("--param binds the parameters of a --saved query")
        results = snapshot.query(_query_text(args.query))
    else:
        raise UsageError("give a query (text or .rq file) or --saved NAME")
    write_results(results, args.format, sys.stdout.buffer)
    return 0


def _params(pairs: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise UsageError(f"--param {pair!r} is not NAME=VALUE")
        params[name.strip()] = value.strip()
    return params


def _query_text(source: str) -> str:
    """A query given inline, or the path of a .rq file."""
    if source.endswith(".rq") or "\n" not in source and len(source) < 1024:
        path = Path(source)
        if path.is_file():
            try:
                return path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise InputError(path, f"cannot read the query file: {exc}") from exc
        if source.endswith(".rq"):
            raise InputError(path, "no such query file")
    return source


def cmd_export(args: argparse.Namespace) -> int:
    from carekg.graph.results import export_dataset
    from carekg.graph.store import open_store

    snapshot = open_store(_settings(args)).open()
    if args.output in (None, "-"):
        export_dataset(snapshot, args.format, sys.stdout.buffer)
    else:
        try:
            handle = open(args.output, "wb")
        except OSError as exc:
            raise InputError(Path(args.output), f"cannot write: {exc.strerror}") from exc
        with handle:
            export_dataset(snapshot, args.format, handle)
        _info(args, f"wrote {args.output}")
        if args.format == "csv":  # its CSVW description, where CSVW tools look for it
            from carekg.graph.facts_table import write_metadata_beside

            _info(args, f"wrote {write_metadata_beside(Path(args.output), _settings(args).base)}")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    from carekg.graph.results import store_stats
    from carekg.graph.store import open_store

    snapshot = open_store(_settings(args)).open()
    stats = store_stats(snapshot)
    if args.json:
        json.dump(stats, sys.stdout, indent=2)
        print()
        return 0
    print(f"snapshot {snapshot.id} built {snapshot.meta.built_at}")
    print("\ntriples per named graph")
    for graph, count in stats["graphs"].items():
        print(f"  {count:>8}  {graph}")
    print("\ninstances per class")
    for cls, count in stats["classes"].items():
        print(f"  {count:>8}  {cls}")
    return 0


def _sources_dir(settings: Settings) -> Path:
    """Where fetched documents are kept: ``{store}/sources`` (``var/sources`` for a
    remote store)."""
    store = settings.store
    return (Path(store) if isinstance(store, Path) else Path("var")) / "sources"


def cmd_add(args: argparse.Namespace) -> int:
    from carekg.councils import default_register
    from carekg.graph.build import add_document
    from carekg.loaders.fetch import fetch, is_url
    from carekg.loaders.manifest import document_record

    path, fetched = Path(args.file), None
    if is_url(args.file):  # the bytes are kept beside the store, then read as a file
        fetched = fetch(args.file, _sources_dir(_settings(args)), max_bytes=args.max_bytes)
        path = fetched.path
        _info(args, f"fetched {fetched.url} ({fetched.media_type}) -> {path}")
    record = document_record(
        path, councils=args.council, kind=args.kind, issued=args.issued,
        title=args.title, doc_id=args.id, register=default_register(),
        source=fetched.url if fetched else None, retrieved=fetched.retrieved if fetched else None)
    report = add_document(record, _settings(args), replace=args.replace)
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)  # each begins with the file's name
    _info(args, f"added {record.id}: {report.facts} facts -> snapshot {report.snapshot}")
    return 0


def cmd_load(args: argparse.Namespace) -> int:
    from carekg.graph.load import load_dump

    report = load_dump(args.dump, _settings(args))
    _info(args, f"loaded {report.snapshot}: {report.documents} documents, {report.facts} "
                f"facts, {report.triples} triples in {report.seconds:.1f}s "
                f"-> {_settings(args).store}")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    from carekg.graph.build import remove_document

    report = remove_document(args.id, _settings(args))
    _info(args, f"removed {args.id} -> snapshot {report.snapshot}")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from carekg.graph.store import open_store
    from carekg.loaders.evaluate import errors_text, evaluate_store

    settings = _settings(args)
    if args.corpus:
        settings = _evaluation_store(args, settings)
    snapshot = open_store(settings).open()
    if args.sample:
        _print_audit_sample(snapshot, args.sample, args.seed, args.json)
        return 0
    if not args.gold:
        raise UsageError("give --gold DIR, or --sample N for a hand audit")
    gold = Path(args.gold)
    if not gold.is_dir():
        raise InputError(gold, "no such gold directory")

    def text_of(doc_id: str) -> str:
        text = snapshot.text_of(doc_id)
        if text is None:
            raise KeyError(doc_id)
        return text

    report = evaluate_store(lambda q: snapshot.query(q), gold, text_of)
    if args.json:
        json.dump(report.to_json(), sys.stdout, indent=2)
        print()
    else:
        print(report.table())
        if args.errors:
            texts = {}
            for document in report.scores:
                try:
                    texts[document] = text_of(document)
                except KeyError:
                    continue
            print(errors_text(report, gold, texts))
    return 0


def _evaluation_store(args: argparse.Namespace, settings: Settings) -> Settings:
    """A store of the corpus to evaluate, beside the default one unless --store names it;
    built when missing, rebuilt for what changed (``build --changed``) otherwise."""
    import hashlib

    from carekg.graph.build import build

    corpus = Path(args.corpus)
    if not (corpus / "manifest.yaml").is_file():
        raise InputError(corpus, "no manifest.yaml: not a corpus directory")
    if not args.store:
        key = hashlib.sha256(str(corpus.resolve()).encode()).hexdigest()[:10]
        store = Path(str(settings.store)).parent / f"evaluate-{corpus.resolve().name}-{key}"
        settings = settings.with_(store=store)
    report = build(corpus, settings, progress=_progress_for(args.quiet), changed=True)
    _info(args, f"evaluating {report.snapshot} of {corpus} ({report.documents} documents "
                f"loaded, {report.unchanged} unchanged) -> {settings.store}")
    return settings


def cmd_train(args: argparse.Namespace) -> int:
    from carekg.loaders.kind_model import model_path
    from carekg.loaders.train import train

    pairs = [(Path(c), Path(g)) for c, g in (_corpus_gold(p) for p in args.data)]
    output = None if args.dry_run else Path(args.output) if args.output else model_path()
    model, reports = train(pairs, output, progress=lambda group: _info(
        args, f"leave-one-council-out: holding out {group}"))
    result = {gold: report.to_json()["overall"] for gold, report in reports.items()}
    if args.json:
        json.dump({"leave_one_council_out": result,
                   "thresholds": model.thresholds}, sys.stdout, indent=2, default=str)
        print()
    else:
        for gold, report in reports.items():
            print(f"# leave-one-council-out on {gold}")
            print(report.table())
        print("# thresholds (keep, add): " + ", ".join(
            f"{k} {v[0]:.2f}/{v[1]:.2f}" for k, v in model.thresholds.items()))
    if output is not None:
        _info(args, f"wrote {output} ({output.stat().st_size // 1024} KiB, "
                    f"trained on {len(model.trained_on)} documents)")
    return 0


def _corpus_gold(pair: str) -> tuple[str, str]:
    corpus, sep, gold = pair.partition(":")
    if not sep or not corpus or not gold:
        raise UsageError(f"--data takes CORPUS_DIR:GOLD_DIR, not {pair!r}")
    return corpus, gold


def _print_audit_sample(snapshot: Snapshot, size: int, seed: int, as_json: bool) -> None:
    """A seeded random sample of facts, each with what it states and its quote, for
    measuring precision by hand (the gold files measure recall, not precision)."""
    import random

    from carekg.resources import system_query

    facts = [{k: (v.value if v is not None else None) for k, v in
              ((var.value, row[var.value]) for var in results.variables)}
             for results in [snapshot.query(system_query("audit-facts"))] for row in results]
    sample = random.Random(seed).sample(facts, min(size, len(facts)))
    if as_json:
        json.dump({"seed": seed, "population": len(facts), "facts": sample}, sys.stdout,
                  indent=2)
        print()
        return
    print(f"# {len(sample)} of {len(facts)} facts, seed {seed}")
    for number, fact in enumerate(sample, 1):
        stated = ", ".join(f"{k}={v}" for k, v in fact.items()
                           if v is not None and k not in ("fact", "quote", "kind", "council"))
        print(f"\n{number}. {fact['kind']} | {fact['council']} | {stated}\n"
              f"   {fact['fact']}\n   \u201c{' '.join((fact['quote'] or '').split())}\u201d")


def serve_settings(args: argparse.Namespace) -> Settings:
    """The settings of ``carekg serve``: each flag given replaces its setting's default."""
    from carekg.config import SERVE_SETTINGS

    changes = {s.name: getattr(args, s.name) for s in SERVE_SETTINGS}
    if changes["federation_allow"] is not None:
        changes["federation_allow"] = tuple(changes["federation_allow"])
    if args.no_rate_limit:
        changes.update(rate_limit="", query_seconds=0.0)
    return _settings(args).with_(**changes)


def cmd_serve(args: argparse.Namespace) -> int:
    from carekg.api.serve import serve

    serve(serve_settings(args), host=args.host, port=args.port,
          say=lambda m: _info(args, m))
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from carekg.bench.runner import run

    return run(args)


def cmd_docs(args: argparse.Namespace) -> int:
    from carekg.graph.ontology_docs import write_ontology_docs

    written = write_ontology_docs(Path(args.output))
    _info(args, f"wrote {written}")
    return 0


# -- parser --------------------------------------------------------------------------

COMMANDS: dict[str, tuple[Callable[[argparse.Namespace], int], str, str]] = {
    "build": (cmd_build, "build the store from a corpus directory",
              "carekg build                      # the bundled corpus\n"
              "carekg build --corpus my-corpus/  # a directory with manifest.yaml\n"
              "carekg build --changed            # only documents whose content changed"),
    "validate": (cmd_validate, "validate the store against the SHACL shapes",
                 "carekg validate          # each document with the ontology and taxonomies\n"
                 "carekg validate --full   # everything at once, and the OWL RL closure"),
    "query": (cmd_query, "run a SPARQL query (text or .rq file) against the store",
              "carekg query 'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }'\n"
              "carekg query --saved spend-by-council-and-service --param council=E09000019"),
    "export": (cmd_export, "export the whole dataset, or its facts as one CSV table",
               "carekg export --format trig -o carekg.trig\n"
               "carekg export --format csv -o facts.csv   # and facts.csv-metadata.json"),
    "stats": (cmd_stats, "triples per named graph and instances per class",
              "carekg stats --json"),
    "add": (cmd_add, "add (or replace) one document in the store",
            "carekg add report.pdf --council Sefton --kind cabinet-report --issued 2021-06-24\n"
            "carekg add https://example.org/mps.pdf --council Sefton --kind other --issued 2024"),
    "load": (cmd_load, "build the store from a carekg dump (/dumps/*.nq.gz), without the "
             "documents; validated and published like a build",
             "carekg load carekg.nq.gz\n"
             "carekg load https://example.org/dumps/carekg.nq.gz   # a mirror"),
    "remove": (cmd_remove, "remove one document from the store",
               "carekg remove sefton-cabinet-supported-living-2021"),
    "evaluate": (cmd_evaluate, "compare the store's facts with hand-checked gold facts",
                 "carekg evaluate --gold ../shared/gold --json\n"
                 "carekg evaluate --corpus ../shared/dev/docs --gold ../shared/dev/gold --errors\n"
                 "carekg evaluate --sample 50 --seed 7   # facts to audit by hand"),
    "train": (cmd_train, "train the loaders' fact-kind gate from gold files, measured "
              "leave-one-council-out",
              "carekg train --data corpus:../shared/gold "
              "--data ../shared/dev/docs:../shared/dev/gold"),
    "serve": (cmd_serve, "serve the SPARQL endpoint, linked-data pages and query UI",
              "carekg serve --port 8080   # builds the bundled corpus first if no store"),
    "bench": (cmd_bench, "benchmark builds, queries (against rdflib and Virtuoso), "
              "throughput, memory and validation; ratio table and JSON",
              "carekg bench --quick                 # 10 councils, a few minutes\n"
              "carekg bench --sizes 10,100,1000     # the full run (bench/README.md)"),
    "docs": (cmd_docs, "generate the ontology's HTML documentation with pyLODE",
             "carekg docs -o docs   # writes docs/ontology.html"),
}


def _serve_arguments(parser: argparse.ArgumentParser) -> None:
    """``carekg serve``'s flags, one per serving setting (carekg.config.SERVE_SETTINGS):
    the dest is the setting's name, and an absent flag leaves the default."""
    from carekg.config import SERVE_SETTINGS, shown_default

    limits = parser.add_argument_group("limits and serving (docs/security.md)")
    for setting in SERVE_SETTINGS:
        flag, help_text = setting.metadata["flag"], setting.metadata["help"]
        if isinstance(setting.default, bool) or setting.type == "bool | None":
            limits.add_argument(flag, dest=setting.name, action=argparse.BooleanOptionalAction,
                                default=None, help=help_text)
        elif isinstance(setting.default, tuple):
            limits.add_argument(flag, dest=setting.name, action="append", default=None,
                                metavar=setting.metadata["metavar"],
                                help=f"{help_text}; default {shown_default(setting)}")
        else:
            limits.add_argument(flag, dest=setting.name, metavar=setting.metadata["metavar"],
                                type=str if setting.default is None else type(setting.default),
                                help=f"{help_text}; default {shown_default(setting)}")
    limits.add_argument("--no-rate-limit", action="store_true",
                        help="no per-client limits (neither query time nor request counts)")


def _common_options(defaults: bool) -> argparse.ArgumentParser:
    """The options every command takes, before or after its name. The subcommands' copy
    has no defaults (argparse.SUPPRESS), so `carekg --store X query ...` keeps X instead of
    the subcommand's default overwriting it."""
    common = argparse.ArgumentParser(add_help=False)
    none = None if defaults else argparse.SUPPRESS
    false = False if defaults else argparse.SUPPRESS
    common.add_argument("--store", metavar="DIR|URL", default=none,
                        help="store directory (default: ./var/store or $CAREKG_STORE), or a "
                             "SPARQL server: sparql+http://host:port/sparql (docs/deploy.md)")
    common.add_argument("--graph-store", metavar="URL", default=none,
                        help="the remote server's Graph Store Protocol endpoint (default: "
                             "/sparql-graph-crud beside the query endpoint)")
    common.add_argument("--base", metavar="IRI", default=none,
                        help="base IRI (default https://w3id.org/carekg/)")
    common.add_argument("--quiet", "-q", action="store_true", default=false,
                        help="no progress or status output")
    common.add_argument("--debug", action="store_true", default=false,
                        help="show tracebacks on errors")
    return common


def build_parser() -> argparse.ArgumentParser:
    common = _common_options(defaults=True)
    after = _common_options(defaults=False)

    parser = argparse.ArgumentParser(
        prog="carekg", description="A knowledge graph of English councils' adult social care "
        "commissioning.", parents=[common])
    parser.add_argument("--version", action="version", version=f"carekg {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    parsers: dict[str, argparse.ArgumentParser] = {}
    for name, (_, help_text, example) in COMMANDS.items():
        parsers[name] = sub.add_parser(
            name, help=help_text, description=help_text, parents=[after],
            epilog="example:\n" + textwrap.indent(example, "  "),
            formatter_class=argparse.RawDescriptionHelpFormatter)
    parsers["build"].add_argument("--corpus", metavar="DIR",
                                  help="corpus directory with manifest.yaml (default: bundled)")
    parsers["build"].add_argument("--changed", action="store_true",
                                  help="reload only documents whose file, manifest entry or "
                                  "loaders changed since the last build; drop those gone")
    parsers["validate"].add_argument("--full", action="store_true",
                                     help="validate the union of every graph at once, close "
                                     "the whole store under OWL RL and compare graph/inferred")
    parsers["validate"].add_argument("--inference", choices=["none", "rdfs", "owlrl"],
                                     default="none",
                                     help="pySHACL inference before validating (with --full)")
    parsers["query"].add_argument("query", metavar="QUERY_OR_FILE", nargs="?")
    parsers["query"].add_argument("--saved", metavar="NAME",
                                  help="run a saved query of queries/ (see /queries)")
    parsers["query"].add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                                  help="a parameter of the saved query; repeatable")
    parsers["query"].add_argument("--format", default="table",
                                  choices=["table", "csv", "tsv", "json", "turtle", "nquads"])
    parsers["export"].add_argument("--format", default="nquads",
                                   choices=["nquads", "trig", "turtle", "csv"],
                                   help="csv: the facts table, one row per fact (with -o FILE "
                                   "also FILE-metadata.json, its CSVW description)")
    parsers["export"].add_argument("-o", "--output", metavar="FILE", help="file, or - for stdout")
    add = parsers["add"]
    add.add_argument("file", metavar="FILE|URL",
                     help="text, Markdown, PDF or HTML file, or its http(s) address")
    add.add_argument("--council", action="append", required=True, metavar="NAME",
                     help="a council the document speaks for (name or GSS code); repeatable")
    add.add_argument("--kind", required=True, metavar="KIND",
                     help="market-position-statement, commissioning-strategy, cabinet-report "
                     "or other")
    add.add_argument("--issued", required=True, metavar="DATE", help="YYYY, YYYY-MM or YYYY-MM-DD")
    add.add_argument("--title", metavar="T", help="title (default: from the file name)")
    add.add_argument("--id", metavar="ID",
                     help="document id (default: the file name without extension)")
    add.add_argument("--replace", action="store_true", help="replace a document with the same id")
    add.add_argument("--max-bytes", type=int, default=25 * 1024 * 1024, metavar="N",
                     help="largest document fetched from a URL (default 25 MiB)")
    parsers["remove"].add_argument("id", metavar="ID", help="document id")
    parsers["load"].add_argument("dump", metavar="DUMP",
                                 help="a dump file or URL: .nq, .nq.gz, .trig or .trig.gz")
    parsers["evaluate"].add_argument("--gold", metavar="DIR",
                                     help="directory of gold facts (*.jsonl)")
    parsers["evaluate"].add_argument("--sample", type=int, metavar="N",
                                     help="instead: print N random facts for a hand audit")
    parsers["evaluate"].add_argument("--seed", type=int, default=1, help="seed of --sample")
    parsers["evaluate"].add_argument("--json", action="store_true", help="machine-readable output")
    parsers["evaluate"].add_argument(
        "--corpus", metavar="DIR",
        help="evaluate this corpus (a directory with manifest.yaml): its own store is built, "
             "or reused and updated for what changed, beside the default store")
    parsers["evaluate"].add_argument(
        "--errors", action="store_true",
        help="list the missed gold facts, wrong properties and (exhaustive gold) unsupported "
             "facts with their quotes")
    parsers["train"].add_argument(
        "--data", action="append", required=True, metavar="CORPUS_DIR:GOLD_DIR",
        help="a corpus and its gold folder; repeatable")
    parsers["train"].add_argument(
        "-o", "--output", metavar="FILE",
        help="where to write the model (default: the loaders' committed "
             "models/sentence-kinds.json)")
    parsers["train"].add_argument("--dry-run", action="store_true",
                                  help="measure only; write no model")
    parsers["train"].add_argument("--json", action="store_true", help="machine-readable output")
    parsers["serve"].add_argument("--host", default="127.0.0.1")
    serve_p = parsers["serve"]
    serve_p.add_argument("--port", type=int, default=8080)
    _serve_arguments(serve_p)
    parsers["stats"].add_argument("--json", action="store_true", help="machine-readable output")
    from carekg.bench.runner import add_arguments as bench_arguments

    bench_arguments(parsers["bench"])
    parsers["docs"].add_argument("-o", "--output", default="docs", metavar="DIR",
                                 help="directory to write ontology.html into (default: docs)")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = COMMANDS[args.command][0]
    try:
        return handler(args)
    except CarekgError as exc:
        if args.debug:
            raise
        print(f"carekg {args.command}: error: {exc}", file=sys.stderr)
        if isinstance(exc, UsageError):
            return 2
        report = getattr(exc, "report", "")
        if report:
            print(report, file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"carekg {args.command}: interrupted; the store was left as it was",
              file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0

