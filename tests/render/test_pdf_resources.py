"""What a document may load: local files, data: URIs and the images handed over with its HTML."""

from __future__ import annotations

import io
from pathlib import Path

import pypdf
import pytest
from PIL import Image

from reportbot.errors import RenderError
from reportbot.render import html, pdf
from tests.render.test_pdf_layout import logged_run

DOC = '<!DOCTYPE html>\n<html lang="zh-CN"><body><p>图</p>{body}</body></html>'


def jpeg(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (139, 26, 26)).save(out, format="JPEG")
    return out.getvalue()


def image_sizes(path: Path) -> list[tuple[int, int]]:
    """The size of each image object in the PDF (WeasyPrint's pages share one resource dictionary)."""
    found = {}
    for p in pypdf.PdfReader(path).pages:
        for image in p.images:
            assert image.indirect_reference is not None and image.image is not None
            found[image.indirect_reference.idnum] = image.image.size
    return list(found.values())


def test_an_image_handed_over_with_the_html_is_in_the_pdf(tmp_path: Path) -> None:
    url = html.image_url("chart")
    out = pdf.write_pdf(
        DOC.format(body=f'<img src="{url}" style="width: 40mm">'),
        tmp_path / "a.pdf",
        base_url=tmp_path,
        images={url: jpeg(64, 32)},
    )
    assert image_sizes(out) == [(64, 32)]


def test_an_image_the_html_names_but_was_not_given_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match="reportbot-image:absent"):
        pdf.write_pdf(DOC.format(body='<img src="reportbot-image:absent">'), tmp_path / "b.pdf", base_url=tmp_path)
    assert not (tmp_path / "b.pdf").exists()


def test_a_missing_local_file_is_a_render_error_naming_it(tmp_path: Path) -> None:
    # WeasyPrint stops on it with FatalURLFetchingError, a BaseException: it escaped as a traceback before
    with pytest.raises(RenderError, match=r"missing\.png.*No such file"):
        pdf.write_pdf(DOC.format(body='<img src="missing.png">'), tmp_path / "c.pdf", base_url=tmp_path)


def test_a_remote_address_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match="disallowed protocol"):
        pdf.write_pdf(DOC.format(body='<img src="http://127.0.0.1:9/x.png">'), tmp_path / "d.pdf", base_url=tmp_path)


FORKED_WITH_IMAGE = """
from tests.render.test_pdf_resources import jpeg
url = html.image_url("chart")
text = page(80, 60).replace("<body>", f'<body><img src="{url}" style="width: 10mm">')
pdf.write_pdf(text, out, base_url=out.parent, images={url: jpeg(16, 16)}, speculate=True)
"""


def test_the_forked_compact_layout_gets_the_images_too(tmp_path: Path) -> None:
    """In a new process: the test process may run other tests' threads, and then nothing is forked."""
    out = tmp_path / "e.pdf"
    messages = logged_run(FORKED_WITH_IMAGE, out)
    assert any("speculated in process" in m for m in messages)
    assert not any("failed" in m or "without a result" in m for m in messages), messages
    assert len(pypdf.PdfReader(out).pages) == 2  # the compact layout, from the fork
    assert image_sizes(out) == [(16, 16)]


def test_inline_images_makes_an_html_file_that_stands_on_its_own() -> None:
    url = html.image_url("chart")
    text = html.inline_images(f'<img src="{url}"><img src="{url}">', {url: jpeg(4, 4)})
    assert url not in text and text.count('src="data:image/jpeg;base64,/9j/') == 2
    with pytest.raises(RenderError, match="neither JPEG nor PNG"):
        html.inline_images(f'<img src="{url}">', {url: b"GIF89a"})
