"""Code generation and compilation of ResNet-152: from the drawing to a live ``nn.Module``.

Target (DESIGN.md, "Performance targets"): codegen + compile of ResNet-152 <= 1 s.
Timed separately, median of several runs: validation alone; ``generate`` (which
validates, then writes the source); ``load_source`` (Python compiles and executes
that source); instantiating the model class (PyTorch allocates and initialises
about 60 million weights, which is a cost any PyTorch code pays). The ratio is
``generate + load_source`` against the target; the line with instantiation shows
the whole path to a usable model.

Run: ``python bench/bench_codegen.py [depth] [--quick]`` (default 152; ``--quick``: 3 runs each, not 5).
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch

from backend.codegen import generate
from backend.compiler import count_parameters, load_source
from bench.results import report
from graph.presets import build_preset
from graph.validation import validate_project

TARGET_S = 1.0
REPEATS = 5


def median_seconds(action, repeats: int = REPEATS):
    """Median wall seconds of `action()` and its last result."""
    times = []
    result = None
    for _ in range(repeats):
        start = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("depth", type=int, nargs="?", default=152, help="ResNet depth (18, 34, 50, 101, 152)")
    parser.add_argument("--quick", action="store_true", help="3 runs of each step instead of 5")
    args = parser.parse_args()
    depth, repeats = args.depth, 3 if args.quick else REPEATS
    project = build_preset("resnet", {"depth": depth, "in_channels": 3, "image_size": 224, "num_classes": 1000})
    print(f"codegen benchmark  ResNet-{depth}  python {platform.python_version()}  torch {torch.__version__}")
    validate_s, _ = median_seconds(lambda: validate_project(project), repeats)
    generate_s, generated = median_seconds(lambda: generate(project), repeats)
    compile_s, module = median_seconds(lambda: load_source(generated.source, "bench"), repeats)
    class_name = generated.class_names[project.main.name]
    build_s, model = median_seconds(lambda: getattr(module, class_name)(), repeats=min(3, repeats))
    lines = generated.source.count("\n")
    print(f"  source: {lines:,} lines, {len(generated.class_names)} network class, params {count_parameters(model):,}")
    print(f"  validate            {validate_s * 1000:8.1f} ms")
    print(f"  generate            {generate_s * 1000:8.1f} ms   (validation included)")
    print(f"  compile (exec)      {compile_s * 1000:8.1f} ms")
    print(f"  instantiate         {build_s * 1000:8.1f} ms   (PyTorch allocating and initialising weights)")
    total = generate_s + compile_s
    print(
        f"codegen + compile     {total * 1000:8.1f} ms   target {TARGET_S * 1000:.0f} ms   ratio {total / TARGET_S:.2f}"
    )
    whole = total + build_s
    print(f"with instantiation    {whole * 1000:8.1f} ms   ratio {whole / TARGET_S:.2f}")
    report(f"codegen_compile_resnet{depth}", total * 1000, "ms", TARGET_S * 1000)
    report(f"codegen_compile_instantiate_resnet{depth}", whole * 1000, "ms")


if __name__ == "__main__":
    main()
