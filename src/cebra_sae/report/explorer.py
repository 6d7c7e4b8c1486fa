"""The latent explorer: one self-contained HTML page per rat x dim (first CEBRA seed).

A reader picks a representation and a latent and sees what users of each field already look
at (SAE-Vis / Neuronpedia feature dashboards; pynapple-style tuning curves): the latent's
tuning curve per running direction, its activation over the validation split with the
position under it, its top neurons (by ``|r|`` and by attribution) with their own place
fields, whether it has a match across SAE seeds, and its untrained twin's closest latent.
Everything is computed here from the case's files (no metric the tables already hold is
recomputed: curves, place-field-likeness, SI and the attributed neuron are read) and written
into the page as JSON; the page draws it with inline SVG and script, so it works offline,
without a server or a CDN. ``#rep=<model_id>&latent=<i>`` in the address selects a latent.

Example:
    >>> html = explorer_html({"title": "t", "reps": []})
    >>> html.startswith("<!DOCTYPE html>") and "http" not in html.split("<script>")[1]
    True
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from cebra_sae.measures.membership import correlation_attribution
from cebra_sae.posthoc.tuning import binned_means, position_bins, track_edges
from cebra_sae.report.labels import representation_label

#: Points of a latent's activation trace in the page (the validation split, subsampled;
#: a page holds every latent's, so this sets most of its size).
TRACE_POINTS = 300
#: Neurons listed per latent, by |r| with it.
TOP_NEURONS = 3


def _round(values, digits: int = 3) -> list:
    """JSON-ready floats (NaN as None), rounded."""
    out = np.round(np.asarray(values, dtype=np.float64), digits)
    return [None if np.isnan(v) else float(v) for v in out.ravel()]


def explorer_data(
    labels_valid: np.ndarray,
    spikes_valid: np.ndarray,
    positions_all: np.ndarray,
    latents: dict,
    table: pd.DataFrame,
    curves: pd.DataFrame,
    directions: dict | None = None,
    title: str = "",
    unit: str = "m",
) -> dict:
    """The page's data for one case.

    Args:
        labels_valid, spikes_valid: the validation split (position, right, left; counts).
        positions_all: every position of the recording (the curves' bin edges).
        latents: the case's ``latents.npz`` (``{model_id}_valid``).
        table: the case's ``latents.parquet`` rows (place-field-like, SI, attribution).
        curves: the case's ``tuning_curves.parquet`` rows (the representations shown).
        directions: per model id, ``{"match": (partner, cos, other_seed), "twin": (partner,
            cos)}`` from its decoder (SAEs: :func:`closest`), where known.
    """
    directions = directions or {}
    n_bins = int(curves.bin.max()) + 1 if len(curves) else 0
    edges = track_edges(positions_all, max(n_bins, 1))
    centres = (edges[:-1] + edges[1:]) / 2
    position, right = labels_valid[:, 0], labels_valid[:, 1] > 0.5
    step = max(1, len(position) // TRACE_POINTS)
    bins = position_bins(position, edges)
    neuron_curves = {}
    for name, mask in (("right", right), ("left", ~right)):
        means, _ = binned_means(np.asarray(spikes_valid[mask], np.float64), bins[mask], n_bins)
        neuron_curves[name] = means  # (n_bins, N)
    reps, used = [], set()
    for model_id, rows in curves.groupby("model_id", sort=False):
        rep = rows.representation.iloc[0]
        k = rows.k.iloc[0]
        valid = np.asarray(latents[f"{model_id}_valid"], dtype=np.float64)
        r = correlation_attribution(valid, spikes_valid)  # (P, N)
        mine = table[table.model_id == model_id].set_index("latent")
        found = directions.get(model_id, {})
        entries = []
        for latent, of_latent in rows.groupby("latent"):
            top = np.argsort(-r[latent], kind="stable")[:TOP_NEURONS]
            used.update(top.tolist())
            row = mine.loc[latent] if latent in mine.index else None
            attributed = None
            if row is not None and not pd.isna(row.get("attribution_neuron", np.nan)):
                attributed = [int(row.attribution_neuron), int(row.attribution_rank)]
                used.add(attributed[0])
            curve = of_latent.pivot_table(index="direction", columns="bin", values="activation",
                                          dropna=False).reindex(columns=range(n_bins))  # fmt: skip
            entry = {
                "i": int(latent),
                "right": _round(curve.loc["right"]) if "right" in curve.index else [],
                "left": _round(curve.loc["left"]) if "left" in curve.index else [],
                "act": _round(valid[::step, latent]) if valid[:, latent].any() else [],
                "top": [[int(n), round(float(r[latent, n]), 3)] for n in top],
                "attr": attributed,
                "pf": bool(row.place_field_like) if row is not None else False,
                "si": None if row is None else _round([row.spatial_information])[0],
            }
            for key in ("match", "twin"):
                if key in found:
                    partner, cos = found[key][0][latent], found[key][1][latent]
                    entry[key] = (None if partner < 0 else
                                  {"partner": int(partner), "cos": round(float(cos), 3),
                                   **({"seed": int(found[key][2])} if len(found[key]) > 2
                                      else {})})  # fmt: skip
            entries.append(entry)
        reps.append({"id": model_id, "label": representation_label(rep, k), "latents": entries})
    return {
        "title": title,
        "unit": unit,
        "centres": _round(centres),
        "position": _round(position[::step]),
        "seconds_per_point": None,
        "reps": reps,
        "neurons": {
            str(n): {
                "right": _round(neuron_curves["right"][:, n]),
                "left": _round(neuron_curves["left"][:, n]),
            }
            for n in sorted(used)
        },  # fmt: skip
    }


_PAGE = r"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>__TITLE__</title>
<style>
body{font:15px/1.4 system-ui,sans-serif;margin:16px 24px;color:#222;max-width:1300px}
h1{font-size:20px;margin:0 0 8px} h2{font-size:16px;margin:14px 0 4px}
.controls{display:flex;gap:16px;align-items:center;margin:8px 0 12px;flex-wrap:wrap}
select,input{font-size:15px} .grid{display:grid;grid-template-columns:1fr 1fr;gap:16px}
.card{border:1px solid #ddd;border-radius:6px;padding:8px 12px} svg{display:block}
.legend span{margin-right:12px} .r{color:#0173b2} .l{color:#d55e00} .muted{color:#666}
table{border-collapse:collapse} td,th{padding:2px 8px;text-align:left;vertical-align:middle}
</style></head><body>
<h1>__TITLE__</h1>
<p class="muted">Pick a representation and a latent. Everything here is on the validation
split of the first CEBRA seed (SAEs: the first SAE seed). Works offline; the address
(<code>#rep=...&amp;latent=...</code>) names the latent shown.</p>
<div class="controls">
<label>representation <select id="rep"></select></label>
<label>latent <select id="latent"></select></label>
<span id="summary"></span></div>
<div class="grid">
<div class="card"><h2>Tuning curve per running direction</h2>
<div class="legend"><span class="r">&#9632; right runs</span><span class="l">&#9632; left runs</span>
<span class="muted">gaps: positions not visited</span></div><div id="tuning"></div></div>
<div class="card"><h2>Top neurons</h2><div id="neurons"></div></div>
<div class="card" style="grid-column:1/3"><h2>Activation over the validation split, position under it</h2>
<div id="trace"></div></div>
<div class="card"><h2>Across seeds and against its untrained twin</h2><div id="seeds"></div></div>
</div>
<script>
const D = __DATA__;
const $ = (id) => document.getElementById(id);
function line(values, w, h, color, lo, hi, x0) {
  let d = "", pen = false; const n = values.length;
  values.forEach((v, i) => {
    if (v === null) { pen = false; return; }
    const x = x0 + (n > 1 ? i * (w - x0) / (n - 1) : 0), y = h - 4 - (h - 8) * (v - lo) / ((hi - lo) || 1);
    d += (pen ? "L" : "M") + x.toFixed(1) + "," + y.toFixed(1); pen = true;
  });
  return `<path d="${d}" fill="none" stroke="${color}" stroke-width="2"/>`;
}
function range(arrays) {
  const v = arrays.flat().filter((x) => x !== null);
  return v.length ? [Math.min(...v, 0), Math.max(...v)] : [0, 1];
}
function chart(series, w, h, xlabel) {
  const [lo, hi] = range(series.map((s) => s[0]));
  const body = series.map((s) => line(s[0], w, h - 18, s[1], lo, hi, 30)).join("");
  return `<svg width="${w}" height="${h}" role="img">${body}
  <text x="0" y="12" font-size="12">${hi.toPrecision(3)}</text>
  <text x="0" y="${h - 20}" font-size="12">${lo.toPrecision(3)}</text>
  <text x="30" y="${h - 2}" font-size="12">${xlabel}</text></svg>`;
}
function show(repId, latent) {
  const rep = D.reps.find((r) => r.id === repId) || D.reps[0];
  if (!rep) { $("summary").textContent = "no representation in this case"; return; }
  const lat = rep.latents.find((l) => l.i === latent) || rep.latents.find((l) => l.pf) || rep.latents[0];
  const dead = lat.act.length === 0;  // never active on the validation split
  $("rep").value = rep.id;
  $("latent").innerHTML = rep.latents.map((l) =>
    `<option value="${l.i}">${l.i}${l.pf ? " (place-field-like)" : ""}</option>`).join("");
  $("latent").value = lat.i;
  document.body.dataset.rep = rep.id; document.body.dataset.latent = lat.i;
  const c = D.centres, u = D.unit;
  $("summary").innerHTML = `<b id="shown">${rep.label}, latent ${lat.i}</b>: ` +
    (dead ? "dead (never active on the validation split; its neurons below are arbitrary), " : "") +
    (lat.pf ? "place-field-like" : "not place-field-like") +
    (lat.si === null ? "" : `, spatial information ${lat.si} bits`);
  $("tuning").innerHTML = chart([[lat.right, "#0173b2"], [lat.left, "#d55e00"]], 560, 200,
    `position ${c[0]}–${c[c.length - 1]} ${u}`);
  $("trace").innerHTML = chart([[lat.act, "#333"]], 1180, 120, "activation (time →)") +
    chart([[D.position, "#029e73"]], 1180, 90, `position (${u})`);
  const rows = lat.top.map(([n, r]) => neuronRow(n, `|r| ${r}`));
  if (lat.attr) rows.push(neuronRow(lat.attr[0], `most attributed (its best-|r| neuron ranks ${lat.attr[1]})`));
  $("neurons").innerHTML = `<table>${rows.join("")}</table>`;
  const m = lat.match, t = lat.twin;
  $("seeds").innerHTML = (m ? `<p>Matched to latent ${m.partner} of SAE seed ${m.seed}: |cos| ${m.cos}` +
      (m.cos >= 0.9 ? " (the same direction)" : m.cos >= 0.7 ? " (similar)" : " (no match)") + "</p>"
      : "<p class='muted'>No second seed's directions for this representation.</p>") +
    (t ? `<p>Untrained twin's closest latent: ${t.partner}, |cos| ${t.cos}</p>`
       : "<p class='muted'>No untrained twin for this representation.</p>");
}
function neuronRow(n, why) {
  const f = D.neurons[String(n)];
  const plot = f ? chart([[f.right, "#0173b2"], [f.left, "#d55e00"]], 220, 70, "place field") : "";
  return `<tr><td>neuron ${n}</td><td>${why}</td><td>${plot}</td></tr>`;
}
function fromHash() {
  const p = new URLSearchParams(location.hash.slice(1));
  show(p.get("rep"), p.has("latent") ? Number(p.get("latent")) : null);
}
$("rep").innerHTML = D.reps.map((r) => `<option value="${r.id}">${r.label}</option>`).join("");
$("rep").onchange = () => { location.hash = `rep=${$("rep").value}&latent=0`; };
$("latent").onchange = () => { location.hash = `rep=${$("rep").value}&latent=${$("latent").value}`; };
window.addEventListener("hashchange", fromHash);
fromHash();
</script></body></html>
"""


def explorer_html(data: dict) -> str:
    """The self-contained page for ``data`` (:func:`explorer_data`)."""
    payload = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
    title = str(data.get("title", "latent explorer")).replace("<", "&lt;")
    return _PAGE.replace("__TITLE__", title).replace("__DATA__", payload)
