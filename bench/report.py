"""The run's table, its machine facts and its chart, under bench/results/."""

import json
import os
import platform
import subprocess
from datetime import date
from importlib.metadata import version
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
SIZES = (10, 100, 1000)
KINDS = ("ours", "stock", "bare")


def brief(figures):
    return (
        f"p50 {figures['p50_ms']:.1f} ms, p99 {figures['p99_ms']:.1f} ms, "
        f"{figures['cpu_us_per_delivery']:.1f} µs CPU/delivery, "
        f"{figures['deliveries_per_s']:,.0f} deliveries/s, "
        f"lost {figures['lost']}, duplicates {figures['duplicates']}; "
        f"load generator {figures['load_us_per_delivery']:.0f} µs/delivery, "
        f"{figures['load_cpu_share']:.0%} of its core"
    )


def git(*args):
    return subprocess.run(
        ["git", *args], capture_output=True, text=True, check=True
    ).stdout.strip()


def machine():
    cpu = next(
        line.split(":", 1)[1].strip()
        for line in Path("/proc/cpuinfo").read_text().splitlines()
        if line.startswith("model name")
    )
    return {
        "date": date.today().isoformat(),
        "commit": git("rev-parse", "--short", "HEAD"),
        "dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        # Latencies move with whatever else runs; this says how busy it was.
        "load_average": os.getloadavg(),
        "packages": {
            name: version(name)
            for name in (
                "django",
                "channels",
                "channels-redis",
                "uvicorn",
                "websockets",
            )
        },
    }


def sustained(ladder):
    held = [step for step in ladder if step["held"]]
    return held[-1] if held else None


def table(figures, facts):
    ours, stock, bare = (figures[kind] for kind in KINDS)
    rows = [("what", "ours", "stock Channels", "bare ASGI")]
    for size in SIZES:
        rows.append(
            (f"fan-out latency p50 / p99, N = {size:,}",)
            + tuple(
                f"{figures[kind][size]['p50_ms']:.1f} / {figures[kind][size]['p99_ms']:.1f} ms"
                for kind in KINDS
            )
        )
    rows.append(
        ("server CPU per message, N = 10 (messages/s per core)",)
        + tuple(
            f"{figures[k][10]['cpu_us_per_message']:.0f} µs "
            f"({1e6 / figures[k][10]['cpu_us_per_message']:,.0f})"
            for k in KINDS
        )
    )
    floor = figures["floor"]
    rows.append(
        (
            "the steps only ours takes per message, validate + store + draw, "
            "each alone in a warm loop",
            " + ".join(f"{us:.0f}" for us in floor.values())
            + f" = {sum(floor.values()):.0f} µs",
            "–",
            "–",
        )
    )
    rows.append(
        ("server CPU per delivery, N = 100",)
        + tuple(f"{figures[k][100]['cpu_us_per_delivery']:.0f} µs" for k in KINDS)
    )
    best = sustained(ours["ladder"])
    rows.append(
        (
            "most deliveries/s one core sustains, N = 100 (p99 < 100 ms, none lost)",
            f"{best['deliveries_per_s']:,.0f}" if best else "under the first step",
            "–",
            "–",
        )
    )
    lost = sum(
        figures[k][s]["lost"] + figures[k][s]["duplicates"]
        for k in KINDS
        for s in SIZES
    )
    rows.append(("messages lost or repeated, all phases", str(lost), "", ""))
    rows.append(
        ("1,000 connecting at once: connected, failed, seconds",)
        + tuple(
            f"{figures[k]['storm']['connected']}, {figures[k]['storm']['failed']}, "
            f"{figures[k]['storm']['seconds']:.2f} s"
            for k in KINDS
        )
    )
    catch_up = ours["catch_up"]
    rows.append(
        (
            f"{catch_up['reconnects']} tabs back at once, {catch_up['missed_each']} "
            "messages missed each: re-sent, lost, seconds, CPU per caught-up message",
            f"{catch_up['re_sent']}, {catch_up['lost']}, "
            f"{catch_up['seconds']:.1f} s, {catch_up['cpu_us_per_caught_up_message']:.0f} µs",
            "–",
            "–",
        )
    )
    rows.append(
        ("idle memory per open socket",)
        + tuple(
            f"{figures[k]['storm']['rss_per_socket'] / 1024:.0f} KiB" for k in KINDS
        )
    )
    ratios = {
        "cpu stock ÷ ours, N = 10": stock[10]["cpu_us_per_delivery"]
        / ours[10]["cpu_us_per_delivery"],
        "cpu ours ÷ bare": ours[100]["cpu_us_per_delivery"]
        / bare[100]["cpu_us_per_delivery"],
        "cpu stock ÷ ours": stock[100]["cpu_us_per_delivery"]
        / ours[100]["cpu_us_per_delivery"],
        "p99 ours ÷ bare, N = 1,000": ours[1000]["p99_ms"] / bare[1000]["p99_ms"],
        "p99 stock ÷ ours, N = 1,000": stock[1000]["p99_ms"] / ours[1000]["p99_ms"],
    }
    lines = [
        f"{facts['date']}, commit {facts['commit']}{' (dirty)' if facts['dirty'] else ''}, "
        f"{facts['cpu']}, {facts['cores']} cores, Python {facts['python']}, "
        f"{figures['layer']} channel layer; server on one core, load on the other.",
        "",
        "| " + " | ".join(rows[0]) + " |",
        "|" + "---|" * len(rows[0]),
        *("| " + " | ".join(row) + " |" for row in rows[1:]),
        "",
        "Ratios: "
        + "; ".join(f"{name} {value:.1f}×" for name, value in ratios.items()),
        "",
        *(
            f"Server CPU per delivery at N = {size} in each window, lowest first "
            "(the table shows the median): "
            + "; ".join(
                f"{kind} "
                + ", ".join(f"{us:.0f}" for us in figures[kind][size]["cpu_windows_us"])
                + " µs"
                for kind in KINDS
            )
            for size in (10, 100)
        ),
    ]
    return "\n".join(lines), ratios


def chart(figures, path):
    try:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib import pyplot
    except ImportError:
        print("matplotlib is missing (pip install -e '.[bench]'): no chart")
        return None
    figure, axes = pyplot.subplots(figsize=(7, 4.5))
    colours = {"ours": "tab:blue", "stock": "tab:red", "bare": "tab:gray"}
    for kind in KINDS:
        for percent, style in (("p50", "--"), ("p99", "-")):
            axes.plot(
                SIZES,
                [figures[kind][size][f"{percent}_ms"] for size in SIZES],
                style,
                marker="o",
                color=colours[kind],
                label=f"{kind} {percent}",
            )
    axes.set(
        xscale="log",
        yscale="log",
        xlabel="people in the room",
        ylabel="send → receipt, ms",
        title="Fan-out latency against room size",
    )
    axes.set_xticks(SIZES, [f"{size:,}" for size in SIZES])
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(ncols=3, fontsize="small")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    return path


def write(figures):
    facts = machine()
    text, ratios = table(figures, facts)
    RESULTS.mkdir(exist_ok=True)
    stem = RESULTS / f"{facts['date']}-{facts['commit']}"
    image = chart(figures, stem.with_suffix(".png"))
    markdown = text
    if image:
        markdown += f"\n\n![Fan-out latency against room size]({image.name})\n"
    stem.with_suffix(".md").write_text(markdown + "\n")
    record = {"machine": facts, "ratios": ratios, "figures": figures}
    stem.with_suffix(".json").write_text(json.dumps(record, indent=2) + "\n")
    print()
    print(text)
    print(f"\nwritten: {stem}.md, .json{', .png' if image else ''}")
