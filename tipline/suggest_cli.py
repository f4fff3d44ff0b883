"""`tipline suggest "…"` (a category for a description) and `tipline suggest train` (a new model)."""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Optional

import click
import typer
from typer.core import TyperGroup

from intake.admin import suggest_learning, suggest_models
from intake.domain.category_model import DEFAULT_MODEL_PATH, Model, ModelError, load_model, suggest
from intake.domain.category_training import (
    C_DEFAULT,
    C_GRID,
    DEFAULT_TRAINING_PATH,
    ExamplesError,
    load_examples,
    measure,
    train as train_model,
)
from intake.domain.deployment import CONFIG_DIR, ConfigFileError, read_config
from intake.domain.suggest import KeywordsError, load_keywords
from intake.platform.settings import Settings
from tipline.runner import with_core

# The held-out set lives with the tests: a source checkout has it, an installed package does not.
HELDOUT_PATH = Path(__file__).resolve().parents[1] / "tests" / "data" / "suggest_heldout.tsv"


class _DescriptionOrCommand(TyperGroup):
    """`tipline suggest TEXT` describes; `tipline suggest train` trains. A first word that is
    not a subcommand is the description."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["describe", *args]
        return super().parse_args(ctx, args)


suggest_app = typer.Typer(
    cls=_DescriptionOrCommand, no_args_is_help=True,
    help='The category suggestion: `tipline suggest "what happened"`, or `tipline suggest train`.',
)

ModelOption = Annotated[Optional[Path], typer.Option("--model", help="a model JSON file (default: the shipped one)")]


def _model(path: Path | None) -> Model:
    try:
        return load_model(path)
    except ModelError as error:
        typer.echo(f"✗ {error}. Build one with `tipline suggest train`.", err=True)
        raise typer.Exit(1) from None


async def _in_force(core) -> Model | None:
    return core.suggest_model


@suggest_app.command("describe")
def describe(
    text: Annotated[list[str], typer.Argument(help="what happened, in any of the three languages")],
    language: Annotated[Optional[str], typer.Option("--lang", help="the reporter's language: zh_Hans, bo or en")] = None,
    model: ModelOption = None,
) -> None:
    """Suggest a category for a description, as JSON: category, confidence, sure or not,
    model version, reason words and the next alternatives. Without --model, the model in force
    (the database's installed version, else the shipped file), as for a tip."""
    chosen = _model(model) if model is not None else with_core(_in_force)
    result = suggest(" ".join(text), language, model=chosen)
    typer.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))


@suggest_app.command("train")
def train(
    training: Annotated[Path, typer.Option(help="the labelled descriptions (TSV)")] = DEFAULT_TRAINING_PATH,
    heldout: Annotated[Path, typer.Option(help="measured only, never trained on (TSV)")] = HELDOUT_PATH,
    out: Annotated[Optional[Path], typer.Option(help="where to write the model JSON (default: the shipped file, when trained on the shipped set alone)")] = None,
    search_c: Annotated[bool, typer.Option("--search-c", help=f"choose C among {', '.join(map(str, C_GRID))} by cross-validation")] = False,
    confirmed: Annotated[bool, typer.Option("--confirmed/--shipped-only", help="also train on the categories staff confirmed (in the database)")] = True,
    install: Annotated[bool, typer.Option("--install", help="store the model in the database and put it in force if it passes the rule: "
                                          "within 0.02 of the model in force on the held-out set and better on the most recent confirmations")] = False,
) -> None:
    """Train the suggestion from the labelled descriptions and the categories staff confirmed,
    print its figures beside the model in force's, write or install it."""
    try:
        examples = load_examples(training)
        keywords = load_keywords()
        categories = [c["code"] for c in read_config(Settings().config_dir or CONFIG_DIR)["categories"]]
    except (ExamplesError, KeywordsError, ConfigFileError, OSError) as error:
        typer.echo(f"✗ {error}", err=True)
        raise typer.Exit(1) from None
    if confirmed:
        if not heldout.exists():
            typer.echo(f"✗ {heldout}: no held-out set to judge a model trained on confirmed categories by", err=True)
            raise typer.Exit(1)

        async def learn(core):
            return await suggest_learning.retrain(core, shipped=examples, heldout=load_examples(heldout), keywords=keywords,
                                                  install=install, report=typer.echo)

        try:
            result = with_core(learn)
        except ExamplesError as error:
            typer.echo(f"✗ {error}", err=True)
            raise typer.Exit(1) from None
        for line in result.lines():
            typer.echo(line)
        if out is not None:
            out.write_text(json.dumps(result.data, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
            typer.echo(f"model {result.data['version']} written to {out}")
        if install and not result.installed:
            raise typer.Exit(2)
        return
    out = out or DEFAULT_MODEL_PATH
    started = time.perf_counter()
    try:
        data = train_model(examples, keywords, categories, c_grid=C_GRID if search_c else (C_DEFAULT,), report=typer.echo)
    except ExamplesError as error:
        typer.echo(f"✗ {error}", err=True)
        raise typer.Exit(1) from None
    trained = data["trained"]
    typer.echo(f"trained on {trained['examples']} descriptions {trained['languages']} in {time.perf_counter() - started:.1f} s; "
               f"C={trained['C']}, temperature {data['temperature']}, cross-validated ECE {trained['cross_validated_ece']}")
    model = Model.from_data(data)
    figures: dict = {"cross_validated_top1": trained["cross_validated_top1"], "cross_validated_ece": trained["cross_validated_ece"]}
    if heldout.exists():
        measured = measure(lambda text, language: suggest(text, language, model=model, keywords=keywords), load_examples(heldout))
        for line in measured.lines(f"held-out set ({heldout.name})"):
            typer.echo(line)
        figures["heldout"] = {"top1": round(measured.top1, 4), "top2": round(measured.top2, 4), "ece": round(measured.ece, 4),
                              "by_language": {k: round(v[1], 4) for k, v in measured.by_language.items()}}
    out.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    typer.echo(f"model {data['version']} written to {out}")
    if install:
        async def keep(core):
            await suggest_models.store(core.db, data, source=suggest_models.TRAINED, now=core.clock.now(), figures=figures, install=True)

        with_core(keep)
        typer.echo(f"model {data['version']} stored in the database and in force (running services take it within a minute)")


@suggest_app.command("models")
def models() -> None:
    """The model versions: stored in the database, and the shipped one; which is in force."""
    for stored in with_core(lambda core: suggest_models.versions(core.db)):
        held = (stored.figures or {}).get("heldout") or {}
        typer.echo(" ".join(filter(None, [
            "*" if stored.in_force else " ", stored.version, stored.source,
            f"stored {stored.stored_at:%Y-%m-%d %H:%M}" if stored.stored_at else "(the shipped file)",
            f"installed {stored.installed_at:%Y-%m-%d %H:%M}" if stored.installed_at else "",
            f"held-out top-1 {held['top1']}" if "top1" in held else "",
        ])))


@suggest_app.command("install")
def install_version(version: Annotated[str, typer.Argument(help="a stored version (see `tipline suggest models`)")]) -> None:
    """Put a stored model version in force again (running services take it within a minute)."""
    async def run(core):
        await suggest_models.install(core.db, version, core.clock.now())

    try:
        with_core(run)
    except ModelError as error:
        typer.echo(f"✗ {error}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"model {version} in force (running services take it within a minute)")
