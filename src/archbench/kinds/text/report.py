"""The text kind's parts of the report: data, splits and shift, text statistics, the n-grams
that changed between domains, the reference rows, and how the families are built."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from archbench.kinds.common.groups import groups_text
from archbench.kinds.common.imbalanced import IMBALANCED_METRICS
from archbench.kinds.common.prose import kind_bib, pytorch_adamw, split_sizes
from archbench.kinds.common.rare import base_rate_text, majority_accuracy_notes
from archbench.report.document import (
    Block,
    Cell,
    Column,
    Figure,
    Paragraph,
    Row,
    Spans,
    Table,
    spans,
)
from archbench.report.fmt import count
from archbench.report.prose import cite as _c
from archbench.report.prose import hashes_as_code, sentence, spec_value
from archbench.report.rundata import RunData

SPLIT_LABELS = {"train": "train", "val": "validation", "test": "ID test", "shift": "shift"}


def _pct(x: Any) -> str:
    return "n/a" if x is None else f"{100 * float(x):.1f}%"


def _data_paragraph(run: RunData) -> Paragraph:
    task = run.task
    text = task.get("text") or {}
    cols = list(text.get("columns") or [])
    sep = str(text.get("separator", " "))
    joined = (
        f"the text is {cols[0]}"
        if len(cols) == 1
        else f"the text is {' + '.join(cols)} joined with the separator {sep!r}"
    )
    classes = [str(c) for c in (run.run.get("class_names") or task.get("classes") or [])]
    user_intro = bool(str(spec_value(run, "report", "introduction") or "").strip())
    notes = " ".join(sentence(str(n)) for n in (task.get("notes") or [])[:3])
    return Paragraph(
        spans(
            sentence(str(task.get("description", ""))) + " " if user_intro else "",
            "Source: ",
            hashes_as_code(
                sentence(
                    str(task.get("provenance") or "not recorded")
                    + (f" (licence {task['licence']})" if task.get("licence") else "")
                )
            ),
            f" Target: {task.get('target', 'n/a')} (classes {', '.join(classes)}); {joined}. ",
            notes,
        ),
        lead="Data.",
    )


def _split_paragraph(run: RunData) -> Paragraph:
    task, sp = run.task, run.splits
    dup = sp.get("duplicates") or {}
    txt = (
        split_sizes(task, sp, "texts", ", stratified by label")
        + " Identical texts are kept in one split "
        f"({count(dup.get('id_texts_with_copies'))} ID texts occur more than once); "
        f"{count(dup.get('shift_in_train'))} shift texts also occur in train."
    )
    balance = sp.get("class_balance") or {}
    classes = [str(c) for c in (run.run.get("class_names") or [])]
    if len(classes) == 2 and balance.get("train"):
        pos = classes[-1]
        shares = ", ".join(
            f"{SPLIT_LABELS[s]} {_pct(balance[s].get(pos))}" for s in ("train", "test", "shift")
        )
        txt += f" Share of class {pos}: {shares}."
    txt += groups_text(sp, "texts")
    imbalanced = any(m in IMBALANCED_METRICS for m in run.metrics)
    txt += base_rate_text(task, imbalanced)
    return Paragraph(spans(txt), lead="Splits and shift.")


def _stats_paragraph(run: RunData, compact: int) -> Paragraph:
    st = run.task.get("text_statistics") or {}
    if compact == 0:
        parts = []
        for s in ("train", "test", "shift"):
            v = st.get(s)
            if v:
                oov = (
                    ""
                    if s == "train"
                    else f", {_pct(v['oov_token_rate'])} of tokens unseen in train"
                )
                parts.append(
                    f"{SPLIT_LABELS[s]} {float(v['mean_words']):.0f} words on average (95th "
                    f"percentile {float(v['p95_words']):.0f}), {count(v['vocab_size'])} word "
                    f"types{oov}"
                )
        head = "; ".join(parts) + ". " if parts else ""
    else:
        have = [s for s in ("train", "test", "shift") if st.get(s)]
        words = "/".join(f"{float(st[s]['mean_words']):.0f}" for s in have)
        oov = " and ".join(
            f"{_pct(st[s]['oov_token_rate'])} ({SPLIT_LABELS[s]})" for s in have if s != "train"
        )
        head = (
            f"Mean length {words} words ({'/'.join(SPLIT_LABELS[s] for s in have)}); tokens "
            f"unseen in train: {oov}. "
            if have
            else ""
        )
    disc = run.task.get("discriminative_ngrams") or {}
    k = 8 if compact < 2 else 5
    words_ = []
    for side, label in (("shift", "over-represented in the shift set"), ("id", "in ID texts")):
        grams = [g for g, _ in (disc.get(side) or [])[:k]]
        if grams:
            words_.append(f"{label}: " + ", ".join(f"“{g}”" for g in grams))
    lead_in: list[Any] = [head]
    if words_:
        lead_in += [
            "The n-grams that changed most between domains (log-odds ratio with an informative "
            "Dirichlet prior ",
            _c("monroe2008fightin"),
            ") are " + "; ".join(words_) + ".",
        ]
    if compact >= 2:
        lead_in.append(" " + _reference_sentence(run))
    return Paragraph(spans(*lead_in), lead="Text statistics.")


def _reference_sentence(run: RunData) -> str:
    refs = run.task.get("references") or {}
    m = run.primary
    if not refs or not all(m in r["metrics"]["test"] for r in refs.values()):
        return ""
    vals = "; ".join(
        f"{r['label']} {float(r['metrics']['test'][m]):.3f}/{float(r['metrics']['shift'][m]):.3f}"
        for r in refs.values()
    )
    return f"Reference rows ({run.metric_label(m)}, ID test/shift, one fit): {vals}."


def _reference_table(run: RunData) -> Table | None:
    refs = run.task.get("references") or {}
    metrics = [m for m in run.metrics if any(m in r["metrics"]["test"] for r in refs.values())]
    if not refs or not metrics:
        return None
    header = Row(
        (
            Cell(spans("Reference"), bold=True),
            *(
                Cell(spans(f"{run.metric_label(m)} {lab}"), bold=True, align="r")
                for m in metrics[:2]
                for lab in ("ID test", "shift")
            ),
        )
    )
    body = tuple(
        Row(
            (
                Cell(spans(str(r["label"]))),
                *(
                    Cell(spans(f"{float(r['metrics'][s][m]):.3f}"), align="r")
                    for m in metrics[:2]
                    for s in ("test", "shift")
                ),
            )
        )
        for r in refs.values()
    )
    return Table(
        label="tab-references",
        caption=spans(
            "Reference rows (one fit, no seeds): TF-IDF word 1-2-grams + logistic regression "
            "(C chosen on validation) and the majority class."
        ),
        columns=(Column("l"), *(Column("r") for _ in range(2 * len(metrics[:2])))),
        header=(header,),
        body=body,
    )


class TextReport:
    """The report parts of the text kind (see archbench.report.kindparts.KindReport)."""

    citations: frozenset[str] = frozenset(
        {
            "joulin2017bag",
            "vaswani2017attention",
            "monroe2008fightin",
            "wu2016google",
            "sennrich2016neural",
            "ke2017lightgbm",
            "paszke2019pytorch",
            "pedregosa2011scikit",
            "loshchilov2019decoupled",
            "koh2021wilds",
        }
    )

    def data_blocks(self, run: RunData, compact: int) -> list[Block]:
        fixed = (run.best.get("encoder") or {}).get("fixed") or {}
        wordpiece = fixed.get("tokenizer") == "wordpiece"
        tok, cite = ("WordPiece", "wu2016google") if wordpiece else ("BPE", "sennrich2016neural")
        represent = spans(
            "Fitted on the training split only: the TF-IDF vocabularies and IDF weights ",
            _c("pedregosa2011scikit"),
            " (inside each trial, as the n-grams are tuned) and the encoder's subword "
            f"vocabulary ({tok} ",
            _c(cite),
            ")",
            ". Texts are not otherwise cleaned.",
        )
        blocks: list[Block] = [_data_paragraph(run), _split_paragraph(run)]
        if compact == 0:
            blocks += [
                _stats_paragraph(run, compact),
                Paragraph(represent, lead="Representations."),
            ]
        else:
            split = blocks.pop()
            assert isinstance(split, Paragraph)
            blocks += [Paragraph(spans(split.spans, " ", represent), lead=split.lead)]
            blocks.append(_stats_paragraph(run, compact))
        table = _reference_table(run) if compact < 2 else None
        if table is not None:
            blocks.append(table)
        return blocks

    def families_text(self, run: RunData) -> Spans:
        return spans(
            "The MLP reads sparse TF-IDF n-grams through a bag-embedding first layer (the "
            "fastText line ",
            _c("joulin2017bag"),
            "); the Transformer encoder ",
            _c("vaswani2017attention"),
            pytorch_adamw(
                " (pre-norm blocks, learned positions, mean or [CLS] pooling) is trained from "
                "scratch on subword tokens; both in "
            ),
            " and early stopping on the validation set. GBDT is LightGBM ",
            _c("ke2017lightgbm"),
            " on the sparse TF-IDF matrix, with early stopping on the same set.",
        )

    def introduction_context(self, run: RunData) -> Spans:
        return spans(
            "For text classification on a small, niche domain, linear and shallow models over "
            "n-grams remain strong baselines ",
            _c("joulin2017bag"),
            ", while Transformers ",
            _c("vaswani2017attention"),
            " need data or pretraining to pay off. Such comparisons are sensitive to the tuning "
            "budget, the number of seeds and the test set ",
            _c("bouthillier2021accounting", "dror2018hitchhiker"),
            ", and a model chosen in domain may rank differently on another domain ",
            _c("koh2021wilds"),
            ".",
        )

    def bib(self) -> str:
        return kind_bib("archbench.kinds.text")

    def limitations(self, run: RunData) -> list[str]:
        """task.json ``warnings`` (a rare class, evaluation sets with few rows of it) and
        families whose accuracy is the majority-class rate."""
        out = [sentence(str(w)[:1].upper() + str(w)[1:]) for w in run.task.get("warnings") or []]
        return out + majority_accuracy_notes(run)

    def figures(self, run: RunData, compact: int) -> list[Figure]:
        return []

    def draw(self, run: RunData, out_dir: Path) -> list[Path]:
        return []
