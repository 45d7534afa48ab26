"""The report as one self-contained HTML page (figures embedded as PNG), and its terminal headline.

No scripts, no fonts or styles from elsewhere: the file opens from disk in any browser.
"""
from __future__ import annotations

import base64
import html
import io
from typing import List, Tuple

__all__ = ["render_html", "headline", "TOP"]

TOP = 3  # mistakes per test cell in the headline
BARS = 6  # mistakes per test cell in the bar chart


def _png(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _histogram(data: dict) -> str:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 2.8))
    scores = list(data["scores"].values())
    top = data["max_score"] or max(scores + [1.0])
    bins = [x - 0.5 for x in range(int(top) + 2)] if float(top).is_integer() and top <= 40 else 12
    ax.hist(scores, bins=bins, color="#4c72b0", edgecolor="white")
    ax.set_xlabel(f"autograded points (of {top:g})")
    ax.set_ylabel("students")
    ax.set_title(f"{data['assignment']}: scores of {data['graded']} graded students")
    ax.yaxis.get_major_locator().set_params(integer=True)
    return _png(fig)


def _bars(cell: dict) -> str:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    top = [m for m in cell["mistakes"] if m["kind"] == "problem"][:BARS]
    fig, ax = plt.subplots(figsize=(6.4, 0.45 * len(top) + 0.9))
    ax.barh([m["code"] for m in top][::-1], [m["count"] for m in top][::-1], color="#cf222e")
    ax.set_xlabel("students")
    ax.set_title(f"{cell['grade_id']}: most common problems")
    ax.xaxis.get_major_locator().set_params(integer=True)
    return _png(fig)


def _marked(source: str, spans: List[Tuple[int, int]]) -> str:
    out, at = [], 0
    for start, end in sorted(spans):
        start = max(start, at)
        if end <= start:
            continue
        out += [html.escape(source[at:start]), "<mark>", html.escape(source[start:end]), "</mark>"]
        at = end
    out.append(html.escape(source[at:]))
    return "".join(out)


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#1f2328}
table{border-collapse:collapse;margin:0.5em 0 1.5em}td,th{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.n{text-align:right}code,pre{font-family:ui-monospace,Menlo,Consolas,monospace}
pre{background:#f6f8fa;padding:8px;white-space:pre-wrap;overflow-wrap:anywhere;font-size:12px;margin:0}mark{background:#fff1a8}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:8px;margin-bottom:1.5em}.muted{color:#656d76}
h2{border-bottom:1px solid #d0d7de;padding-bottom:4px;margin-top:2em}
"""


def render_html(data: dict) -> str:
    """The class report ``data`` (from ``summarise``, with its ``_pairs``) as one HTML page."""
    parts = (_head(data) + _scores_section(data) + _mistakes_section(data) + _ungraded_section(data)
             + _similarity_section(data))
    parts.append("</body></html>")
    return "\n".join(parts)


def _head(data: dict) -> List[str]:
    """The page's head, title and what it covers."""
    e = html.escape
    return [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Class report: {e(data['assignment'])}"
            f"</title><style>{_STYLE}</style></head><body>",
            f"<h1>Class report: {e(data['assignment'])}</h1>",
            f"<p class='muted'>Generated {e(data['generated'])}. {data['graded']} of {data['submissions']} submissions "
            "graded. Shares are of the graded students. Nothing on this page changes a score.</p>"]


def _scores_section(data: dict) -> List[str]:
    """Scores: the mean, the histogram, and a table row per test cell."""
    e = html.escape
    parts = ["<h2>Scores</h2>"]
    if data["graded"]:
        parts.append(f"<p>Mean {data['mean_score']:g} of {data['max_score']:g} autograded points.</p>")
        parts.append(f"<img alt='score histogram' src='{_histogram(data)}'>")
    parts.append("<table><tr><th>test cell</th><th>points</th><th>mean</th><th>full marks</th><th>untouched</th>"
                 "<th>raised</th><th>answer cells</th></tr>")
    for c in data["cells"]:
        mean = "-" if c["mean"] is None else f"{c['mean']:g}"
        parts.append(f"<tr><td><code>{e(c['grade_id'])}</code></td><td class='n'>{c['points']:g}</td>"
                     f"<td class='n'>{mean}</td><td class='n'>{_pct(c['full_marks'])}</td>"
                     f"<td class='n'>{_pct(c['untouched'])}</td><td class='n'>{_pct(c['raised'])}</td>"
                     f"<td>{e(', '.join(c['answers']))}</td></tr>")
    parts.append("</table>")
    return parts


def _mistakes_section(data: dict) -> List[str]:
    """Mistakes, by exercise: each test cell's problem codes, a bar chart and a table."""
    e = html.escape
    parts: List[str] = []
    parts.append("<h2>Mistakes, by exercise</h2><p class='muted'>The problem codes the checks recorded (visible "
                 "and hidden tests), most common first; each student counts once per code and cell. Warnings "
                 "cost no points.</p>")
    for c in data["cells"]:
        parts.append(f"<h3><code>{e(c['grade_id'])}</code></h3>")
        if not c["mistakes"]:
            parts.append("<p>No problem recorded.</p>")
            continue
        if any(m["kind"] == "problem" for m in c["mistakes"]):
            parts.append(f"<img alt='most common problems of {e(c['grade_id'])}' src='{_bars(c)}'>")
        parts.append("<table><tr><th>code</th><th>students</th><th>share</th><th>message (as the first of them saw it)</th>"
                     "<th>who</th></tr>")
        for m in c["mistakes"]:
            label = f"<code>{e(m['code'])}</code>" + (" <em>(warning)</em>" if m["kind"] == "warning" else "")
            parts.append(f"<tr><td>{label}</td><td class='n'>{m['count']}</td><td class='n'>{_pct(m['share'])}</td>"
                         f"<td>{e(m['message'])}</td><td>{e(', '.join(m['students']))}</td></tr>")
        parts.append("</table>")
    return parts


def _ungraded_section(data: dict) -> List[str]:
    """Ungraded and flagged: who was not graded and why, and the tamper scan's flags."""
    e = html.escape
    parts = ["<h2>Ungraded and flagged</h2>"]
    if data["ungraded"]:
        parts.append("<table><tr><th>not graded</th><th>why</th></tr>" + "".join(
            f"<tr><td>{e(u['student'])}</td><td>{e(u['reason'])}</td></tr>" for u in data["ungraded"]) + "</table>")
    else:
        parts.append("<p>Every submission is graded.</p>")
    if data["flagged"]:
        parts.append("<table><tr><th>flagged by the tamper scan</th><th>what, and the line</th></tr>" + "".join(
            f"<tr><td>{e(f['student'])}</td><td>{'<br>'.join(f'<code>{e(x)}</code>' for x in f['flags'])}</td></tr>"
            for f in data["flagged"]) + "</table>")
    else:
        parts.append("<p>No submission flagged by the tamper scan.</p>")
    return parts


def _similarity_section(data: dict) -> List[str]:
    """Similar work: the pairs of answer cells above the threshold, common code highlighted."""
    e = html.escape
    parts: List[str] = []
    sim = data["similarity"]
    parts.append(f"<h2>Similar work</h2><p class='muted'>Answer cells whose common code covers at least "
                 f"{_pct(sim['threshold'])} of both (of the package's answer, for a reference) and is at least "
                 f"{sim['min_common_length']} characters long once names are replaced ({e(sim['method'])}); "
                 "highlighted: the common code. A list to read, not a verdict.</p>")
    pairs = data.get("_pairs", [])
    if not pairs:
        parts.append("<p>No pair above the threshold.</p>")
    for p in pairs:
        right = f"the package's <code>{e(p.right)}</code>" if p.reference else e(p.right)
        parts.append(f"<h3><code>{e(p.cell)}</code>: {e(p.left)} and {right}: {_pct(p.similarity)}</h3>"
                     f"<div class='pair'><pre>{_marked(p.left_source, p.left_spans)}</pre>"
                     f"<pre>{_marked(p.right_source, p.right_spans)}</pre></div>")
    if sim["closest_not_flagged"]:
        parts.append("<p class='muted'>Closest pairs not flagged, per answer cell: " + "; ".join(
            f"<code>{e(c['cell'])}</code> {e(' and '.join(c['students'] + ([c['reference']] if c['reference'] else [])))} "
            f"{_pct(c['similarity'])} ({c['common_length']} characters in common)"
            for c in sim["closest_not_flagged"]) + ".</p>")
    return parts


def headline(data: dict, html_path, json_path) -> str:
    """A few lines for the terminal: the scores, the top mistakes of each test cell, what to read."""
    lines = [f"{data['assignment']}: {data['graded']} of {data['submissions']} submissions graded"
             + (f", mean {data['mean_score']:g} / {data['max_score']:g} points" if data["graded"] else "")]
    for c in data["cells"]:
        top = [m for m in c["mistakes"] if m["kind"] == "problem"][:TOP]
        said = ", ".join(f"{m['code']} {m['count']}" for m in top) or "no problems"
        lines.append(f"  {c['grade_id']}: full marks {_pct(c['full_marks'])}; {said}")
    pairs = data["similarity"]["pairs"]
    refs = sum(1 for p in pairs if p["reference"])
    lines.append(f"  similar work: {len(pairs) - refs} pair(s) of students, {refs} match(es) of the package's "
                 f"source; ungraded {len(data['ungraded'])}, flagged {len(data['flagged'])}")
    lines.append(f"  written {html_path} and {json_path}")
    return "\n".join(lines)
