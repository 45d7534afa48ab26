"""DCGAN training throughput: the course's path versus a classic reference loop, same pictures, same networks.

    python -m bench.dcgan_throughput                       # full: 7,390 pictures at 64x64, width 64, batch 64
    python -m bench.dcgan_throughput --quick               # reduced: fewer timed steps (a busy machine)
    python -m bench.dcgan_throughput --data data/oxford-iiit-pet/images --save
    python -m bench.dcgan_throughput --device cuda         # on a GPU (tools/gpu_check.sh runs this)

The two paths train the same DCGAN (``aml_gan.models``, ``image_size``, ``width``) on
the same pictures with Adam(2e-4, betas 0.5/0.999) and the same batch size:

* **course**: pictures decoded once into the uint8 cache (``load_pet_images``), batches
  made by ``PetBatches`` (one indexing and one conversion per batch), and
  ``aml_gan.speed.FastTrainStep``: the discriminator's score as a logit with
  ``BCEWithLogits``, bf16 autocast where the CPU supports it (on a GPU: bf16, or fp16
  with gradient scaling on GPUs older than Ampere), channels_last;
* **reference**, written the classic way: ``torchvision.datasets.ImageFolder`` decoding
  every JPEG every epoch (Resize, CenterCrop, ToTensor, Normalize) through a
  ``DataLoader`` with 2 worker processes, fp32, the discriminator's sigmoid output with
  ``nn.BCELoss`` (the pytorch/examples DCGAN step).

With ``--device cuda`` both paths train on the GPU: the course's uint8 pictures move
there once, the reference moves each batch there (pinned memory), as pytorch/examples
does. The CPU is the default.

Each timed step includes waiting for its batch. The two paths alternate in rounds
(so a change in the machine's load hits both); the first steps of each round are
warm-up and not timed. The table gives the median step time as images per second,
and the ratio. It also reports the cache: build time, size on disk, load time, and
an epoch's time for each path (median step time times steps per epoch).

Pictures: ``--data`` (a folder of JPEGs, e.g. the real Oxford-IIIT Pet ``images/``);
by default the real folder under ``data/`` if present, else 7,390 fabricated JPEGs of
the real photos' typical size (about 500x375, 20-40 kB) under ``/tmp`` (made once,
reused), and the table says so.
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Dict, List

import numpy as np
import torch
from torch import nn

from aml_gan.data import PetBatches, default_data_root, list_picture_files, load_pet_images
from aml_gan.models import DCGANDiscriminator, DCGANGenerator
from aml_gan.speed import FastTrainStep, autocast_dtype
from bench._report import publish

RESULTS = Path(__file__).resolve().parent / "results" / "dcgan_throughput.md"
FABRICATED = Path(tempfile.gettempdir()) / "aml_gan_bench_pets"


# ----------------------------------------------------------------------------- pictures
def fabricate_jpegs(folder: Path, n: int, seed: int = 0) -> Path:
    """``n`` JPEGs of realistic size and content (smooth shapes, texture) in ``folder/images``.

    Picture ``i`` depends only on ``(seed, i)``; files already there are reused.
    """
    from PIL import Image, ImageDraw, ImageFilter

    images = folder / "images"
    images.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        path = images / f"pet_{i:05d}.jpg"
        if path.is_file():
            continue
        rng = np.random.default_rng([seed, i])
        w, h = int(rng.integers(300, 501)), int(rng.integers(250, 501))
        small = rng.integers(0, 256, (6, 8, 3)).astype(np.uint8)
        img = Image.fromarray(small).resize((w, h), Image.BICUBIC)
        draw = ImageDraw.Draw(img)
        for _ in range(6):
            x0, y0 = int(rng.integers(0, w)), int(rng.integers(0, h))
            r = int(rng.integers(20, 120))
            draw.ellipse([x0 - r, y0 - r, x0 + r, y0 + r], fill=tuple(int(v) for v in rng.integers(0, 256, 3)))
        img = img.filter(ImageFilter.GaussianBlur(2))
        arr = np.asarray(img, dtype=np.int16) + rng.integers(-12, 13, (h, w, 3), dtype=np.int16)
        tmp = path.with_suffix(".tmp")
        Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)).save(tmp, format="JPEG", quality=85)
        os.replace(tmp, path)
    return images


def find_pictures(data: str, n: int) -> (Path, str):
    if data:
        return Path(data), f"the folder {data}"
    real = default_data_root() / "oxford-iiit-pet" / "images"
    if real.is_dir() and any(real.iterdir()):
        return real, f"the real Oxford-IIIT Pet photos ({real})"
    tic = time.perf_counter()
    folder = fabricate_jpegs(FABRICATED, n)
    return folder, (f"{n:,} FABRICATED JPEGs of realistic size (the real photos are absent), in {folder} "
                    f"(made or found in {time.perf_counter() - tic:.0f} s)")


def _subset(folder: Path, files: List[Path]) -> Path:
    """A folder of symlinks to exactly ``files`` (so both paths see the same pictures)."""
    if len(files) == len(list_picture_files(folder, recursive=False)[0]):
        return folder
    sub = Path(tempfile.mkdtemp(prefix="aml_gan_bench_subset_"))
    for f in files:
        (sub / f.name).symlink_to(f.resolve())
    return sub


# ----------------------------------------------------------------------------- the two paths
def make_models(size: int, width: int, nz: int, seed: int, device: torch.device = torch.device("cpu")):
    torch.manual_seed(seed)
    gen, disc = DCGANGenerator(nz, size, width).to(device), DCGANDiscriminator(size, width).to(device)
    gopt = torch.optim.Adam(gen.parameters(), 2e-4, betas=(0.5, 0.999))
    dopt = torch.optim.Adam(disc.parameters(), 2e-4, betas=(0.5, 0.999))
    return gen, disc, gopt, dopt


def classic_step(gen, disc, gopt, dopt, real, nz, criterion=nn.BCELoss()):
    """The pytorch/examples DCGAN step: sigmoid probabilities and BCELoss, fp32."""
    device = next(disc.parameters()).device
    real = real.to(device, non_blocking=True)
    b = real.shape[0]
    ones, zeros = torch.ones(b, 1, device=device), torch.zeros(b, 1, device=device)
    disc.zero_grad()
    d_real = criterion(disc(real), ones)
    d_real.backward()
    fake = gen(torch.randn(b, nz, 1, 1, device=device))
    d_fake = criterion(disc(fake.detach()), zeros)
    d_fake.backward()
    dopt.step()
    gen.zero_grad()
    g_loss = criterion(disc(fake), ones)
    g_loss.backward()
    gopt.step()
    return g_loss.item(), (d_real + d_fake).item()


def reference_loader(folder: Path, keep: set, size: int, batch: int, workers: int, pin_memory: bool = False):
    """ImageFolder over the pictures (decoded every epoch), 2 workers: the classic way."""
    from torchvision import datasets, transforms

    root = Path(tempfile.mkdtemp(prefix="aml_gan_imagefolder_"))
    (root / "pets").symlink_to(folder.resolve(), target_is_directory=True)  # one class folder
    tf = transforms.Compose([transforms.Resize(size), transforms.CenterCrop(size), transforms.ToTensor(),
                             transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])
    dataset = datasets.ImageFolder(str(root), transform=tf, is_valid_file=lambda p: Path(p).name in keep)
    loader = torch.utils.data.DataLoader(dataset, batch_size=batch, shuffle=True, num_workers=workers,
                                         drop_last=True, persistent_workers=workers > 0, pin_memory=pin_memory)
    return loader, len(dataset), root


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def timed_steps(batches, step, models, nz: int, warmup: int, steps: int) -> List[float]:
    """Seconds per step (waiting for the batch included), after ``warmup`` untimed steps."""
    gen, disc, gopt, dopt = models
    device = next(disc.parameters()).device
    times: List[float] = []
    it = iter(batches)
    tic = time.perf_counter()
    for i in range(warmup + steps):
        try:
            batch = next(it)
        except StopIteration:
            it = iter(batches)
            batch = next(it)
        if isinstance(batch, (list, tuple)):
            batch = batch[0]
        step(gen, disc, gopt, dopt, batch, nz)
        _sync(device)  # a GPU step counts when it is done, not when it is queued
        now = time.perf_counter()
        if i >= warmup:
            times.append(now - tic)
        tic = now
    return times


def data_only(batches, n: int) -> float:
    """Seconds per batch for the loader alone (no training)."""
    it = iter(batches)
    next(it)  # start-up
    tic = time.perf_counter()
    for _ in range(n):
        try:
            next(it)
        except StopIteration:
            it = iter(batches)
            next(it)
    if torch.cuda.is_available():
        torch.cuda.synchronize()  # batches made on a GPU count when they are ready
    return (time.perf_counter() - tic) / n


# ----------------------------------------------------------------------------- main
def main(argv=None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="", help="a folder of JPEGs (default: real data/ folder, else fabricated)")
    parser.add_argument("--images", type=int, default=7390, help="pictures to fabricate when none are given")
    parser.add_argument("--size", type=int, default=64, help="picture size S")
    parser.add_argument("--width", type=int, default=64, help="network width (ngf = ndf)")
    parser.add_argument("--batch", type=int, default=64, help="batch size")
    parser.add_argument("--latent", type=int, default=100, help="noise size")
    parser.add_argument("--steps", type=int, default=20, help="timed steps per path and round")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps at the start of each round")
    parser.add_argument("--workers", type=int, default=2, help="DataLoader workers of the reference")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    parser.add_argument("--device", default="cpu", help="where both paths train: cpu (default), cuda, cuda:1, ...")
    parser.add_argument("--quick", action="store_true", help="reduced run: 6 timed steps, 2 rounds, 2 warm-up")
    parser.add_argument("--save", action="store_true", help=f"also write the table to {RESULTS}")
    args = parser.parse_args(argv)
    if args.quick:
        args.steps, args.rounds, args.warmup = 6, 2, 2
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        parser.error(f"--device {args.device}: PyTorch sees no CUDA GPU here; leave --device out to time the CPU.")

    folder, described = find_pictures(args.data, args.images)
    files, _ = list_picture_files(folder, recursive=False)
    if not args.data and folder.parent == FABRICATED:
        files = files[: args.images]  # the fabricated folder may hold more from an earlier, larger run
        folder = _subset(folder, files)

    # The cache: build it from scratch, then load it again.
    cache_root = Path(tempfile.mkdtemp(prefix="aml_gan_bench_cache_"))  # a fresh cache: built from scratch
    tic = time.perf_counter()
    pets = load_pet_images(folder, image_size=args.size, source="folder", cache_dir=cache_root,
                           progress=False)
    build_s = time.perf_counter() - tic
    cache_bytes = Path(pets.cache_path).stat().st_size
    tic = time.perf_counter()
    again = load_pet_images(folder, image_size=args.size, source="folder", cache_dir=cache_root,
                           progress=False)
    load_s = time.perf_counter() - tic
    assert again.from_cache
    keep = {Path(f).name for f in files} - {Path(p).name for p, _ in pets.skipped}

    course_data = PetBatches(pets.images, args.batch, device=device)
    ref_data, n_ref, ref_root = reference_loader(folder, keep, args.size, args.batch, args.workers,
                                                 pin_memory=device.type == "cuda")
    assert n_ref == len(pets), f"the two paths see different pictures: {n_ref} vs {len(pets)}"
    fast = FastTrainStep()
    course_models = make_models(args.size, args.width, args.latent, 0, device)
    ref_models = make_models(args.size, args.width, args.latent, 0, device)
    times: Dict[str, List[float]] = {"course": [], "reference": []}
    for _ in range(args.rounds):
        times["course"] += timed_steps(course_data, fast, course_models, args.latent, args.warmup, args.steps)
        times['reference'] += timed_steps(ref_data, classic_step, ref_models, args.latent, args.warmup, args.steps)
    data_course = data_only(course_data, 10)
    data_ref = data_only(ref_data, 10)
    for tmp in (cache_root, ref_root) + ((folder,) if folder.name.startswith("aml_gan_bench_subset_") else ()):
        shutil.rmtree(tmp, ignore_errors=True)  # symlinks only: the pictures stay

    med = {k: statistics.median(v) for k, v in times.items()}
    ips = {k: args.batch / m for k, m in med.items()}
    per_epoch = len(pets) // args.batch
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    amp = autocast_dtype(device)
    where = torch.cuda.get_device_name(device) if device.type == "cuda" else "the CPU"
    amp_note = {torch.bfloat16: "bf16 autocast", torch.float16: "fp16 autocast with gradient scaling",
                None: "fp32 (no " + ("bf16 support" if device.type == "cpu" else "autocast") + " here)"}[amp]
    lines = [
        f"# DCGAN training throughput on {where} ({args.size}x{args.size}, width {args.width}, batch {args.batch})",
        "",
        f"- pictures: {described}; {len(pets):,} usable, {len(pets.skipped)} skipped",
        f"- machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch "
        f"{torch.__version__}, {torch.get_num_threads()} thread(s); load average {load[0]:.1f} / {load[1]:.1f} / "
        f"{load[2]:.1f} (a busy machine slows both paths)",
        f"- course step: {fast.settings(device)}; {amp_note}",
        f"- timing: {args.rounds} alternating rounds x {args.steps} timed steps per path (after {args.warmup} "
        "warm-up steps); a step includes waiting for its batch",
        "",
        "| path | data | step | median s/step | images/s (median) | min s/step | max s/step | epoch (est.) |",
        "|---|---|---|---|---|---|---|---|",
        f"| course | uint8 cache, PetBatches | logits + BCEWithLogits, {amp_note}, channels_last | "
        f"{med['course']:.3f} | {ips['course']:.0f} | {min(times['course']):.3f} | {max(times['course']):.3f} | "
        f"{med['course'] * per_epoch:.1f} s |",
        f"| reference | ImageFolder, JPEG decode every epoch, {args.workers} workers | sigmoid + BCELoss, fp32 | "
        f"{med['reference']:.3f} | {ips['reference']:.0f} | {min(times['reference']):.3f} | "
        f"{max(times['reference']):.3f} | {med['reference'] * per_epoch:.1f} s |",
        "",
        f"**Speed-up (median images/s): {ips['course'] / ips['reference']:.2f}x**",
        "",
        "| cache | value |",
        "|---|---|",
        f"| build (decode {len(files):,} files once, {os.cpu_count()} threads) | {build_s:.1f} s |",
        f"| size on disk | {cache_bytes / 2**20:.1f} MiB ({len(pets):,} x 3 x {args.size} x {args.size} uint8) |",
        f"| load from disk | {load_s:.2f} s |",
        f"| data only, course (PetBatches) | {data_course * 1000:.1f} ms/batch, {data_course * per_epoch:.1f} s/epoch |",
        f"| data only, reference (ImageFolder, {args.workers} workers) | {data_ref * 1000:.1f} ms/batch, "
        f"{data_ref * per_epoch:.1f} s/epoch |",
        f"| steps per epoch | {per_epoch} |",
    ]
    table = "\n".join(lines)
    results = RESULTS if device.type == "cpu" else RESULTS.with_name(f"dcgan_throughput_{device.type}.md")
    return publish(table, results, args.save)


if __name__ == "__main__":
    main()
