"""Prove that `dlicourse grade --per-attempt` stops a learner learning the hidden set by resubmitting (issue 35, §4).

A learner with NO model hands in `--attempts` times (default 50), each time a new `submission.py` built from every
earlier attempt's feedback, exactly the feedback the platforms show a learner and nothing more:

- the learner's report (`grading.report(result, public=True)`) and Gradescope's results.json (its three visible
  tests: the score, and "R of M whale images right", "R of M not whale images right"): the class balance;
- PrairieLearn's results.json: at most four crops it got wrong (two a class), each a PNG labelled "answered 'X',
  not 'Y'". Anonymised names say nothing; the pixels do. A crop shown as wrong while answering X is the other class.

Its strategy: a dictionary from an image's content (the SHA-256 of its decoded RGB pixels and size) to the label
feedback taught it, baked into each new `submission.py` (so every attempt's hand-in, and its hash, changes). An
image it has not seen gets the majority class where the per-class counts say one class is larger, else a coin
from the image's hash (the sets are half whales: a coin makes mistakes of both classes, so PrairieLearn shows four
crops an attempt rather than two). It plays against

- `fixed`: one hidden set from `--seed`, every attempt graded on it (the README's default: `dlicourse grade --seed`);
- `per_attempt`: `--per-attempt` from the same seed: each hand-in on its own draw, `testsets.attempt_set(n, seed,
  files_sha256)`, the hash taken as `dlicourse grade` takes it (`handin.digest`).

Both go through the library's own `grading.grade`, isolated as `dlicourse grade` isolates by default, and the
platforms' own writers (`gradescope.results`, `prairielearn.results`). Writes probing.json, probing.md and
probing.png (attempt vs score, with the 0.65 chance bound and the pass mark) into `--out`. The claim it checks
(exit 0): against per-attempt draws the best score stays at chance (at most 0.65), while against the fixed set the
score climbs (its last attempt above the per-attempt draws' best).

The full measurement (50 attempts a mode on 200 images, the default hidden set's size):

    nice -n 10 .venv/bin/python benchmarks/probing.py                     # writes benchmarks/results/probing.*

A smoke run: `nice -n 10 .venv/bin/python benchmarks/probing.py --attempts 6 --n 40 --out /tmp/probing` took 30 s
on a shared 2-core Intel Xeon (a KVM guest, load average about 2, 2026-12-08): a median 0.2 s an attempt on the
fixed set of 40 (the first 3.6 s, starting the zygote and drawing the set), 2.9 s with its own draw of 40 (drawing
included). Drawing 200 crops takes about 12 s there, so the full run is roughly 50 x 1 s + 50 x 13 s, some 12
minutes, nearly all of it drawing the per-attempt sets.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import os
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from dlicourse import environment, files, grading
from dlicourse.grading import gradescope, handin, prairielearn, testsets
from dlicourse.grading.answers import ANSWERS, PASS_ACCURACY
from dlicourse.grading.isolation import unavailable
from dlicourse.paths import project_root

SEED = 2_026_1208  # the benchmark's class seed: fixed, so the curves can be reproduced
CHANCE_BOUND = 0.65  # the bound: a learner with no model, however it probes, stays at or below it
MODES = ("fixed", "per_attempt")

# The learner's hand-in. Its dictionary is baked in; PIL is what every hand-in's environment has.
SUBMISSION = '''"""A learner with no model: the answers it learned from feedback, by content (attempt {attempt})."""
import hashlib

from PIL import Image

KNOWN = {known!r}
COUNTS = {counts!r}


def pixels_hash(image):
    image = image.convert("RGB")
    return hashlib.sha256(f"{{image.width}}x{{image.height}}:".encode() + image.tobytes()).hexdigest()


def guess(digest):
    if COUNTS and len(set(COUNTS.values())) > 1:
        return max(COUNTS, key=COUNTS.get)
    return ("whale", "not whale")[int(digest[:2], 16) % 2]


def predict(path):
    digest = pixels_hash(Image.open(path))
    return KNOWN.get(digest) or guess(digest)
'''


def pixels_hash(image) -> str:  # noqa: ANN001 - a PIL image
    """The learner's key for an image: its decoded pixels (what `SUBMISSION` computes inside the sandbox)."""
    image = image.convert("RGB")
    return hashlib.sha256(f"{image.width}x{image.height}:".encode() + image.tobytes()).hexdigest()


def array_hash(array) -> str:  # noqa: ANN001 - a uint8 RGB array, as a test set holds it
    from PIL import Image

    return pixels_hash(Image.fromarray(array))


@dataclass
class Learner:
    """What a learner without a model knows after some attempts: labels by content, and the class balance."""

    known: dict[str, str] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    attempts: int = 0

    def submission(self) -> str:
        """The next attempt's `submission.py` (its attempt number and dictionary in it: a new hash each time)."""
        self.attempts += 1
        return SUBMISSION.format(attempt=self.attempts, known=dict(sorted(self.known.items())),
                                 counts=dict(sorted(self.counts.items())))

    def learn(self, feedback: dict) -> int:
        """Take what one attempt's feedback shows (`feedback`); return how many images it newly learned."""
        from PIL import Image

        for test in feedback["gradescope"].get("tests", []):
            found = re.search(r"(\d+) of (\d+) (whale|not whale) images right", test["output"])
            if found:
                self.counts[found.group(3)] = int(found.group(2))
        learned = 0
        for shown in feedback["prairielearn"].get("images", []):
            answered = re.match(r"answered '([^']*)'", shown["label"])
            if not answered or answered.group(1) not in ANSWERS:
                continue
            png = base64.b64decode(shown["url"].split(",", 1)[1])
            digest = pixels_hash(Image.open(io.BytesIO(png)))
            label = next(a for a in ANSWERS if a != answered.group(1))  # two classes: wrong while X means the other
            learned += digest not in self.known
            self.known[digest] = label
        return learned


def feedback(result: grading.Grade, test_set: grading.TestSet) -> dict:
    """Everything a learner is shown for one attempt, from the platforms' own writers: the learner's report,
    Gradescope's results.json and PrairieLearn's (with its few wrong crops)."""
    return {"report": grading.report(result, public=True), "gradescope": gradescope.results(result),
            "prairielearn": prairielearn.results(result, test_set)}


def play(mode: str, attempts: int, n: int, seed: int, folder: Path, isolated: bool | None = True,
         limits: grading.Limits | None = None, fixed_set: grading.TestSet | None = None) -> tuple[Learner, list[dict]]:
    """The learner's `attempts` hand-ins in `mode` ("fixed" or "per_attempt"), each graded as `dlicourse grade`
    grades it; one record per attempt: its score, what it had learned before, and how many of the images it was
    graded on that dictionary held (the grader's count: the learner never sees it)."""
    if mode not in MODES:
        raise ValueError(f"mode is one of {MODES}, not {mode!r}")
    learner, records = Learner(), []
    if mode == "fixed":
        fixed_set = fixed_set or grading.whale_set(n, seed=seed)
    for attempt in range(1, attempts + 1):
        started = time.perf_counter()
        submission = folder / mode / f"attempt_{attempt:03d}" / "submission.py"
        submission.parent.mkdir(parents=True)
        submission.write_text(learner.submission())
        sha256 = handin.digest(submission)
        test_set = fixed_set if mode == "fixed" else testsets.attempt_set(n, seed, sha256)
        known_before = dict(learner.known)
        hits = sum(array_hash(image) in known_before for image in test_set.images)
        result = grading.grade(submission, test_set, limits or grading.Limits(), isolated=isolated)
        if result.problem or result.files_sha256 != sha256:
            raise RuntimeError(f"attempt {attempt} ({mode}) was not graded cleanly: {result.problem or 'hash changed'}")
        learned = learner.learn(feedback(result, test_set))
        records.append({"attempt": attempt, "score": round(result.accuracy, 4), "correct": result.correct,
                        "total": result.total, "known_before": len(known_before), "hits_in_set": hits,
                        "learned": learned, "files_sha256": sha256,
                        "seconds": round(time.perf_counter() - started, 2)})
        print(f"{mode:>11} attempt {attempt:3d}: score {result.accuracy:.3f}, knew {len(known_before)} images, "
              f"{hits} of them in this set; {records[-1]['seconds']:.1f} s", file=sys.stderr)
    return learner, records


def _figure(path: Path, runs: dict[str, list[dict]], n: int) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.0), dpi=110)
    for mode, label, style in (("fixed", "one fixed hidden set (--seed)", "o-"),
                               ("per_attempt", "a draw per attempt (--per-attempt)", "s-")):
        records = runs[mode]
        ax.plot([r["attempt"] for r in records], [r["score"] for r in records], style, markersize=3, label=label)
    ax.axhline(CHANCE_BOUND, color="grey", linestyle="--", linewidth=1, label=f"chance bound ({CHANCE_BOUND:.2f})")
    ax.axhline(PASS_ACCURACY, color="red", linestyle=":", linewidth=1.2,
               label=f"pass mark (more than {PASS_ACCURACY:.2f})")
    ax.set_xlabel("attempt (each using every earlier attempt's feedback)")
    ax.set_ylabel(f"score (fraction right of {n} hidden images)")
    ax.set_ylim(0, 1.02)
    ax.set_title("A learner with no model, resubmitting")
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)


def _markdown(figures: dict) -> str:
    fixed, drawn = figures["runs"]["fixed"], figures["runs"]["per_attempt"]
    rows = "".join(f"| {a['attempt']} | {a['score']:.3f} | {a['known_before']} | {a['hits_in_set']} | "
                   f"{b['score']:.3f} | {b['known_before']} | {b['hits_in_set']} |\n"
                   for a, b in zip(fixed, drawn, strict=True))
    return (f"# Probing the hidden set by resubmitting (issue 35, section 4)\n\n"
            f"`{figures['command']}`, on {figures['machine']} ({figures['device']}), load average "
            f"{figures['load_average_at_start']:.1f} at the start, {figures['load_average_at_end']:.1f} at the end; "
            f"{figures['n']} hidden images, class seed {figures['seed']}, isolated: {figures['isolated']}.\n\n"
            f"- Fixed set: best {figures['best']['fixed']:.3f}, last {fixed[-1]['score']:.3f}.\n"
            f"- A draw per attempt: best {figures['best']['per_attempt']:.3f} (bound {CHANCE_BOUND}), "
            f"images of a later draw that the dictionary held: {sum(r['hits_in_set'] for r in drawn)}.\n"
            f"- Seconds an attempt (median): fixed {figures['median_seconds']['fixed']}, per attempt "
            f"{figures['median_seconds']['per_attempt']} (its own draw included).\n"
            f"- Claim holds: {figures['claim_holds']}.\n\n![attempt vs score](probing.png)\n\n"
            "| attempt | fixed: score | fixed: knew | fixed: known in set | per attempt: score | per attempt: knew "
            "| per attempt: known in set |\n|---|---|---|---|---|---|---|\n" + rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=50, help="hand-ins in each mode (default: 50)")
    parser.add_argument("--n", type=int, default=grading.DEFAULT_HIDDEN_SIZE,
                        help=f"images in the hidden set and in each draw (default: {grading.DEFAULT_HIDDEN_SIZE})")
    parser.add_argument("--seed", type=int, default=SEED, help="the class's seed (the fixed set's and the draws')")
    parser.add_argument("--out", default=str(project_root() / "benchmarks" / "results"))
    parser.add_argument("--unsafe-no-isolation", action="store_true",
                        help="grade without the sandbox (the learner's code is ours; where namespaces cannot be made)")
    args = parser.parse_args()
    isolated = not args.unsafe_no_isolation
    if isolated and (why := unavailable()) is not None:
        raise SystemExit(f"isolated grading is unavailable here: {why} (or pass --unsafe-no-isolation)")
    from dlicourse.environment import device_summary

    figures: dict = {"command": "benchmarks/probing.py " + " ".join(sys.argv[1:]), "machine": environment.cpu_name(),
                     "device": device_summary(), "load_average_at_start": os.getloadavg()[0], "n": args.n,
                     "seed": args.seed, "attempts": args.attempts, "isolated": isolated, "runs": {}}
    with tempfile.TemporaryDirectory(prefix="dlicourse-probing-") as tmp:
        for mode in MODES:
            _, figures["runs"][mode] = play(mode, args.attempts, args.n, args.seed, Path(tmp), isolated)
    runs = figures["runs"]
    figures["load_average_at_end"] = os.getloadavg()[0]
    figures["best"] = {mode: max(r["score"] for r in runs[mode]) for mode in MODES}
    figures["median_seconds"] = {mode: sorted(r["seconds"] for r in runs[mode])[len(runs[mode]) // 2]
                                 for mode in MODES}
    figures["claim_holds"] = (figures["best"]["per_attempt"] <= CHANCE_BOUND
                              and runs["fixed"][-1]["score"] > figures["best"]["per_attempt"])
    out = Path(args.out)
    files.write_json(out / "probing.json", figures)
    _figure(out / "probing.png", runs, args.n)
    files.write_text(out / "probing.md", _markdown(figures))
    print(json.dumps({k: v for k, v in figures.items() if k != "runs"}, indent=2))
    return 0 if figures["claim_holds"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
