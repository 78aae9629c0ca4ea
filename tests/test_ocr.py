"""Photos and scans through OCR (loaders.ocr, real models): a figure's box on the page, a page
turned 90° or by EXIF, an image-only and a mixed PDF, a small newspaper page held to a lower
bound, `python -m loaders import page.png`, cancelling, and everything refused. The machine has
two shared cores: the OCR'd images are few and small."""
import io

import pytest
from PIL import Image, ImageDraw, ImageFont

from benchmarks.newspaper import SC, char_accuracy, figures_right, font_path, image_pdf, make_page, png_bytes
from loaders.cli import main
from loaders.errors import LoaderError
from loaders.pipeline import extract_document
from loaders.readers import read_bytes, read_document
from loaders.store import list_batches, load_tables

SENTENCE = "青柳社区今年新建共享书屋3处，累计服务居民3000余人次。"
SIZE, PAD = 30, 30


def line_image(text=SENTENCE) -> tuple[Image.Image, ImageFont.FreeTypeFont]:
    font = ImageFont.truetype(font_path(), SIZE, index=SC)
    img = Image.new("RGB", (int(font.getlength(text)) + 2 * PAD, SIZE + 2 * PAD), "white")
    ImageDraw.Draw(img).text((PAD, PAD), text, font=font, fill="black")
    return img, font


def jpeg(img, **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=92, **kw)
    return buf.getvalue()


@pytest.fixture(scope="module")
def line_doc():
    img, font = line_image()
    pages = []
    doc = read_bytes(png_bytes(img), "照片.png", progress=lambda d, t: pages.append((d, t)))
    return doc, font, pages


def test_a_figure_is_found_on_the_page_where_it_was_printed(line_doc):
    doc, font, pages = line_doc
    assert doc.text == SENTENCE and doc.encoding == "ocr"
    assert pages == [(0, 1), (1, 1)]
    claim = next(c for c in extract_document(doc).claims if c["unit"] == "person_time")
    assert claim["value"] == 3000 and claim["evidence"] == SENTENCE
    [(page, (x0, y0, x1, y1))] = doc.layout.boxes(claim["start"], claim["end"])
    printed_x0 = PAD + font.getlength(SENTENCE[:SENTENCE.index("3000")])
    printed_x1 = printed_x0 + font.getlength("3000余人次")
    assert page == 0
    assert abs(x0 - printed_x0) < SIZE and abs(x1 - printed_x1) < SIZE
    assert PAD - SIZE / 2 < y0 < PAD + SIZE / 2 < y1 < PAD + 1.5 * SIZE
    shown = Image.open(io.BytesIO(doc.layout.pages[0].png))
    assert shown.size == (doc.layout.pages[0].width, doc.layout.pages[0].height)


def test_a_page_turned_90_degrees_is_straightened(line_doc):
    img, _ = line_image("共享书屋服务居民3000余人次")
    doc = read_bytes(jpeg(img.transpose(Image.Transpose.ROTATE_90)), "横拍.jpg")
    assert char_accuracy(doc.text, "共享书屋服务居民3000余人次") >= 0.9
    assert doc.layout.pages[0].width > doc.layout.pages[0].height   # shown upright


def test_exif_orientation_is_applied_before_ocr():
    from loaders.ocr import open_image

    img, _ = line_image()
    exif = Image.Exif()
    exif[0x0112] = 6   # "rotate 90° clockwise to view": the sensor stored it turned
    stored = img.transpose(Image.Transpose.ROTATE_90)
    upright = open_image(jpeg(stored, exif=exif.tobytes()), "phone.jpg")
    assert upright.size == img.size


def test_scanned_and_mixed_pdfs(tmp_path, line_doc):
    from pypdf import PdfReader, PdfWriter
    from tests.test_readers import make_pdf

    img, _ = line_image()
    scan = image_pdf([img])
    doc = read_bytes(scan, "扫描件.pdf")
    assert doc.encoding == "pdf+ocr" and doc.text == line_doc[0].text
    # page 1 has a text layer (kept as it is), page 2 is a scan (OCR'd)
    make_pdf(tmp_path / "text.pdf", ["第一页正文"])
    writer = PdfWriter()
    for part in (PdfReader(tmp_path / "text.pdf"), PdfReader(io.BytesIO(scan))):
        writer.append(part)
    writer.write(tmp_path / "mixed.pdf")
    mixed = read_document(tmp_path / "mixed.pdf")
    first = read_document(tmp_path / "text.pdf").text
    assert mixed.text == first + "\n\n" + SENTENCE
    assert [p.ocr for p in mixed.layout.pages] == [False, True]
    assert {ln.page for ln in mixed.layout.lines} == {1}
    assert mixed.layout.locate(0) is None and mixed.layout.locate(len(first) + 2)[0] == 1


def test_a_small_newspaper_page_is_read_well_enough():
    """The lower bound the benchmark (benchmarks/bench_ocr.py) measures on full pages."""
    page = make_page(7, columns=2, width=760, height=640, body=20, paragraphs=2)
    doc = read_bytes(image_pdf([make_page(7, columns=2, width=760, height=640, body=20,
                                          paragraphs=2, noisy=True).image]), "噪声.pdf")
    clean = read_bytes(png_bytes(page.image), "版面.png")
    for read, least in ((clean.text, 0.97), (doc.text, 0.9)):
        right, total = figures_right(read, page.text)
        assert total >= 8
        assert char_accuracy(read, page.text) >= least
        assert right / total >= least
    assert clean.text.startswith(page.text.split("\n")[0] + "\n\n")   # the headline first


def test_import_a_photo_from_the_command_line(tmp_path, capsys):
    img, _ = line_image()
    path = tmp_path / "page.jpg"
    path.write_bytes(jpeg(img))
    assert main(["import", str(path), "--data", str(tmp_path / "store")]) == 0
    out = capsys.readouterr()
    assert "已导入为批次" in out.out and "识别 page.jpg" in out.err   # the progress bar
    claims = load_tables(tmp_path / "store").claims
    assert sorted(claims["value"]) == [3, 3000] and set(claims["doc"]) == {"page.jpg"}


def test_cancelling_an_ocr_import_writes_nothing(tmp_path, monkeypatch, capsys):
    def interrupted(image):
        raise KeyboardInterrupt   # Ctrl-C while a page is being read

    monkeypatch.setattr("loaders.ocr.recognise_upright", interrupted)
    img, _ = line_image()
    path = tmp_path / "page.png"
    path.write_bytes(png_bytes(img))
    assert main(["import", str(path), "--data", str(tmp_path / "store")]) == 130
    assert "已取消" in capsys.readouterr().err
    assert not len(list_batches(tmp_path / "store"))


def _huge(tmp_path):
    return png_bytes(Image.new("RGB", (2000, 1500), "white"))


REFUSED = [
    # (id, file name, bytes, environment, words the message must contain)
    ("empty image", "a.png", lambda: b"", {}, "空的"),
    ("not an image", "a.jpg", lambda: "这不是图片".encode() * 50, {}, "不是图片"),
    ("a PDF named .png", "a.png", lambda: b"%PDF-1.4\n" + b"0" * 100, {}, ".pdf"),
    ("truncated image", "a.png", lambda: png_bytes(line_image()[0])[:400], {}, "损坏"),
    ("image too large", "a.png", lambda: png_bytes(Image.new("RGB", (1200, 1000), "white")),
     {"DASHBOARD_MAX_IMAGE_MPIX": "1"}, "太大"),
    ("a page with no text", "a.png", lambda: png_bytes(Image.new("RGB", (300, 200), "white")), {},
     "没有识别出文字"),
    ("too many scanned pages", "a.pdf", lambda: image_pdf([Image.new("RGB", (200, 200), "white")] * 3),
     {"DASHBOARD_MAX_OCR_PAGES": "2"}, "超过上限 2 页"),
]


@pytest.mark.parametrize("name, make, env, fragment", [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_refused_with_a_chinese_message_and_nothing_written(tmp_path, monkeypatch, capsys, name, make,
                                                            env, fragment):
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    with pytest.raises(LoaderError, match=fragment) as info:
        read_bytes(make(), name)
    assert str(info.value).startswith(f"{name}：")
    path = tmp_path / name
    path.write_bytes(make())
    assert main(["import", str(path), "--data", str(tmp_path / "store")]) == 2
    assert fragment in capsys.readouterr().err
    assert not (tmp_path / "store" / "batches").exists() or not len(list_batches(tmp_path / "store"))
