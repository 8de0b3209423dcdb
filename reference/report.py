"""Prints the README's accuracy tables (markdown) from weights/manifest.json: python reference/report.py"""
import collections
import json
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
SEED = {"little": "91.5 %", "big": "94.5 %", "coop1": "94.5 %", "coop2": "94.3 %", "coop3": "93 %",
        "coop4": "91.75 %", "coop5": "91.5 %"}


def pct(x):
    return f"{100 * x:.2f} %"


def engine_groups(per_voice, counts):
    """Accuracy per engine group, weighting voices by their clip counts."""
    acc = collections.defaultdict(lambda: [0.0, 0])
    for voice, a in per_voice.items():
        group = "flite awb (held-out voice)" if voice == "flite-awb" else voice.split("-")[0] + " (held-out combos)"
        acc[group][0] += a * counts[voice]
        acc[group][1] += counts[voice]
    return {g: s / n for g, (s, n) in acc.items()}


def main():
    m = json.loads((ROOT / "weights" / "manifest.json").read_text())
    split = (ROOT / "data" / "test_split.txt").read_text().split()
    counts = collections.Counter(r.split("/")[1].split("__")[0] for r in split)
    print("| network | input | params | MACs | sparsity | zipped | val: espeak (unseen combos) | val: festival ked (unseen synthesiser) "
          "| test (held-out voices) | espeak test voices | flite awb | seed (real speech) |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in m["networks"]:
        f = n["features"]
        inp = "STFT 64×64" if f["kind"] == "stft" else f"MFCC 49×{f['coefficients']}"
        g = engine_groups(n["keras_test_accuracy_per_voice"], counts)
        print(f"| {n['name']} | {inp} | {n['params']:,} | {n['macs'] / 1e6:.1f} M | {100 * n['sparsity']:.0f} % | "
              f"{n['zip_bytes'] / 1024:.0f} KiB | {pct(n['keras_val_accuracy'])} | "
              f"{pct(n['keras_validation']['val_xeng']) if 'keras_validation' in n else '–'} | **{pct(n['keras_test_accuracy'])}** | "
              f"{pct(g['espeak (held-out combos)'])} | {pct(g['flite awb (held-out voice)'])} | {SEED[n['name']]} |")
    bl = m.get("big_little")
    if bl:
        print()
        print("| Big/Little (θ 0.35, 4.5 MB) | accuracy | requests | cost | seed |")
        print("|---|---:|---:|---:|---:|")
        for p, r in bl["by_payload"].items():
            seed = "93.5 % at 4.439 MB (float32)" if p == "float32" else ""
            print(f"| payload {p} ({r['request_bytes']:,} B a request) | **{pct(r['accuracy'])}** | {r['requests']} | "
                  f"{r['cost_mb']:.3f} MB | {seed} |")
    coop = m.get("coop")
    if coop:
        best = max(n["keras_test_accuracy"] for n in m["networks"] if n["name"] in coop["models"])
        print()
        print(f"Cooperative majority voting (coop1–coop5): **{pct(coop['accuracy'])}** "
              f"(best single cooperative network {pct(best)}; seed 94.785 % against 94.5 %).")
        v = coop.get("validation")
        if v:
            print(f"On validation (val + val_xeng pooled, where choices are made): voting {pct(v['pooled'])}, "
                  f"best single cooperative network {pct(v['best_single_pooled'])}.")


if __name__ == "__main__":
    main()
