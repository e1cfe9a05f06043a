"""`make serve` end to end: the real command in a subprocess, called over HTTP, stopped with Ctrl-C."""
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time

import requests

from devtools.local.lambda_local import ROOT
from devtools.local.aws import free_port

STARTUP_SECONDS = 120  # imports, a moto server, training and ONNX verification on a busy machine


def user_environment() -> dict[str, str]:
    """What a user's shell has: not this test session's moto endpoint and fake credentials, nor the
    function settings other tests set (MAX_BODY_BYTES, MODEL_*): the command sets up its own."""
    return {key: value for key, value in os.environ.items() if key in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")}


class Serving:
    """`python -m devtools.local.serve` with stdout and stderr read by threads (only by them: two readers of
    one pipe would split its lines), so waiting for the banner can time out."""

    def __init__(self, port: int, *arguments: str):
        self.process = subprocess.Popen([sys.executable, "-m", "devtools.local.serve", "--port", str(port), *arguments], cwd=ROOT,
                                        env=user_environment(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        self.errors: list[str] = []
        self.readers = [threading.Thread(target=self._read, args=(self.process.stdout, self.lines.put), daemon=True),
                        threading.Thread(target=self._read, args=(self.process.stderr, self.errors.append), daemon=True)]
        for reader in self.readers:
            reader.start()
        self.out = ""

    @staticmethod
    def _read(stream, keep) -> None:
        for line in iter(stream.readline, ""):
            keep(line)

    def url(self) -> str:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                line = self.lines.get(timeout=1)
            except queue.Empty:
                continue
            self.out += line
            if line.startswith("API: "):
                return line.split()[1]
        self.process.kill()
        raise AssertionError(f"make serve did not start:\n{self.out}\n{''.join(self.errors)}")

    def stop(self) -> str:
        """Ctrl-C, then everything it wrote to stderr (stdout is in self.out)."""
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.errors.append("\n[killed: Ctrl-C did not stop it within 60 s]")
        for reader in self.readers:
            reader.join(timeout=10)
        while not self.lines.empty():
            self.out += self.lines.get()
        return "".join(self.errors)


def test_make_serve_answers_curl_style_requests_and_stops_on_ctrl_c():
    serving = Serving(free_port())
    try:
        url = serving.url()
        assert url.startswith("http://127.0.0.1:")
        assert "explanations: linear_exact" in serving.out
        predicted = requests.post(f"{url}/predict", params={"explain": "true", "top_k": "3"}, timeout=30,
                                  json={"mean_radius": 17.99, "mean_texture": 10.38, "worst_area": 2019.0})
        model = requests.get(f"{url}/model", timeout=30)
    finally:
        err = serving.stop()
    output = f"stdout:\n{serving.out}\nstderr:\n{err}"
    assert predicted.status_code == 200, output
    assert len(predicted.json()["predictions"][0]["explanation"]["contributions"]) == 3
    assert model.json()["name"] == "breast-cancer"
    assert serving.process.returncode == 0, output
    assert "Stopped." in serving.out, output
    assert "POST /predict?explain=true&top_k=3 -> 200" in err, output  # the access log


def test_make_serve_a_mixed_classifier_takes_the_csv_s_strings_and_flags_an_unseen_island():
    serving = Serving(free_port(), "--dataset", "penguins", "--runtime", "onnx")
    try:
        url = serving.url()
        penguin = {"island": "Anvers", "bill_length_mm": 39.1, "bill_depth_mm": 18.7, "flipper_length_mm": 181,
                   "body_mass_g": 3750, "sex": "male", "year": 2007}
        predicted = requests.post(f"{url}/predict", params={"explain": "true", "top_k": "7"}, json=penguin, timeout=30)
        model = requests.get(f"{url}/model", timeout=30).json()
    finally:
        err = serving.stop()
    output = f"stdout:\n{serving.out}\nstderr:\n{err}"
    assert "Serving penguins/" in serving.out and "runtime onnx" in serving.out, output
    assert '"island": "Torgersen"' in serving.out  # the banner's examples are the data set's rows
    assert predicted.status_code == 200, output
    answer = predicted.json()["predictions"][0]
    assert answer["label"] == "Adelie"
    assert [w["code"] for w in answer["warnings"]] == ["unseen_category"]
    assert {c["feature"] for c in answer["explanation"]["contributions"]} == set(penguin)  # per original feature
    assert model["task"] == "classification"
    assert {f["name"]: f["kind"] for f in model["features"]}["island"] == "categorical"


def test_make_serve_a_regressor_answers_values_and_takes_numeric_feedback():
    serving = Serving(free_port(), "--dataset", "diabetes")
    try:
        url = serving.url()
        predicted = requests.post(f"{url}/predict", json={"age": 59, "sex": 2, "bmi": 32.1, "bp": 101}, timeout=30)
        prediction_id = predicted.json()["predictions"][0]["prediction_id"]
        feedback = requests.post(f"{url}/feedback", json={"prediction_id": prediction_id, "label": 151.0}, timeout=30)
    finally:
        err = serving.stop()
    output = f"stdout:\n{serving.out}\nstderr:\n{err}"
    assert "(regression, ridge, runtime sklearn" in serving.out, output
    assert '"label": 151.0' in serving.out  # the feedback example is the first row's target
    assert predicted.status_code == 200, output
    assert isinstance(predicted.json()["predictions"][0]["value"], float)
    assert feedback.status_code < 300, output


def test_a_busy_port_fails_at_once_with_what_to_do():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = subprocess.run([sys.executable, "-m", "devtools.local.serve", "--port", str(port)], cwd=ROOT,
                                 env=user_environment(), capture_output=True, text=True, timeout=60)
    assert process.returncode == 1
    assert f"Port {port} is in use by another program" in process.stderr  # werkzeug's message
    assert "Training" not in process.stdout  # it failed before spending time on training
