"""The pet loader on fabricated folders with the real dataset's bad files, its cache, the stand-in, the batches.

Nothing here touches the network: an autouse fixture makes every socket connection fail.
"""
from __future__ import annotations

import io
import tarfile
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image, ImageFile

import aml_gan.data.pets.decode as decode_module
import aml_gan.data.pets.download as download_module
import aml_gan.data.pets.loader as loader_module
from aml_gan.data import (
    PetBatches,
    PetImages,
    default_data_root,
    load_pet_images,
    list_picture_files,
    make_stand_in_pets,
)

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("tests never touch the network")

    monkeypatch.setattr(download_module.socket, "create_connection", refuse)
    import torchvision.datasets.utils as tv_utils

    monkeypatch.setattr(tv_utils, "download_and_extract_archive", refuse)
    monkeypatch.delenv("AML_GAN_DATA", raising=False)
    monkeypatch.delenv("AML_GAN_OFFLINE", raising=False)


# ----------------------------------------------------------------------------- fixture folders
def _photo(w: int, h: int, seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, 3)
    arr = np.clip(base + rng.normal(0, 20, (h, w, 3)), 0, 255).astype(np.uint8)
    return Image.fromarray(arr, "RGB")


def _jpeg_bytes(img: Image.Image, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90, **kw)
    return buf.getvalue()


# name -> (what it is, decodable?)
BAD_AND_GOOD = {
    "Abyssinian_1.jpg": ("plain RGB JPEG", True),
    "Abyssinian_2.jpg": ("plain RGB JPEG, portrait", True),
    "beagle_1.jpg": ("plain RGB JPEG, small", True),
    "Egyptian_Mau_14.jpg": ("a PNG named .jpg", True),
    "Egyptian_Mau_139.jpg": ("a GIF named .jpg", True),
    "Abyssinian_5.jpg": ("RGBA PNG named .jpg, transparent left half", True),
    "staffordshire_bull_terrier_2.jpg": ("grayscale JPEG", True),
    "chihuahua_121.jpg": ("CMYK JPEG", True),
    "boxer_1.png": ("RGBA PNG", True),
    "truncated_1.jpg": ("truncated JPEG", False),
    "empty_1.jpg": ("empty file", False),
    "Abyssinian_100.mat": (".mat file", False),
    "._Abyssinian_1.jpg": ("macOS AppleDouble file", False),
    "notes.txt": ("a text file", False),
}
N_GOOD = sum(ok for _, ok in BAD_AND_GOOD.values())


def make_pet_folder(images: Path) -> None:
    """Write the files of BAD_AND_GOOD into ``images``."""
    images.mkdir(parents=True, exist_ok=True)
    (images / "Abyssinian_1.jpg").write_bytes(_jpeg_bytes(_photo(120, 90, 1)))
    (images / "Abyssinian_2.jpg").write_bytes(_jpeg_bytes(_photo(70, 110, 2)))
    (images / "beagle_1.jpg").write_bytes(_jpeg_bytes(_photo(20, 18, 3)))
    _photo(60, 50, 4).save(images / "Egyptian_Mau_14.jpg", format="PNG")
    _photo(60, 50, 5).convert("P").save(images / "Egyptian_Mau_139.jpg", format="GIF")
    rgba = np.zeros((40, 40, 4), np.uint8)
    rgba[:, :, 0] = 200
    rgba[:, 20:, 3] = 255  # left half fully transparent
    Image.fromarray(rgba, "RGBA").save(images / "Abyssinian_5.jpg", format="PNG")
    (images / "staffordshire_bull_terrier_2.jpg").write_bytes(_jpeg_bytes(_photo(50, 50, 6).convert("L")))
    (images / "chihuahua_121.jpg").write_bytes(_jpeg_bytes(_photo(50, 50, 7).convert("CMYK")))
    Image.fromarray(np.full((30, 30, 4), 128, np.uint8), "RGBA").save(images / "boxer_1.png")
    full = _jpeg_bytes(_photo(200, 200, 8))
    (images / "truncated_1.jpg").write_bytes(full[: len(full) // 2])
    (images / "empty_1.jpg").write_bytes(b"")
    (images / "Abyssinian_100.mat").write_bytes(b"MATLAB 5.0 MAT-file" + bytes(200))
    (images / "._Abyssinian_1.jpg").write_bytes(b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        " + bytes(100))
    (images / "notes.txt").write_text("not a picture")


def make_annotations(folder: Path) -> None:
    """torchvision's annotations/ next to images/: a list and trimap PNGs that must never be loaded."""
    (folder / "trimaps").mkdir(parents=True, exist_ok=True)
    (folder / "list.txt").write_text("Abyssinian_1 1 1 1\n")
    for i in range(3):
        Image.fromarray(np.full((30, 30), 2, np.uint8), "L").save(folder / "trimaps" / f"Abyssinian_{i}.png")


@pytest.fixture
def pet_root(tmp_path) -> Path:
    root = tmp_path / "data"
    make_pet_folder(root / "oxford-iiit-pet" / "images")
    make_annotations(root / "oxford-iiit-pet" / "annotations")
    return root


# ----------------------------------------------------------------------------- the real-data path
def test_loads_every_decodable_picture_as_rgb_and_reports_the_rest(pet_root):
    pets = load_pet_images(pet_root, image_size=16, progress=False)
    assert isinstance(pets, PetImages)
    assert pets.source == "oxford-iiit-pet"
    assert pets.images.dtype == torch.uint8 and pets.images.shape == (N_GOOD, 3, 16, 16)
    skipped = {Path(p).name: why for p, why in pets.skipped}
    assert set(skipped) == {name for name, (_, ok) in BAD_AND_GOOD.items() if not ok}
    assert "truncated" in skipped["truncated_1.jpg"]
    assert "macOS" in skipped["._Abyssinian_1.jpg"]
    assert ".mat" in skipped["Abyssinian_100.mat"]
    assert "not a picture" in skipped["empty_1.jpg"]
    converted = {Path(p).name: what for p, what in pets.converted}
    assert "PNG file named .jpg" in converted["Egyptian_Mau_14.jpg"]
    assert "GIF file named .jpg" in converted["Egyptian_Mau_139.jpg"]
    assert "CMYK" in converted["chihuahua_121.jpg"]
    assert "L converted" in converted["staffordshire_bull_terrier_2.jpg"]
    assert "on white" in converted["Abyssinian_5.jpg"]
    assert "Oxford-IIIT Pet" in pets.message and "skipped" in pets.summary()


def test_transparency_goes_on_white_and_pictures_are_center_cropped(tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    rgba = np.zeros((40, 40, 4), np.uint8)
    rgba[:, :, 0] = 200
    rgba[:, 20:, 3] = 255
    Image.fromarray(rgba, "RGBA").save(folder / "a.png")
    wide = np.zeros((20, 60, 3), np.uint8)  # red | green | blue thirds: the center crop is green
    wide[:, :20, 0] = wide[:, 20:40, 1] = wide[:, 40:, 2] = 255
    Image.fromarray(wide).save(folder / "b.png")
    pets = load_pet_images(folder, image_size=8, source="folder", cache=False, progress=False)
    a, b = pets.images[0].float(), pets.images[1].float()
    assert a[:, :, :3].mean(dim=(1, 2)).tolist() == pytest.approx([255, 255, 255], abs=2)  # transparent: white
    assert a[:, :, -3:].mean(dim=(1, 2)).tolist() == pytest.approx([200, 0, 0], abs=2)
    assert b[1].mean() > 240 and b[0].mean() < 15 and b[2].mean() < 15


def test_the_annotations_folder_is_never_loaded(pet_root):
    pets = load_pet_images(pet_root, image_size=8, progress=False)
    assert not any("/annotations/" in Path(p).as_posix() for p, _ in pets.skipped + pets.converted)
    assert len(pets) == N_GOOD


def test_list_picture_files_sorts_candidates_and_names_the_rest(pet_root):
    images = pet_root / "oxford-iiit-pet" / "images"
    files, skipped = list_picture_files(images)
    assert files == sorted(files) and all(f.parent == images for f in files)
    by_name = {name for name, _ in BAD_AND_GOOD.items()} - {"Abyssinian_100.mat", "._Abyssinian_1.jpg", "notes.txt"}
    assert {f.name for f in files} == by_name  # decoding decides the rest (truncated, empty)
    assert {Path(p).name for p, _ in skipped} == {"Abyssinian_100.mat", "._Abyssinian_1.jpg", "notes.txt"}
    deep, _ = list_picture_files(pet_root, recursive=True)
    assert {f.name for f in deep} == by_name  # annotations/ and its trimaps are not pictures to train on


def test_truncated_files_are_skipped_even_if_pil_was_told_to_load_them(pet_root, monkeypatch):
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    pets = load_pet_images(pet_root, image_size=8, cache=False, progress=False)
    assert "truncated_1.jpg" in {Path(p).name for p, _ in pets.skipped}
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # restored


def test_images_folder_directly_under_root(tmp_path):
    make_pet_folder(tmp_path / "images")
    pets = load_pet_images(tmp_path, image_size=8, progress=False)
    assert pets.source == "oxford-iiit-pet" and len(pets) == N_GOOD


def test_archive_is_unpacked_into_torchvisions_layout(tmp_path):
    staging = tmp_path / "staging"
    make_pet_folder(staging / "images")
    root = tmp_path / "data"
    root.mkdir()
    with tarfile.open(root / "images.tar.gz", "w:gz") as tar:
        tar.add(staging / "images", arcname="images")
    pets = load_pet_images(root, image_size=8, progress=False)
    assert pets.source == "oxford-iiit-pet" and len(pets) == N_GOOD
    assert (root / "oxford-iiit-pet" / "images" / "Abyssinian_1.jpg").is_file()


def test_any_folder_of_pictures(tmp_path):
    root = tmp_path / "my_cats"
    for sub in ("garden", "sofa"):
        (root / sub).mkdir(parents=True)
        for i in range(3):
            _photo(30, 40, i).save(root / sub / f"cat_{i}.jpg")
    make_annotations(root / "annotations")
    pets = load_pet_images(root, image_size=8, source="folder", progress=False)
    assert pets.source == "folder" and len(pets) == 6
    auto = load_pet_images(root, image_size=8, progress=False)
    assert auto.source == "folder" and len(auto) == 6


def test_limit_keeps_a_seeded_subset(pet_root):
    a = load_pet_images(pet_root, image_size=8, limit=4, progress=False)
    b = load_pet_images(pet_root, image_size=8, limit=4, progress=False)
    assert len(a) == 4 and torch.equal(a.images, b.images)


# ----------------------------------------------------------------------------- the cache
def test_cache_is_built_once_then_reused(pet_root, monkeypatch):
    first = load_pet_images(pet_root, image_size=16, progress=False)
    assert not first.from_cache and first.cache_path is not None
    cache_file = Path(first.cache_path)
    assert cache_file.is_file() and cache_file.parent == pet_root / "cache"
    assert "oxford-iiit-pet" in cache_file.name and "16px" in cache_file.name

    def no_decoding(*args, **kwargs):
        raise AssertionError("the cache should have been used")

    monkeypatch.setattr(decode_module, "_decode", no_decoding)
    second = load_pet_images(pet_root, image_size=16, progress=False)
    assert second.from_cache and torch.equal(second.images, first.images)
    assert second.skipped == first.skipped and second.converted == first.converted
    blob = torch.load(cache_file, weights_only=True)  # a safe load works
    assert blob["images"].dtype == torch.uint8


def test_cache_is_keyed_by_size_source_and_files(pet_root):
    a16 = load_pet_images(pet_root, image_size=16, progress=False)
    a8 = load_pet_images(pet_root, image_size=8, progress=False)
    assert a16.cache_path != a8.cache_path and a8.images.shape[-1] == 8
    folder = load_pet_images(pet_root / "oxford-iiit-pet" / "images", image_size=16, source="folder", progress=False)
    assert folder.cache_path != a16.cache_path
    _photo(50, 50, 99).save(pet_root / "oxford-iiit-pet" / "images" / "new_cat.jpg")
    grown = load_pet_images(pet_root, image_size=16, progress=False)
    assert not grown.from_cache and len(grown) == N_GOOD + 1
    assert len(list((pet_root / "cache").glob("pets-*.pt"))) == 3  # 16 px, 8 px, and the grown folder
    assert Path(folder.cache_path).parent == pet_root / "oxford-iiit-pet" / "images" / "cache"


def test_a_broken_cache_is_rebuilt(pet_root):
    first = load_pet_images(pet_root, image_size=8, progress=False)
    Path(first.cache_path).write_bytes(b"garbage")
    again = load_pet_images(pet_root, image_size=8, progress=False)
    assert not again.from_cache and torch.equal(again.images, first.images)


def test_cache_dir_can_be_elsewhere(pet_root, tmp_path):
    pets = load_pet_images(pet_root, image_size=8, cache_dir=tmp_path / "elsewhere", progress=False)
    assert Path(pets.cache_path).parent == tmp_path / "elsewhere" and not (pet_root / "cache").exists()
    again = load_pet_images(pet_root, image_size=8, cache_dir=tmp_path / "elsewhere", progress=False)
    assert again.from_cache


def test_cache_can_be_turned_off(pet_root):
    pets = load_pet_images(pet_root, image_size=8, cache=False, progress=False)
    assert pets.cache_path is None and not (pet_root / "cache").exists()


# ----------------------------------------------------------------------------- offline: the stand-in
def test_empty_root_gives_the_stand_in_without_downloading(tmp_path, monkeypatch):
    def no_download(*args, **kwargs):
        raise AssertionError("download=False must not try to download")

    monkeypatch.setattr(loader_module, "download_pets", no_download)
    pets = load_pet_images(tmp_path, image_size=16, stand_in_count=12)
    assert pets.source == "stand-in" and pets.images.shape == (12, 3, 16, 16)
    assert "STAND-IN" in pets.message and pets.skipped == []


def test_a_failed_download_falls_back_quickly_and_says_so(tmp_path):
    # The autouse fixture makes the connection probe fail, as offline.
    pets = load_pet_images(tmp_path, image_size=16, stand_in_count=8, download=True, timeout=0.5)
    assert pets.source == "stand-in"
    assert "download did not work" in pets.message


def test_a_hanging_connection_gives_up_within_the_timeout(monkeypatch):
    import time

    def hang(*args, **kwargs):
        time.sleep(3)
        raise OSError("never answered")

    monkeypatch.setattr(download_module.socket, "create_connection", hang)
    tic = time.perf_counter()
    assert download_module.online(download_module.PETS_URL, timeout=0.2) is False
    assert time.perf_counter() - tic < 2


def test_offline_flag_stops_downloads(tmp_path, monkeypatch):
    monkeypatch.setenv("AML_GAN_OFFLINE", "1")
    with pytest.raises(ConnectionError, match="AML_GAN_OFFLINE"):
        download_module.download_pets(tmp_path)


def test_asking_for_the_real_data_when_absent_explains_where_to_put_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="images.tar.gz"):
        load_pet_images(tmp_path, source="oxford-iiit-pet")


def test_bad_arguments_raise_clear_errors(tmp_path):
    with pytest.raises(ValueError, match="source"):
        load_pet_images(tmp_path, source="cats")
    with pytest.raises(ValueError, match="image_size"):
        load_pet_images(tmp_path, image_size=4)
    with pytest.raises(FileNotFoundError):
        load_pet_images(tmp_path / "missing", source="folder")


def test_stand_in_is_seeded_varied_and_prefix_stable():
    a = make_stand_in_pets(16, image_size=32, seed=0)
    assert a.dtype == torch.uint8 and a.shape == (16, 3, 32, 32)
    assert torch.equal(a, make_stand_in_pets(16, image_size=32, seed=0))
    assert torch.equal(a[:5], make_stand_in_pets(5, image_size=32, seed=0))
    assert not torch.equal(a, make_stand_in_pets(16, image_size=32, seed=1))
    mean_colours = a.float().mean(dim=(2, 3))  # (16, 3): backgrounds and furs vary
    assert mean_colours.std(dim=0).min() > 10
    centre = a[:, :, 12:20, 12:20].float().mean(dim=(1, 2, 3))
    assert centre.std() > 10  # faces of many colours


def test_stand_in_api_matches(tmp_path):
    pets = load_pet_images(tmp_path, image_size=8, source="stand-in", stand_in_count=10)
    assert pets.location is None and len(pets) == 10 and pets.image_size == 8
    x = pets.floats()
    assert x.dtype == torch.float32 and x.min() >= -1 and x.max() <= 1


# ----------------------------------------------------------------------------- the data root
def test_default_root_follows_env_then_checkout_not_cwd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert default_data_root() == REPO / "data"  # the package runs from this checkout
    monkeypatch.setenv("AML_GAN_DATA", str(tmp_path / "elsewhere"))
    assert default_data_root() == tmp_path / "elsewhere"


# ----------------------------------------------------------------------------- batches in [-1, 1]
def test_batches_are_floats_in_unit_range_and_reshuffled():
    images = make_stand_in_pets(20, image_size=8)
    batches = PetBatches(images, batch_size=6)
    assert len(batches) == 3
    torch.manual_seed(0)
    epoch1 = list(batches)
    torch.manual_seed(0)
    again = list(batches)
    epoch2 = list(batches)
    assert all(b.shape == (6, 3, 8, 8) and b.dtype == torch.float32 for b in epoch1)
    assert all(b.min() >= -1 and b.max() <= 1 for b in epoch1)
    assert all(torch.equal(x, y) for x, y in zip(epoch1, again))  # seeded: reproducible
    assert not all(torch.equal(x, y) for x, y in zip(epoch1, epoch2))  # a new order every pass
    full = PetBatches(images, batch_size=6, drop_last=False, shuffle=False, flip=False)
    assert [len(b) for b in full] == [6, 6, 6, 2]
    assert torch.allclose(torch.cat(list(full)), images.float() / 127.5 - 1, atol=1e-6)


def test_batches_flip_mirrors_pictures():
    images = make_stand_in_pets(64, image_size=8)
    unflipped = torch.cat(list(PetBatches(images, 64, shuffle=False, flip=False)))
    flipped = torch.cat(list(PetBatches(images, 64, shuffle=False, flip=True)))
    same = [torch.equal(a, b) for a, b in zip(flipped, unflipped)]
    mirrored = [torch.equal(a, b.flip(-1)) for a, b in zip(flipped, unflipped)]
    assert all(s or m for s, m in zip(same, mirrored)) and 10 < sum(mirrored) < 54


def test_batches_channels_last_and_errors():
    images = make_stand_in_pets(8, image_size=8)
    (x,) = list(PetBatches(images, 8, channels_last=True))
    assert x.is_contiguous(memory_format=torch.channels_last)
    with pytest.raises(TypeError, match="uint8"):
        PetBatches(images.float(), 4)
    with pytest.raises(ValueError, match="batch_size"):
        PetBatches(images, 16)


# ----------------------------------------------------------------------------- figures
def test_pet_figures_draw(monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from aml_gan.plots import (animate_grids, compare_real_fake, plot_d_accuracy, plot_grids_over_time,
                               plot_quality, show_pets)
    from aml_gan.training import History

    images = make_stand_in_pets(8, image_size=8)
    grids = [images[:4], (images[4:].float() / 127.5 - 1)]  # uint8 and [-1, 1] floats both work
    show_pets(images, n=4)
    fig = plot_grids_over_time(grids, ["start", "end"], nrow=2)
    assert len(fig.axes) == 2
    anim = animate_grids(grids, ["start", "end"], nrow=2)
    assert "<script" in anim.to_jshtml()
    history = History()
    for step in (1, 2, 3):
        history.step = step
        history.log("d_acc_real", 0.9)
        history.log("d_acc_fake", 0.8)
    plot_d_accuracy(history)
    plot_quality([1, 2, 3], [3.0, 2.0, 1.0], untrained=4.0, floor=0.5)
    compare_real_fake(images, images.float() / 127.5 - 1, n=4, nrow=2)
    plt.close("all")
    with pytest.raises(ValueError, match="label"):
        plot_grids_over_time(grids, ["only one"])
    with pytest.raises(TypeError, match="pictures"):
        show_pets([1, 2, 3])
