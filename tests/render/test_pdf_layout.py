"""The compact reflow of a nearly empty last page, laid out in a forked process or in this one."""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import subprocess
import sys
import threading
from pathlib import Path

import pypdf
import pytest

from reportbot.config import Config
from reportbot.pipeline import report as report_case
from reportbot.render import pdf

# Blocks whose one line sits at their bottom: 7 blocks of 80 mm make 3 pages (3 + 3 + 1, the last page
# about a third full); compact blocks of 60 mm fit 4 to a page (2 pages) unless SAME_SIZE keeps them 80 mm.
PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head><style>
  @page {{ size: A4; margin: 20mm; }}
  body {{ margin: 0; }}
  .b {{ box-sizing: border-box; height: {normal}mm; padding-top: {pad}mm; break-inside: avoid; }}
  .b {{ font-size: 8pt; line-height: 1; }}
  html.compact .b {{ height: {compact}mm; padding-top: {cpad}mm; }}
  html.compact .b::after {{ content: " compact"; }}
  .b {{ colour: red; }}
</style></head>
<body>{blocks}</body>
</html>"""


def page(normal: float, compact: float, blocks: int = 7) -> str:
    return PAGE.format(
        normal=normal, pad=normal - 4, compact=compact, cpad=compact - 4, blocks='<div class="b">block</div>' * blocks
    )


def render(html: str, out: Path, *, speculate: bool, in_thread: bool = False) -> tuple[int, str]:
    def run() -> None:
        pdf.write_pdf(html, out, base_url=out.parent, speculate=speculate)

    if in_thread:  # another thread is running: no fork even when asked
        t = threading.Thread(target=run)
        t.start()
        t.join()
    else:
        run()
    reader = pypdf.PdfReader(out)
    return len(reader.pages), "".join(p.extract_text() for p in reader.pages)


MODES = [
    pytest.param({"speculate": True}, id="forked"),
    pytest.param({"speculate": False}, id="in-process"),
    pytest.param({"speculate": True, "in_thread": True}, id="threaded"),
]


@pytest.mark.parametrize("mode", MODES)
def test_nearly_empty_last_page_is_reflowed_compact(tmp_path: Path, mode: dict[str, bool]) -> None:
    pages, text = render(page(80, 60), tmp_path / "a.pdf", **mode)
    assert pages == 2
    assert text.count("compact") == 7


@pytest.mark.parametrize("mode", MODES)
def test_compact_layout_that_saves_no_page_is_dropped(tmp_path: Path, mode: dict[str, bool]) -> None:
    pages, text = render(page(80, 80), tmp_path / "a.pdf", **mode)
    assert pages == 3
    assert "compact" not in text


@pytest.mark.parametrize("mode", MODES)
def test_full_last_page_is_kept(tmp_path: Path, mode: dict[str, bool]) -> None:
    pages, text = render(page(80, 60, blocks=8), tmp_path / "a.pdf", **mode)  # last page 2 blocks: 60 % full
    assert pages == 3
    assert "compact" not in text


@pytest.mark.parametrize("mode", MODES)
def test_warnings_of_the_compact_pass_reach_this_process(
    tmp_path: Path, mode: dict[str, bool], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        render(page(80, 60), tmp_path / "a.pdf", **mode)
    ignored = [r for r in caplog.records if r.name == "weasyprint" and "colour" in r.getMessage()]
    assert len(ignored) == 2  # the normal pass and the compact pass each warn once


@pytest.mark.parametrize(
    ("mode", "forked"),
    [({"speculate": True}, True), ({"speculate": False}, False), ({"speculate": True, "in_thread": True}, False)],
)
def test_fork_only_when_asked_and_single_threaded(
    tmp_path: Path, mode: dict[str, bool], forked: bool, caplog: pytest.LogCaptureFixture
) -> None:
    single_threaded = threading.active_count() == 1  # other tests' servers may still run threads here
    with caplog.at_level(logging.DEBUG, logger="reportbot.render.pdf"):
        render(page(80, 60), tmp_path / "a.pdf", **mode)
    assert any("speculated in process" in r.getMessage() for r in caplog.records) == (forked and single_threaded)
    assert multiprocessing.active_children() == []  # the fork has been reaped


def test_fork_is_stopped_when_the_normal_layout_is_kept(tmp_path: Path) -> None:
    pages, _ = render(page(80, 60, blocks=8), tmp_path / "a.pdf", speculate=True)
    assert pages == 3
    assert multiprocessing.active_children() == []


def test_no_part_file_is_left(tmp_path: Path) -> None:
    render(page(80, 60), tmp_path / "a.pdf", speculate=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pdf"]


# a script run in a new process (no other tests' threads: the fork is allowed) that writes ``sys.argv[1]``
# by the lines given after it and prints every log message as JSON
LOGGED = """
import json, logging, sys
from pathlib import Path
from reportbot.render import html, pdf
from tests.render.test_pdf_layout import page

messages = []
class Keep(logging.Handler):
    def emit(self, record):
        messages.append(record.getMessage())
logging.getLogger().addHandler(Keep())
logging.getLogger().setLevel(logging.DEBUG)
out = Path(sys.argv[1])
{body}
print(json.dumps(messages))
"""


def logged_run(body: str, out: Path) -> list[str]:
    """Run ``LOGGED`` with ``body`` in a new process; the log messages it printed."""
    root = Path(__file__).resolve().parents[2]
    script = LOGGED.format(body=body)
    done = subprocess.run(
        [sys.executable, "-c", script, str(out)], cwd=root, capture_output=True, text=True, check=True, timeout=120
    )
    messages: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return messages


def test_forked_compact_layout_in_a_fresh_single_threaded_process(tmp_path: Path) -> None:
    """The test process may have other tests' threads (no fork then): a new process has none."""
    out = tmp_path / "a.pdf"
    messages = logged_run("pdf.write_pdf(page(80, 60), out, base_url=out.parent, speculate=True)", out)
    assert any("speculated in process" in m for m in messages)
    assert sum("colour" in m for m in messages) == 2  # the fork's warning is logged in the parent
    assert len(pypdf.PdfReader(out).pages) == 2


TEMP_FILES = """
import sys
from pathlib import Path
from reportbot.render import pdf
from tests.render.test_pdf_layout import page

font, out = Path(sys.argv[1]), Path(sys.argv[2])
face = f'@font-face {{ font-family: "T"; src: url("{font.as_uri()}"); }} body {{ font-family: "T"; }}'
for blocks in (7, 8):  # the fork's layout is used, then the fork is stopped
    pdf.write_pdf(page(80, 60, blocks).replace("<style>", "<style>" + face), out, base_url=out.parent, speculate=True)
"""


def test_no_temporary_font_copy_is_left_behind(session_config: Config, tmp_path: Path) -> None:
    """WeasyPrint copies an @font-face font into a temporary directory; a killed fork used to leave it."""
    font = report_case.report_font(session_config).path
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "TMPDIR": str(scratch)}
    subprocess.run(
        [sys.executable, "-c", TEMP_FILES, str(font), str(tmp_path / "a.pdf")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert sorted(p.name for p in scratch.iterdir()) == []
