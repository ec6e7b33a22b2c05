"""Training throughput of the neural families against the machine's matmul peak.

For the default MLP and FT-Transformer configurations on the flights task (archbench's own
split and preprocessing, default preset: 10,000 training rows), count the FLOPs of one
training step (forward, loss, backward; batch 256) with ``torch.utils.flop_counter``, time
whole training epochs through archbench's real training loop (``TorchModel.fit``), and divide
the achieved FLOP/s by a large float32 ``torch.mm`` measured in the same run with the same
thread count. The flop counter counts matrix products only (mm, addmm, bmm, attention), which
is also all the matmul peak measures; element-wise work (dropout, activations, layer norm,
AdamW) is time without counted FLOPs, so the ratio is a "fraction of matmul peak" figure.

Times are taken two ways: wall clock and this process's CPU time (``time.process_time``). With
one thread, CPU time is what the work cost even when other processes share the cores; the CPU
ratio is the headline number on a busy machine, the wall ratio the one on a quiet one.

Variants (alternated in rounds, medians reported): ``archbench``, the code as it is (AdamW's
default per-parameter loop on CPU); ``foreach`` and ``fused``, AdamW's multi-tensor and fused
implementations; ``batch512`` and ``threads2`` as what-ifs (they change the results or the
per-worker thread budget, so archbench does not use them); ``rtdl`` (FT-Transformer only) trains
the authors' ``rtdl_revisiting_models.FTTransformer`` of the same configuration in the same loop,
the module archbench used before its own ``_ftnet.FTNet`` (same function; FTNet also skips
rtdl's feed-forward pass over the non-[CLS] tokens of the last block, so it performs fewer
FLOPs: compare epoch times, not only ratios); ``tf32`` (CUDA only) trains with archbench's
``matmul_precision = "medium"``. ``same_results_as_archbench`` says whether the
validation history is bit-identical to the ``archbench`` variant's.

    python benchmarks/throughput.py            # ~3 min
    python benchmarks/throughput.py --smoke    # < 30 s, for the tests
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import Recorder, median, table


def _sync(device: str) -> None:
    if device == "cuda":
        import torch

        torch.cuda.synchronize()


def matmul_peak(
    threads: int, n: int = 2048, min_s: float = 1.0, device: str = "cpu"
) -> dict[str, Any]:
    """float32 ``torch.mm`` of two n x n matrices: FLOP/s by wall clock and by CPU time.

    On CUDA (n = 8192, TF32 off as torch's default) only the wall figure means anything; the
    CPU figure is then set equal to it.
    """
    import torch

    torch.set_num_threads(threads)
    g = torch.Generator().manual_seed(0)
    a = torch.randn(n, n, generator=g).to(device)
    b = torch.randn(n, n, generator=g).to(device)
    torch.mm(a, b)
    _sync(device)
    reps, w0, c0 = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - w0 < min_s:
        torch.mm(a, b)
        reps += 1
        _sync(device)
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    flops = 2.0 * n**3 * reps
    by_cpu = flops / (cpu / threads) if device == "cpu" else flops / wall
    return {
        "n": n,
        "threads": threads,
        "device": device,
        "flops_wall": flops / wall,
        "flops_cpu": by_cpu,
    }


def load_flights(max_train: int) -> tuple[Any, Any, Any]:
    from archbench.pipeline import prepare
    from archbench.spec.load import spec_from_dict

    spec = spec_from_dict({"split": {"max_train_rows": max_train}}, preset="default")
    p = prepare(spec)
    return p.payload.parts["train"], p.payload.parts["val"], p.payload.info


def model_for(family: str, **fixed: Any) -> Any:
    from archbench.kinds.tabular.families import get_family

    cls = get_family(family)
    return cls(**{**cls.default_params(), **fixed})


def step_flops(family: str, train: Any, info: Any, batch: int, variant: str = "archbench") -> int:
    """FLOPs (matrix products) of one training step: forward, loss, backward."""
    with _Variant(variant):
        return _step_flops(family, train, info, batch)


def _step_flops(family: str, train: Any, info: Any, batch: int) -> int:
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    import archbench.kinds.tabular.models._torch as T

    m = model_for(family)
    p = m.resolved_params()
    torch.manual_seed(0)
    module = m._build(p, info, 1)
    m.module_, m.info_ = module, info
    xs = T._tensors(train.take(list(range(batch))), torch.device("cpu"))
    y = T._target_tensor(train.take(list(range(batch))), info, torch.device("cpu"))
    module.train()
    with FlopCounterMode(display=False) as fc:
        out = m._net_forward(module, *xs)
        T._loss(out, y, info).backward()
    return int(fc.get_total_flops())


def timed_fit(
    family: str, train: Any, val: Any, info: Any, epochs: int, variant: str, device: str = "cpu"
) -> dict[str, Any]:
    """Fit for exactly ``epochs`` epochs; wall and CPU seconds of the training passes only."""
    import torch

    from archbench.kinds.common.torchloop import TorchLoop as T

    batch = 512 if variant == "batch512" else 256
    threads = 2 if variant == "threads2" else 1
    m = model_for(
        family,
        max_epochs=epochs,
        patience=epochs + 1,
        batch_size=batch,
        threads=threads,
        device=device,
        matmul_precision="medium" if variant == "tf32" else "highest",
    )
    walls: list[float] = []
    cpus: list[float] = []
    orig_epoch, orig_adamw = T._train_epoch, torch.optim.AdamW

    def epoch(*a: Any, **k: Any) -> float:
        _sync(device)
        w, c = time.perf_counter(), time.process_time()
        out = orig_epoch(*a, **k)
        _sync(device)
        walls.append(time.perf_counter() - w)
        cpus.append((time.process_time() - c) / threads if device == "cpu" else walls[-1])
        return out

    T._train_epoch = epoch  # type: ignore[method-assign]
    if variant in ("foreach", "fused"):
        kw = {"foreach": True} if variant == "foreach" else {"foreach": False, "fused": True}
        torch.optim.AdamW = _with(orig_adamw, kw)  # type: ignore[misc]
    try:
        w0 = time.perf_counter()
        with _Variant(variant):
            m.fit(train, val, info, seed=0)
        fit_wall = time.perf_counter() - w0
    finally:
        T._train_epoch, torch.optim.AdamW = orig_epoch, orig_adamw  # type: ignore[method-assign,misc]
        torch.set_num_threads(1)
    return {
        "train_wall_s": sum(walls),
        "train_cpu_s": sum(cpus),
        "fit_wall_s": fit_wall,
        "epochs": len(walls),
        "history": list(m.history_),
    }


VARIANTS = ("archbench", "foreach", "fused", "batch512", "threads2", "rtdl", "tf32")


def _rtdl_build(self: Any, params: dict[str, Any], info: Any, d_out: int) -> Any:
    """The authors' FT-Transformer of the same configuration (the ``rtdl`` variant)."""
    import rtdl_revisiting_models as rtdl

    from archbench.kinds.tabular.models.ft_transformer import FFN_MULTIPLIER, N_HEADS

    return rtdl.FTTransformer(
        n_cont_features=len(info.num_names),
        cat_cardinalities=list(info.cat_cardinalities),
        d_out=d_out,
        n_blocks=params["n_blocks"],
        d_block=params["d_block"],
        attention_n_heads=N_HEADS,
        attention_dropout=params["attention_dropout"],
        ffn_d_hidden=None,
        ffn_d_hidden_multiplier=FFN_MULTIPLIER,
        ffn_dropout=params["ffn_dropout"],
        residual_dropout=params["residual_dropout"],
    )


def _rtdl_groups(self: Any, module: Any, weight_decay: float) -> list[dict[str, Any]]:
    _, zero = module.make_parameter_groups()
    no_decay = {id(q) for q in zero["params"]}
    params = list(module.parameters())
    return [
        {"params": [q for q in params if id(q) not in no_decay], "weight_decay": weight_decay},
        {"params": [q for q in params if id(q) in no_decay], "weight_decay": 0.0},
    ]


class _Variant:
    """Patch archbench for the ``rtdl`` variant (the authors' module)."""

    def __init__(self, variant: str) -> None:
        self.variant = variant

    def __enter__(self) -> None:
        import torch

        from archbench.kinds.tabular.models.ft_transformer import FTTransformerModel as F

        self.saved = (F._build, F._param_groups, torch.get_float32_matmul_precision())
        if self.variant == "rtdl":
            F._build, F._param_groups = _rtdl_build, _rtdl_groups  # type: ignore[method-assign]

    def __exit__(self, *exc: Any) -> None:
        import torch

        from archbench.kinds.tabular.models.ft_transformer import FTTransformerModel as F

        F._build, F._param_groups, prec = self.saved  # type: ignore[method-assign]
        torch.set_float32_matmul_precision(prec)


def _with(cls: Any, kw: dict[str, Any]) -> Any:
    """``cls`` with keyword arguments ``kw`` overriding the caller's."""

    def make(*a: Any, **k: Any) -> Any:
        return cls(*a, **{**k, **kw})

    return make


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument(
        "--smoke", action="store_true", help="600 rows, 1 epoch, 1 round, 3 variants (< 30 s)"
    )
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--rows", type=int, default=10000, help="training rows (default preset: 10000)")
    ap.add_argument("--variants", default=None, help=f"comma-separated, from {', '.join(VARIANTS)}")
    ap.add_argument(
        "--device",
        choices=["cpu", "cuda"],
        default="cpu",
        help="cuda: train on the GPU, matmul peak of an 8192^3 GPU mm (gpu_check)",
    )
    ap.add_argument("--out", help="JSON path (default benchmarks/results/throughput.json)")
    args = ap.parse_args(argv)
    raw_argv = list(argv if argv is not None else sys.argv[1:])
    if args.smoke:
        args.epochs, args.rounds, args.rows = 1, 1, 600
        args.variants = "archbench,foreach,rtdl"
    if args.variants is None:
        on_gpu = ("archbench", "foreach", "fused", "batch512", "rtdl", "tf32")
        args.variants = ",".join(
            [v for v in VARIANTS if v != "tf32"] if args.device == "cpu" else on_gpu
        )
    if args.device == "cuda":
        import torch

        if not torch.cuda.is_available():
            raise SystemExit(
                "throughput.py --device cuda: no CUDA GPU is visible to torch "
                f"{torch.__version__} (CUDA build: {torch.version.cuda})"
            )
    variants = [v for v in args.variants.split(",") if v]
    unknown = set(variants) - set(VARIANTS)
    if "tf32" in variants and args.device != "cuda":
        ap.error("the tf32 variant needs --device cuda (CPU training stays exact float32)")
    if unknown:
        ap.error(f"unknown variants {sorted(unknown)}; choose from {', '.join(VARIANTS)}")

    import torch

    rec = Recorder("throughput", raw_argv, args.out)
    torch.set_num_threads(1)
    train, val, info = load_flights(args.rows)
    min_s, n_mm = (0.3 if args.smoke else 1.0), (2048 if args.device == "cpu" else 8192)
    peaks = {1: [matmul_peak(1, n_mm, min_s, args.device)]}
    if "threads2" in variants:
        peaks[2] = [matmul_peak(2, n_mm, min_s, args.device)]
    flops = {
        (f, v): step_flops(f, train, info, 512 if v == "batch512" else 256, v)
        for f in ("mlp", "ft_transformer")
        for v in variants
    }
    runs: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for _ in range(args.rounds):
        for fam in ("mlp", "ft_transformer"):
            for v in variants:
                if v == "rtdl" and fam != "ft_transformer":
                    continue  # archbench's MLP is rtdl's
                runs.setdefault((fam, v), []).append(
                    timed_fit(fam, train, val, info, args.epochs, v, args.device)
                )
    peaks[1].append(matmul_peak(1, n_mm, min_s, args.device))
    peak1_wall = max(p["flops_wall"] for p in peaks[1])
    peak1_cpu = max(p["flops_cpu"] for p in peaks[1])
    rows = []
    for (fam, v), rs in runs.items():
        batch = 512 if v == "batch512" else 256
        threads = 2 if v == "threads2" else 1
        n = len(train)
        epoch_flops = flops[(fam, v)] * n / batch * args.epochs
        pw = max(p["flops_wall"] for p in peaks[threads])
        pc = max(p["flops_cpu"] for p in peaks[threads])
        tw = median([r["train_wall_s"] for r in rs])
        tc = median([r["train_cpu_s"] for r in rs])
        same = (
            all(r["history"] == runs[(fam, "archbench")][0]["history"] for r in rs)
            if (fam, "archbench") in runs
            else None
        )
        rows.append(
            {
                "family": fam,
                "variant": v,
                "batch": batch,
                "threads": threads,
                "step_gflop": flops[(fam, v)] / 1e9,
                "epoch_wall_s": tw / args.epochs,
                "epoch_cpu_s": tc / args.epochs,
                "gflops_wall": epoch_flops / tw / 1e9,
                "gflops_cpu": epoch_flops / tc / 1e9,
                "ratio_wall": epoch_flops / tw / pw,
                "ratio_cpu": epoch_flops / tc / pc,
                "same_results_as_archbench": same,
                "val_history": rs[0]["history"],
            }
        )
    print(
        f"matmul peak, 1 thread: {peak1_wall / 1e9:.1f} GFLOP/s wall, "
        f"{peak1_cpu / 1e9:.1f} by CPU time"
    )
    print(
        table(
            rows,
            [
                "family",
                "variant",
                "step_gflop",
                "epoch_wall_s",
                "epoch_cpu_s",
                "gflops_cpu",
                "ratio_cpu",
                "ratio_wall",
                "same_results_as_archbench",
            ],
        )
    )
    rec.write(
        smoke=args.smoke,
        device=args.device,
        setup={
            "task": "flights (archbench split and preprocessing, default preset)",
            "train_rows": len(train),
            "epochs_per_fit": args.epochs,
            "rounds": args.rounds,
            "default_params": {f: model_for(f).default_params() for f in ("mlp", "ft_transformer")},
            "flops": "torch.utils.flop_counter.FlopCounterMode, one step fwd+loss+bwd",
        },
        matmul_peak=peaks,
        step_flops={f"{f}/{v}": n for (f, v), n in flops.items()},
        rows=rows,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
