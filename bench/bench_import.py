"""Importing the PyTorch source of ResNet-152 into a project, as File > Import and ``netcanvas import`` do.

Target (DESIGN.md, "Performance targets"): import the PyTorch source of ResNet-152
into a project <= 3 s. Two sources, each imported whole (`backend.importers.import_model`,
median of several runs) at ImageNet size (3x224x224, 1,000 classes):

- ``torchvision-style``: a hand-written ResNet-152 as torchvision writes it (below:
  ``Bottleneck(inplanes, planes, stride, downsample)`` built by ``_make_layer``, the
  same ReLU module called three times, ``torch.flatten``), with no torchvision needed;
- ``NetCanvas export``: the ResNet-152 preset exported as PyTorch code.

The import runs the model's constructor (PyTorch initialising 60 million weights, a
cost any PyTorch code pays) and its forward once on a batch of 2 to see the shapes;
both are timed apart on their own so the rest (tracing, mapping, blocks, building and
checking the project, layout) shows too.

Run: ``python bench/bench_import.py [--threads N] [--size S]`` (default: PyTorch's
threads, 224). On a machine shared with other jobs, ``--threads 1`` avoids the
spin-waiting that makes PyTorch's thread pool many times slower there.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch

from backend.codegen import generate
from backend.importers import import_model
from bench.results import report
from graph.presets import build_preset
from graph.validation import validate_network

TARGET_S = 3.0
REPEATS = 3

TORCHVISION_STYLE = '''\
"""ResNet-152 written the way torchvision writes it (no torchvision needed)."""

import torch
from torch import nn


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, kernel_size=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * self.expansion, kernel_size=1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        return self.relu(out)


class ResNet152(nn.Module):
    def __init__(self, layers=(3, 8, 36, 3), num_classes=1000):
        super().__init__()
        self.inplanes = 64
        self.conv1 = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(64, layers[0])
        self.layer2 = self._make_layer(128, layers[1], stride=2)
        self.layer3 = self._make_layer(256, layers[2], stride=2)
        self.layer4 = self._make_layer(512, layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512 * Bottleneck.expansion, num_classes)

    def _make_layer(self, planes, blocks, stride=1):
        downsample = None
        if stride != 1 or self.inplanes != planes * Bottleneck.expansion:
            downsample = nn.Sequential(
                nn.Conv2d(self.inplanes, planes * Bottleneck.expansion, kernel_size=1, stride=stride, bias=False),
                nn.BatchNorm2d(planes * Bottleneck.expansion),
            )
        layers = [Bottleneck(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes * Bottleneck.expansion
        layers += [Bottleneck(self.inplanes, planes) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        x = torch.flatten(self.avgpool(x), 1)
        return self.fc(x)
'''


def median_seconds(action, repeats: int = REPEATS):
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def bench(label: str, source: str, size: int, repeats: int = REPEATS) -> float:
    path, class_name = source.rsplit(":", 1)
    namespace: dict = {}
    exec(compile(Path(path).read_text(), path, "exec"), namespace)  # the bench's own source files
    build_s, model = median_seconds(lambda: namespace[class_name]().eval())
    sample = torch.randn(2, 3, size, size)
    with torch.no_grad():
        forward_s, _ = median_seconds(lambda: model(sample))
    import_model(source, [(3, size, size)])  # first run: lazy imports inside torch.fx, not ours to count
    total_s, result = median_seconds(lambda: import_model(source, [(3, size, size)]), repeats)
    project = result.project
    params = validate_network(project.main, project.blocks).total_params
    blocks = ", ".join(f"{name}" for name in project.blocks)
    print(f"{label}: {params:,} parameters, blocks {blocks}")
    print(f"  constructor (PyTorch initialising the weights)  {build_s * 1000:8.1f} ms")
    print(f"  one forward pass, batch 2, to see the shapes     {forward_s * 1000:8.1f} ms")
    print(f"  everything else (trace, map, blocks, project)    {(total_s - build_s - forward_s) * 1000:8.1f} ms")
    print(
        f"  import, whole                                    {total_s * 1000:8.1f} ms   ratio {total_s / TARGET_S:.2f}"
    )
    return total_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=0, help="PyTorch threads (0: its default)")
    parser.add_argument("--size", type=int, default=224, help="input height and width")
    parser.add_argument("--quick", action="store_true", help="one timed import of each (for bench/run_all.py)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"import benchmark  ResNet-152 at 3x{args.size}x{args.size}  python {platform.python_version()}  "
        f"torch {torch.__version__}  threads {torch.get_num_threads()}  load {load:.1f}"
    )
    repeats = 1 if args.quick else REPEATS
    with tempfile.TemporaryDirectory() as folder:
        handwritten = Path(folder) / "resnet_torchvision_style.py"
        handwritten.write_text(TORCHVISION_STYLE)
        preset = build_preset("resnet", {"depth": 152, "in_channels": 3, "image_size": args.size, "num_classes": 1000})
        exported = Path(folder) / "resnet_netcanvas.py"
        generated = generate(preset)
        exported.write_text(generated.source)
        worst = max(
            bench("torchvision-style", f"{handwritten}:ResNet152", args.size, repeats),
            bench("NetCanvas export", f"{exported}:{generated.class_names[preset.main.name]}", args.size, repeats),
        )
    print(
        f"import ResNet-152 (slower of the two)  {worst:.2f} s   target {TARGET_S:.0f} s   ratio {worst / TARGET_S:.2f}"
    )
    report("import_resnet152_source", worst, "s", TARGET_S, "<=")


if __name__ == "__main__":
    main()
