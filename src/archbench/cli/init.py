"""``archbench init``: write a commented spec (a kind's template, a built-in task's, a suite's)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from archbench.errors import ConfigError


def spec_template(variant: str) -> str:
    """The commented spec of the first kind that answers to ``variant`` (a built-in task name,
    "csv", a kind's own word such as "forecasting"); "suite" gives a suite file."""
    from archbench.kinds import all_kinds

    if variant == "suite":
        from archbench.spec.suite import suite_template

        return suite_template()

    for kind in all_kinds():
        text = kind.init_template(variant)
        if text is not None:
            return text
    words = [w for k in all_kinds() for w in (*k.builtin_tasks, *k.init_words)] + ["suite"]
    raise ConfigError(f"--task {variant!r} is unknown; use one of {', '.join(words)}")


def cmd_init(args: argparse.Namespace, console: Any) -> int:
    out = Path(args.out)
    if out.exists() and not args.force:
        raise ConfigError(f"{str(out)!r} exists; pass --force to overwrite or choose --out")
    if out.exists() and out.is_dir():
        raise ConfigError(f"{str(out)!r} is a directory; --out must be a file name")
    text = spec_template(args.task)
    from archbench.engine.store import atomic_write_text

    atomic_write_text(out, text)
    command = f"archbench suite {out}" if args.task == "suite" else f"archbench run --spec {out}"
    console.print(f"wrote {out}; edit it, then: {command}")
    return 0
