"""Text from photographs and scans, offline: RapidOCR (PP-OCRv4 Chinese models shipped inside the
`rapidocr-onnxruntime` wheel, run by onnxruntime; nothing is downloaded) and pypdfium2 to render
PDF pages that have no text layer.

A photo is turned upright first (its EXIF orientation; then a page whose lines stand on end is
turned 90°, and one whose lines the models' angle classifier reads as upside down is turned
180°). The boxes are put in reading order by loaders.layout, which also keeps, for every
character, the page and box it was read from.

Limits (environment variables, like the other upload limits):
- $DASHBOARD_MAX_IMAGE_MPIX: largest image in megapixels (default 40);
- $DASHBOARD_MAX_OCR_PAGES: most pages OCR'd in one PDF (default 30).
"""
from __future__ import annotations

import io
import os
from collections.abc import Callable
from functools import lru_cache

from .errors import LoaderError
from .layout import Layout, Line, PageImage, page_text

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".tif", ".tiff")
# The resolution PDF pages without text are rendered at (the models read 10-pt type well at it).
PDF_DPI = 200
# Pages are shown beside the text at most this wide (the boxes are scaled along).
DISPLAY_WIDTH = 1400
_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"RIFF", b"II*\x00", b"MM\x00*")

Progress = Callable[[int, int], None]   # (pages done, pages in all); may raise to cancel


def max_image_pixels() -> int:
    return int(float(os.environ.get("DASHBOARD_MAX_IMAGE_MPIX") or 40) * 1_000_000)


def max_ocr_pages() -> int:
    return int(os.environ.get("DASHBOARD_MAX_OCR_PAGES") or 30)


@lru_cache(maxsize=1)
def engine():
    """The OCR engine, loaded once per process (about half a second)."""
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError as err:   # pragma: no cover - requirements.txt installs it
        raise LoaderError("没有安装文字识别组件（rapidocr-onnxruntime），无法识别图片；"
                          "请运行 bash scripts/install.sh 后重试。") from err
    # Pages are large: let the models see up to 3000 px (the default 2000 loses small type).
    return RapidOCR(max_side_len=3000)


# ---------------------------------------------------------------------------------------------
# Images

def open_image(data: bytes, label: str):
    """The image in `data`, upright by its EXIF orientation, as RGB; Chinese errors for an empty
    file, a file that is not an image, a broken one and one too large."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if not data:
        raise LoaderError("图片是空的（0 字节），请重新拍照或导出后再上传。", path=label)
    limit = max_image_pixels()

    def too_large(w: int, h: int) -> LoaderError:
        return LoaderError(f"图片太大（{w}×{h}，约 {w * h / 1e6:.1f} 百万像素），超过上限 "
                           f"{limit / 1e6:g} 百万像素；请缩小到长边 4000 像素左右后再上传。", path=label)

    try:
        image = Image.open(io.BytesIO(data))
        if image.width * image.height > limit:   # checked before the pixels are decoded
            raise too_large(image.width, image.height)
        image.load()
        image = ImageOps.exif_transpose(image)
    except LoaderError:
        raise
    except Image.DecompressionBombError:   # Pillow's own guard, far above ours
        raise LoaderError(f"图片太大（超过 {limit / 1e6:g} 百万像素的上限），请缩小到长边 4000 像素"
                          "左右后再上传。", path=label) from None
    except UnidentifiedImageError:
        hint = "（内容是 PDF，请把扩展名改成 .pdf）" if data.startswith(b"%PDF-") else ""
        raise LoaderError(f"不是图片文件，或图片格式无法识别{hint}；请上传 .png、.jpg、.webp 或 "
                          ".tif 图片。", path=label) from None
    except Exception:   # truncated or corrupt image data: Pillow raises several types
        raise LoaderError("图片已损坏或不完整，无法打开；请重新拍照或从原文件重新导出。",
                          path=label) from None
    if image.mode != "RGB":
        background = Image.new("RGB", image.size, "white")
        rgba = image.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background
    return image


def _png(image) -> PageImage:
    """The page as shown: at most DISPLAY_WIDTH wide, PNG-compressed."""
    shown = image
    if image.width > DISPLAY_WIDTH:
        shown = image.resize((DISPLAY_WIDTH, round(image.height * DISPLAY_WIDTH / image.width)))
    buf = io.BytesIO()
    shown.convert("L").save(buf, format="PNG", optimize=False)
    return PageImage(buf.getvalue(), image.width, image.height)


# ---------------------------------------------------------------------------------------------
# Recognition

# Mean grey-level change a 3×3 median makes on the page's background: 0.8–1.9 on clean renders,
# 3–9 on grainy photos (less once scaled up inside a PDF). Above this the page is denoised before OCR (the text
# detector misses short lines in grain; on clean pages the filter would only soften strokes).
NOISE_LEVEL = 2.5


def denoised(image):
    """The image, median-filtered when its background is grainy."""
    import numpy as np
    from PIL import ImageFilter

    smooth = image.filter(ImageFilter.MedianFilter(3))
    grey, flat = (np.asarray(i.convert("L"), dtype=np.int16) for i in (image, smooth))
    background = flat > 180
    if background.any() and np.abs(grey - flat)[background].mean() > NOISE_LEVEL:
        return smooth
    return image


def _recognise(image) -> list[tuple[tuple, str, float]]:
    import numpy as np

    image = denoised(image)
    result, _ = engine()(np.asarray(image)[:, :, ::-1].copy())   # RGB → the models' BGR
    return [(tuple(tuple(p) for p in quad), text, float(score)) for quad, text, score in result or []]


def _standing(found) -> bool:
    """Do most text lines stand on end (the page is turned 90°)?"""
    tall = wide = 0
    for quad, text, _ in found:
        if len(text) < 3:
            continue
        w = abs(quad[1][0] - quad[0][0]) + abs(quad[1][1] - quad[0][1])
        h = abs(quad[3][0] - quad[0][0]) + abs(quad[3][1] - quad[0][1])
        tall, wide = tall + (h > 1.5 * w), wide + (w > 1.5 * h)
    return tall > wide


def _upside_down(image, found) -> bool:
    """Does the angle classifier read most of the longest lines as turned 180°?"""
    import numpy as np

    longest = sorted(found, key=lambda f: -len(f[1]))[:12]
    if not longest:
        return False
    ocr = engine()
    crops = ocr.get_crop_img_list(np.asarray(image)[:, :, ::-1].copy(),
                                  [np.array(q, dtype=np.float32) for q, _, _ in longest])
    _, labels, _ = ocr.text_cls(crops)
    flipped = sum(1 for label, score in labels if label == "180" and score > 0.8)
    return flipped > len(labels) / 2


def recognise_upright(image):
    """(upright image, [(quad, text, score)…]): OCR, turning the page 90° or 180° when its
    lines stand on end or read upside down (the page is OCR'd again after turning)."""
    from PIL import Image

    found = _recognise(image)
    if _standing(found):
        image = image.transpose(Image.Transpose.ROTATE_270)
        found = _recognise(image)
    if _upside_down(image, found):
        image = image.transpose(Image.Transpose.ROTATE_180)
        found = _recognise(image)
    return image, found


def ocr_pages(pages, label: str, progress: Progress | None = None) -> tuple[str, Layout]:
    """The text of a document's pages, joined by a blank line: a page given as an image is OCR'd,
    one given as a string (read from a PDF's text layer) is taken as it is. Returns the text and
    the layout of its OCR'd characters. `progress(done, total)` is called after each page."""
    layout = Layout()
    parts: list[str] = []
    pos = 0
    if progress is not None:
        progress(0, len(pages))
    for number, item in enumerate(pages):
        if number:
            parts.append("\n\n")
            pos += 2
        if isinstance(item, str):
            text = item
            layout.pages.append(PageImage(b"", 0, 0, ocr=False))
        else:
            upright, found = recognise_upright(item)
            text, lines = page_text([(q, t) for q, t, _ in found], number, pos)
            layout.lines += lines
            layout.pages.append(_png(upright))
        parts.append(text)
        pos += len(text)
        if progress is not None:
            progress(number + 1, len(pages))
    text = "".join(parts)
    if not text.strip():
        raise LoaderError("图片（或扫描页）上没有识别出文字：请确认拍的是文章正文，光线充足、"
                          "对焦清楚，页面尽量摆正、占满画面后重新拍照或扫描上传。", path=label)
    return text, layout


def read_image(data: bytes, label: str, progress: Progress | None = None) -> tuple[str, Layout]:
    """The text of a photographed or scanned page, and where each character is on it."""
    return ocr_pages([open_image(data, label)], label, progress)


# ---------------------------------------------------------------------------------------------
# PDF pages without a text layer

def render_pdf_pages(data: bytes, numbers: list[int], label: str):
    """Images of the given (0-based) pages of a PDF, rendered at PDF_DPI."""
    import pypdfium2 as pdfium

    if len(numbers) > max_ocr_pages():
        raise LoaderError(f"PDF 有 {len(numbers)} 页需要文字识别（扫描页），超过上限 {max_ocr_pages()} 页；"
                          "请拆成几个较小的 PDF 分别上传。", path=label)
    try:
        pdf = pdfium.PdfDocument(data)
        out = {}
        for n in numbers:
            page = pdf[n]
            w, h = page.get_size()
            scale = PDF_DPI / 72
            if w * h * scale * scale > max_image_pixels():
                scale = (max_image_pixels() / (w * h)) ** 0.5
            out[n] = page.render(scale=scale).to_pil().convert("RGB")
        return out
    except pdfium.PdfiumError:
        raise LoaderError("PDF 页面无法渲染（文件损坏或加密），请用 PDF 阅读器打开后重新导出。",
                          path=label) from None


__all__ = ["IMAGE_SUFFIXES", "read_image", "ocr_pages", "render_pdf_pages", "open_image",
           "recognise_upright", "engine", "max_image_pixels", "max_ocr_pages", "Layout", "Line"]
