"""Turns a bench/run measurement (hyperfine JSON + peak memory) into the markdown table of
docs/performance.md. Usage: table.py HOSTS DIR.

Rows are read in order. A "floor:" row is what the rows after it are compared with; a
"subtracted:" row is a part of the next floor that is not the floor (the build floor's read of
the resources it writes), so its time is taken off that floor; a "baseline:" row (the Python +
Jinja2 baseline) is what the rows after it, up to the next floor, are compared with in the
last column, as the baseline's time divided by theirs (how many times faster they are).

A "lower bound:" row is a part of the next floor measured directly (the build floor's parse of
the policy). A subtraction that leaves less than it measured noise, not the floor: the floor
is then shown as not measurable, and the rows after it are compared with the lower bound
instead, which only overstates their ratios."""

import json
import os
import platform
import sys


def main() -> None:
    hosts, folder = sys.argv[1], sys.argv[2]
    times = json.load(open(os.path.join(folder, "times.json")))["results"]
    memory = dict(
        line.rstrip("\n").rsplit("|", 1) for line in open(os.path.join(folder, "memory.txt"))
    )
    cpu = next(
        (l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")),
        platform.processor(),
    )
    print(
        f"{hosts} hosts; {os.cpu_count()} cores ({cpu}); times are the mean of the runs, and "
        "the fastest run beside it.\n"
    )
    print(
        "| command | time (s) | ± (s) | fastest (s) | peak memory (MiB) | ratio to its floor "
        "| ratio of the fastest runs | times faster than the baseline |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    floor = floor_min = baseline = None
    subtract = subtract_min = bound = bound_min = 0.0
    for result in times:
        name = result["command"]
        mean, fastest = result["mean"], result["min"]
        ratio = ratio_min = speedup = ""
        shown, shown_min = f"{mean:.2f}", f"{fastest:.2f}"
        if name.startswith("lower bound"):
            bound, bound_min = mean, fastest
        elif name.startswith("subtracted"):
            subtract, subtract_min = mean, fastest
        elif name.startswith("floor"):
            floor, floor_min, baseline = mean - subtract, fastest - subtract_min, None
            if subtract:
                shown = f"{mean:.2f} − {subtract:.2f} = {floor:.2f}"
                shown_min = f"{fastest:.2f} − {subtract_min:.2f} = {floor_min:.2f}"
            if bound and (floor < bound or floor_min < bound_min):
                # Less than a part of the floor measured on its own: the subtraction
                # measures noise. Compare with that part instead, a floor lower than the
                # real one.
                shown += " (not measurable; the rows below are compared with the lower bound)"
                floor, floor_min = bound, bound_min
            elif floor <= 0 or floor_min <= 0:
                # The part to subtract took longer alone than the whole floor: the
                # subtraction measures noise, not the floor, so nothing is compared with it.
                shown += " (not measurable)"
                floor = floor_min = None
            subtract = subtract_min = bound = bound_min = 0.0
        elif floor:
            ratio = f"{mean / floor:.2f}x"
            ratio_min = f"{fastest / floor_min:.2f}x"
        if name.startswith("baseline"):
            baseline = mean
        elif baseline and not name.startswith("floor"):
            speedup = f"{baseline / mean:.1f}x"
        mib = int(memory.get(name, "0")) / 1024
        spread = result.get("stddev") or 0.0
        print(
            f"| {name} | {shown} | {spread:.2f} | {shown_min} | {mib:.0f} | {ratio} "
            f"| {ratio_min} | {speedup} |"
        )

if __name__ == "__main__":
    main()
