"""Start-up time: seconds from `python app.py` to the first HTTP 200 from its page, beside the time
of `python -c "import torch, gradio"` (the floor no app built on them can go under), same run.

    python bench/startup.py [--repeats 3] [--weights FOLDER] [--check]

Both are cold interpreter starts, timed in turns (imports, app, imports, app, ...) so a load that
comes and goes on the machine hits both alike; the best of --repeats counts, the median is shown
too. The app is polled every 20 ms on a free port, then stopped. --weights sets LYRICGEN_WEIGHTS
(default: the app's own weights/).

Target: the app answers at most 2 s later than the bare imports take.
Prints one line per figure, then one JSON line:
{"imports_s": ..., "app_first_200_s": ..., "extra_s": ...}
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

from server import ROOT, answers, child_env, free_port, stop  # bench/server.py, beside this script

TARGET_EXTRA_S = 2.0
POLL_S = 0.02
TIMEOUT_S = 120.0


def time_imports(env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import torch, gradio"], env=env, cwd=ROOT, check=True)
    return time.perf_counter() - start


def time_app(env: dict[str, str]) -> float:
    """Seconds from starting `python app.py --port P` to the first 200 from http://127.0.0.1:P/."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    start = time.perf_counter()
    server = subprocess.Popen([sys.executable, "app.py", "--port", str(port)], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        while True:
            if answers(url):
                return time.perf_counter() - start
            if server.poll() is not None:
                raise SystemExit(f"app.py exited with status {server.returncode}:\n{server.stderr.read()}")
            if time.perf_counter() - start > TIMEOUT_S:
                raise SystemExit(f"app.py did not answer within {TIMEOUT_S:.0f} s")
            time.sleep(POLL_S)
    finally:
        stop(server)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3, help="cold starts of each; the best counts")
    parser.add_argument("--weights", default=None, help="weights root for the app (default: its weights/)")
    parser.add_argument("--check", action="store_true", help="exit 1 when the target is missed")
    args = parser.parse_args(argv)
    env = child_env(args.weights)
    imports, app = [], []
    time_imports(env)  # once untimed: the first start after an install also compiles .pyc files
    for _ in range(args.repeats):
        imports.append(time_imports(env))
        app.append(time_app(env))
    best_imports, best_app = min(imports), min(app)
    extra = best_app - best_imports
    print(f"python -c 'import torch, gradio': {best_imports:.2f} s (median {statistics.median(imports):.2f} s)")
    print(f"python app.py → first 200:       {best_app:.2f} s (median {statistics.median(app):.2f} s)")
    ok = extra <= TARGET_EXTRA_S
    print(f"app beyond the imports:          {extra:.2f} s  [target ≤ {TARGET_EXTRA_S:g} s: "
          f"{'ok' if ok else 'MISSED'}]")
    print(json.dumps({"imports_s": round(best_imports, 3), "app_first_200_s": round(best_app, 3),
                      "extra_s": round(extra, 3)}))
    if args.check and not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
