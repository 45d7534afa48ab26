"""Pet images for notebook 05: the Oxford-IIIT Pet loader, its image cache, and an offline stand-in.

Where the pictures come from (``load_pet_images(source="auto")``), in this order:

1. an existing folder in torchvision's layout, ``<root>/oxford-iiit-pet/images/*.jpg``
   (or ``<root>/images/*.jpg``): source ``"oxford-iiit-pet"``;
2. the archive ``images.tar.gz`` in ``<root>`` or ``<root>/oxford-iiit-pet``: it is
   unpacked into the layout above;
3. when ``download=True`` and the internet answers within a few seconds, the
   official ``images.tar.gz`` (about 800 MB, md5-checked), into the layout above;
4. any other folder of pictures directly under ``<root>`` (sub-folders included,
   ``annotations/`` and the cache excluded): source ``"folder"``;
5. otherwise a drawn stand-in: cartoon cat and dog faces, seeded, same shapes and
   API: source ``"stand-in"``.

``root=None`` means ``$AML_GAN_DATA`` if set, else the ``data/`` folder of the
repository checkout that holds this package, else ``./data``, so the answer does not
depend on the folder a notebook runs in.

The real dataset has faulty files: GIFs and PNGs named ``.jpg``, RGBA and CMYK
images, ``.mat`` files in ``images/``, and (after a copy from a Mac) ``._*`` files.
Every picture that decodes is loaded as RGB (transparency on white), the rest are
skipped and listed in ``.skipped`` with the reason. Pictures are decoded once into a
center-cropped, resized uint8 tensor ``(N, 3, S, S)`` saved under ``<root>/cache/``
and keyed by the source, the files (names and sizes) and the size ``S``, so later runs
and every epoch read tensors, never JPEGs.

One module per job: :mod:`.locate` (where the data lives, which files are pictures),
:mod:`.download` (unpacking the archive, downloading it), :mod:`.decode` (files to
uint8 arrays), :mod:`.cache` (the decoded tensor on disk), :mod:`.batches` (the
conversion to [-1, 1] and ``PetBatches``), :mod:`.stand_in` (the drawn faces), and
:mod:`.loader` (``load_pet_images``, which tries the sources in the order above).
"""
from .batches import PetBatches, to_uint8, to_unit_range
from .decode import decode_folder
from .download import download_pets
from .loader import PetImages, load_pet_images
from .locate import default_data_root, list_picture_files
from .stand_in import make_stand_in_pets

__all__ = [
    "PetImages",
    "PetBatches",
    "load_pet_images",
    "make_stand_in_pets",
    "decode_folder",
    "download_pets",
    "default_data_root",
    "list_picture_files",
    "to_unit_range",
    "to_uint8",
]
