"""Turns a bench/run measurement (hyperfine JSON of each round + peak memory) into the markdown
table of docs/performance.md. Usage: table.py HOSTS DIR.

bench/run times every command once a round (DIR/times-<round>.json), so a row and its floor are
timed seconds apart in each round. A row's time is the mean of its rounds, with their standard
deviation and the fastest; "ratio to its floor" divides the means; "ratio within rounds" is the
median, over the rounds, of the row's time divided by its floor's in the same round, which the
machine's drift between rounds does not move.

Rows are read in order. A "floor:" row is what the rows after it are compared with; a
"subtracted:" row is a part of the next floor that is not the floor (the build floor's read of
the resources it writes), so its time is taken off that floor, round by round; a "baseline:" row
(the Python + Jinja2 baseline) is what the rows after it, up to the next floor, are compared
with in the last column, as the baseline's time divided by theirs (how many times faster they
are).

A "lower bound:" row is a part of the next floor measured directly (the build floor's parse of
the policy). A subtraction that leaves less than it measured noise, not the floor: the floor
is then shown as not measurable, and the rows after it are compared with the lower bound
instead, which only overstates their ratios."""

import glob
import json
import os
import platform
import re
import statistics
import sys


def rounds(folder: str) -> tuple[list[str], dict[str, list[float]]]:
    """The command names in order, and each command's times, one a round, in round order."""
    paths = glob.glob(os.path.join(folder, "times-*.json"))
    paths.sort(key=lambda p: int(re.search(r"times-(\d+)\.json$", p).group(1)))
    if not paths:
        sys.exit(f"table.py: no times-<round>.json in {folder}; run bench/run")
    names: list[str] = []
    times: dict[str, list[float]] = {}
    for path in paths:
        for result in json.load(open(path))["results"]:
            name = result["command"]
            if name not in times:
                names.append(name)
                times[name] = []
            times[name].extend(result["times"])
    return names, times


def main() -> None:
    hosts, folder = sys.argv[1], sys.argv[2]
    names, times = rounds(folder)
    count = len(times[names[0]])
    memory = dict(
        line.rstrip("\n").rsplit("|", 1) for line in open(os.path.join(folder, "memory.txt"))
    )
    cpu = next(
        (l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")),
        platform.processor(),
    )
    print(
        f"{hosts} hosts; {os.cpu_count()} cores ({cpu}); {count} rounds, each running every "
        "command once; times are the mean of the rounds, and the fastest beside it.\n"
    )
    print(
        "| command | time (s) | ± (s) | fastest (s) | peak memory (MiB) | ratio to its floor "
        "| ratio within rounds (median) | times faster than the baseline |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    floor: list[float] | None = None
    baseline = None
    subtract: list[float] | None = None
    bound: list[float] | None = None
    for name in names:
        row = times[name]
        mean, fastest = statistics.mean(row), min(row)
        spread = statistics.stdev(row) if len(row) > 1 else 0.0
        ratio = ratio_rounds = speedup = ""
        shown, shown_min = f"{mean:.2f}", f"{fastest:.2f}"
        if name.startswith("lower bound"):
            bound = row
        elif name.startswith("subtracted"):
            subtract = row
        elif name.startswith("floor"):
            floor, baseline = row, None
            if subtract:
                floor = [whole - part for whole, part in zip(row, subtract)]
                less = statistics.mean(subtract)
                shown = f"{mean:.2f} − {less:.2f} = {statistics.mean(floor):.2f}"
                shown_min = f"{min(floor):.2f}"
            if bound and statistics.mean(floor) < statistics.mean(bound):
                # Less than a part of the floor measured on its own: the subtraction
                # measures noise. Compare with that part instead, a floor lower than the
                # real one.
                shown += " (not measurable; the rows below are compared with the lower bound)"
                shown_min = "–"
                floor = bound
            elif min(floor) <= 0:
                # The part to subtract took longer alone than the whole floor: the
                # subtraction measures noise, not the floor, so nothing is compared with it.
                shown += " (not measurable)"
                shown_min = "–"
                floor = None
            subtract = bound = None
        elif floor:
            ratio = f"{mean / statistics.mean(floor):.2f}x"
            ratio_rounds = f"{statistics.median(t / f for t, f in zip(row, floor)):.2f}x"
        if name.startswith("baseline"):
            baseline = mean
        elif baseline and not name.startswith(("floor", "lower bound", "subtracted")):
            # Parts of a floor are not rows to compare with the baseline.
            speedup = f"{baseline / mean:.1f}x"
        mib = int(memory.get(name, "0")) / 1024
        print(
            f"| {name} | {shown} | {spread:.2f} | {shown_min} | {mib:.0f} | {ratio} "
            f"| {ratio_rounds} | {speedup} |"
        )


if __name__ == "__main__":
    main()
