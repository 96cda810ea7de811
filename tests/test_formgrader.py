"""Manual grading in nbgrader's own formgrader, in a real browser: a released report autograded by
nbgrader shows its answer and plot cells with their points; a score and a comment typed into the
page land in the gradebook and in `nbgrader export`.

The Jupyter server runs on loopback in the test; headless Chromium (Playwright) may reach only it.
Offline, formgrader's page needs a stand-in for MathJax (it loads it from a CDN), see below.
"""
import csv
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from autograder import course, release
from autograder.course import course_root

A3 = course.get("a3_positional_encoding")


def nbgrader(root, *args):
    env = {**os.environ, "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"],
           "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=root, env=env,
                          capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def formgrader(tmp_path):
    """(course root, base URL, token): alice's reference report autograded by nbgrader, and a
    Jupyter server with nbgrader's formgrader serving that course on loopback."""
    root = tmp_path / "course"
    root.mkdir()
    shutil.copy(course_root() / "nbgrader_config.py", root)
    release.stage(A3, root)
    nbgrader(root, "generate_assignment", A3.id, "--force")
    folder = root / "build" / "nbgrader" / "submitted" / "alice" / A3.id
    shutil.copytree(root / "release" / A3.id, folder)
    for module in A3.modules:
        shutil.copy(A3.solution_dir / module, folder / module)
    shutil.copy(A3.solution_dir / A3.notebook, folder / A3.notebook)
    nbgrader(root, "autograde", A3.id, "--force")

    port, token = free_port(), secrets.token_hex(16)
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen([sys.executable, "-m", "jupyter_server", "--no-browser", "--allow-root", "--ip=127.0.0.1",
                               f"--port={port}", f"--IdentityProvider.token={token}",
                               f"--ServerApp.root_dir={root}"],
                              cwd=root, stdout=log, stderr=subprocess.STDOUT,
                              env={**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")})
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=5)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("the Jupyter server did not start:\n" + (tmp_path / "server.log").read_text()[-3000:])
                time.sleep(1)
        yield root, base, token
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.mark.slow
def test_a_score_entered_in_formgrader_reaches_the_gradebook_and_the_export(formgrader, tmp_path):
    from nbgrader.api import Gradebook
    from playwright.sync_api import sync_playwright

    root, base, token = formgrader
    db = f"sqlite:///{root / 'build' / 'nbgrader' / 'gradebook.db'}"
    with Gradebook(db) as gb:
        submission = gb.find_submission_notebook("report", A3.id, "alice").id
        autograded = gb.find_submission(A3.id, "alice").score
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        pytest.fail("chromium is not installed: `apt-get install chromium` (make system-deps does it)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, args=["--no-sandbox", "--disable-gpu"])
        context = browser.new_context()
        # Only the server under test: anything else (a CDN) is refused at once.
        context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base)
                      else route.abort())
        # formgrader loads MathJax from a CDN and stops setting up its fields when MathJax is missing
        # ("MathJax is not defined"); offline, this stands in for the one call it makes at start-up.
        context.add_init_script("window.MathJax = {Hub: {Startup: {signal: {Interest: function () {}}}, "
                                "Queue: function () {}}};")
        page = context.new_page()
        seen = []  # for the failure message: what the page said and which requests failed
        page.on("console", lambda message: seen.append(f"console {message.type}: {message.text}"))
        page.on("pageerror", lambda error: seen.append(f"page error: {error}"))
        page.on("response", lambda r: r.status >= 300 and seen.append(f"HTTP {r.status} {r.request.method} {r.url}"))
        page.goto(f"{base}/login")  # as a TA logs in: formgrader's API calls need the login cookie
        page.fill("input[type=password]", token)
        page.press("input[type=password]", "Enter")
        page.wait_for_load_state("networkidle")
        # networkidle: formgrader binds its fields once it has fetched the grades
        page.goto(f"{base}/formgrader/submissions/{submission}/", wait_until="networkidle")
        assert page.evaluate("formgrader.grades.loaded && formgrader.comments.loaded"), seen
        for grade_id, points in [("task1_answer", 4), ("task2_plot", 1), ("task3_plot", 1), ("task4_answer", 2)]:
            field = page.locator(f"input.score#{grade_id}")
            assert field.is_visible(), f"{grade_id} has a points field in formgrader"
            cell = page.locator(".nbgrader_cell", has=field)
            assert f"/ {points:g}" in cell.inner_text().replace(".0", ""), cell.inner_text()
        # The rubric (from the solution notebook, not in what students submit) follows its cell.
        text = page.locator("body").inner_text()
        for grade_id, words in [("task1_answer", "1 pt: expansion (i) with all four terms"),
                                ("task2_plot", "judge the plot on its own")]:
            note = f"For the grader: {grade_id}"
            assert note in text and words in text.split(note, 1)[1].split("For the grader:")[0], (grade_id, text[:3000])
        page.fill("input.score#task1_answer", "3")
        page.press("input.score#task1_answer", "Tab")
        page.fill("textarea#task1_answer-comment", "Expansion (ii): write the block product out.")
        page.press("textarea#task1_answer-comment", "Tab")
        deadline = time.monotonic() + 30
        while True:
            with Gradebook(db) as gb:
                grade = gb.find_grade("task1_answer", "report", A3.id, "alice")
                comment = gb.find_comment("task1_answer", "report", A3.id, "alice")
                got = (grade.manual_score, comment.manual_comment)
            if got == (3, "Expansion (ii): write the block product out.") or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        browser.close()
    assert got == (3, "Expansion (ii): write the block product out."), (got, seen)
    nbgrader(root, "export", "--to", str(tmp_path / "grades.csv"))
    rows = {r["student_id"]: r for r in csv.DictReader((tmp_path / "grades.csv").open())}
    assert float(rows["alice"]["score"]) == autograded + 3, (rows["alice"], autograded)
