"""Prints the accuracy tables of docs/TRAINING.md and the README (markdown) from weights/manifest.json.

python reference/report.py [--confusion]"""
import argparse
import json
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
# The seed's test accuracies (its report, tables 1-5; the course split its data by clip, not by speaker).
SEED = {"little": "91.5 %", "big": "94.5 %", "coop1": "94.5 %", "coop2": "94.3 %", "coop3": "93 %",
        "coop4": "91.75 %", "coop5": "91.5 %"}


def pct(x):
    return f"{100 * x:.2f} %"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--confusion", action="store_true", help="also print each network's confusion matrix")
    args = ap.parse_args()
    m = json.loads((ROOT / "weights" / "manifest.json").read_text())
    labels = m["labels"]
    d = m["data"]
    print(f"Test split: {d['clips']} real clips, {d.get('speakers', '?')} speakers never heard in training "
          "or validation.\n")
    print("| network | input | params | MACs | sparsity | zipped | validation | **test** | seed (its own split) |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for n in m["networks"]:
        f = n["features"]
        inp = "STFT 64×64" if f["kind"] == "stft" else f"MFCC 49×{f['coefficients']}"
        print(f"| {n['name']} | {inp} | {n['params']:,} | {n['macs'] / 1e6:.1f} M | {100 * n['sparsity']:.0f} % | "
              f"{n['zip_bytes'] / 1024:.0f} KiB | {pct(n['keras_val_accuracy'])} | **{pct(n['keras_test_accuracy'])}** | "
              f"{SEED[n['name']]} |")
    print()
    print("Per-class recall on the test split:\n")
    print("| network | " + " | ".join(labels) + " |")
    print("|---|" + "---:|" * len(labels))
    rows = [(n["name"], n["keras_test_recall"]) for n in m["networks"]]
    if "coop" in m and "recall" in m["coop"]:
        rows.append(("voting", m["coop"]["recall"]))
    for name, r in rows:
        print(f"| {name} | " + " | ".join(f"{100 * r[l]:.1f}" for l in labels) + " |")
    bl = m.get("big_little")
    if bl:
        print()
        print(f"Big/Little (θ chosen on the validation split; 4.5 MB budget; little alone "
              f"{pct(bl['little_accuracy'])}, big alone {pct(bl['big_accuracy'])}):\n")
        print("| payload | bytes a request | θ | **accuracy** | requests | cost | at the seed's θ 0.35 | validation |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for p, r in bl["by_payload"].items():
            s, v = r.get("at_seed_theta"), r.get("validation")
            print(f"| {p} | {r['request_bytes']:,} | {r['theta']:.2f} | **{pct(r['accuracy'])}** | {r['requests']} | "
                  f"{r['cost_mb']:.3f} MB | {pct(s['accuracy']) if s else '–'} | {pct(v['accuracy']) if v else '–'} |")
        print("\nThe seed: 93.5 % at 4.439 MB (float32 payload).")
    coop = m.get("coop")
    if coop:
        best = coop.get("best_member_on_val")
        print()
        print(f"Cooperative majority voting (coop1–coop5): **{pct(coop['accuracy'])}** on test; the member the "
              f"validation split picks as best, {best}, has {pct(coop['best_member_on_val_test_accuracy'])} "
              f"(seed: 94.785 % against 94.5 %).")
        v = coop.get("validation")
        if v:
            print(f"On validation: voting {pct(v['pooled'])}, best member {pct(v['best_single_pooled'])}.")
    if args.confusion:
        mats = [(n["name"], n["keras_test_confusion"]) for n in m["networks"]]
        if coop and "confusion" in coop:
            mats.append(("voting", coop["confusion"]))
        for name, mat in mats:
            print(f"\n{name} (rows: truth, columns: predicted)\n")
            print("| | " + " | ".join(labels) + " |")
            print("|---|" + "---:|" * len(labels))
            for label, row in zip(labels, mat):
                print(f"| {label} | " + " | ".join(str(c) for c in row) + " |")


if __name__ == "__main__":
    main()
