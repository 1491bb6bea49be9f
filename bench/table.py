"""Turns a bench/run measurement (hyperfine JSON + peak memory) into the markdown table of
docs/performance.md. Usage: table.py HOSTS DIR. Each `diff` row is compared with the floor
row just before it (serde_yaml parsing the same input)."""

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
    print(f"{hosts} hosts; {os.cpu_count()} cores ({cpu}); times are the mean of the runs.\n")
    print("| command | time (s) | ± (s) | peak memory (MiB) | ratio to its floor |")
    print("| --- | ---: | ---: | ---: | ---: |")
    floor = None
    for result in times:
        name = result["command"]
        mean = result["mean"]
        ratio = ""
        if name.startswith("floor"):
            floor = mean
        elif floor:
            ratio = f"{mean / floor:.2f}x"
        mib = int(memory.get(name, "0")) / 1024
        spread = result.get("stddev") or 0.0
        print(f"| {name} | {mean:.2f} | {spread:.2f} | {mib:.0f} | {ratio} |")


if __name__ == "__main__":
    main()
