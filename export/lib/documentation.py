"""The release's documentation asset, `_common/documentation.pdf` (product.DOCUMENTATION_PATH; pure: matplotlib's
PDF backend, no Django).

The published LandCoverNet Items name `../_common/documentation.pdf` beside their labels; ours says what an ML user
needs to load and weigh this release without reading lcnet's code: the files of a chip, the two bands, what the
score is (Eq. 1) and is not (a probability: that is confidence.tif), the consensus run, the calibration measured on
held-out reference tasks, and the dataset's class shares and score histogram (the paper's Figures 1 and 2).
The bytes depend only on the inputs (no creation date), so an unchanged release writes the same file.
"""
from __future__ import annotations

import gc
import io
import textwrap

from imagery.lib.domain import CHIP_SIZE
from imagery.lib.pyplot import pyplot

from export.lib.stats import DatasetStats, classes_figure, scores_figure

_PAGE = (8.27, 11.69)  # A4 portrait, inches


def documentation_pdf(*, collection_id: str, run_id: int | None, n_chips: int, interval: tuple, license: str,
                      calibration: dict, stats: DatasetStats) -> bytes:
    """The PDF: a page of text, then the class shares and the score histogram of the release."""
    plt = pyplot()
    from matplotlib.backends.backend_pdf import PdfPages

    buf = io.BytesIO()
    with PdfPages(buf, metadata={"Title": f"{collection_id}: dataset documentation", "Creator": "lcnet",
                                 "Producer": "lcnet", "CreationDate": None}) as pdf:
        pages = (  # (figure maker, bbox): the text keeps its A4 page, the plots are cropped to themselves
            (lambda: _text_page(_text(collection_id, run_id, n_chips, interval, license, calibration, stats)), None),
            (lambda: classes_figure(stats.classes()), "tight"), (lambda: scores_figure(stats.scores()), "tight"))
        for make, bbox in pages:  # one figure alive at a time, each closed (pyplot would keep it for good)
            figure = make()
            pdf.savefig(figure, bbox_inches=bbox)
            plt.close(figure)
            gc.collect()  # a figure is a web of reference cycles (~1.5 MB): free it now, not at some later gc pass
    return buf.getvalue()


def _text(collection_id, run_id, n_chips, interval, license, calibration, stats) -> list[str]:
    start, end = interval
    when = f"{start.isoformat()} to {end.isoformat()}" if start and end else "no scenes"
    scores = stats.scores()
    lines = [
        f"# {collection_id}: land-cover labels from Sentinel-2",
        f"{n_chips:,} chips of {CHIP_SIZE}x{CHIP_SIZE} pixels at 10 m, scenes {when}; consensus run "
        f"{run_id if run_id is not None else '(before runs)'}; licence {license}. Layout of the published LandCoverNet "
        "v1 label files: a LandCoverNet loader reads it unchanged.",
        "",
        "## Files",
        "collection.json: the STAC Collection (its lcnet:calibration names the calibration below).",
        "summary.csv: one row a chip: labeled pixels, mean score and agreement shares (percent), pixels per class.",
        "<item id>/labels.tif: GeoTIFF on the chip's grid, uint16, nodata 0. Band 1: the class code "
        "(1 water, 2 artificial bare ground, 3 natural bare ground, 4 snow/ice, 5 woody, 6 cultivated, "
        "7 (semi) natural vegetation; 0 no data). Band 2: the consensus score in percent.",
        "<item id>/confidence.tif (calibrated runs only): the probability that the pixel's label is right, uint8 "
        "percent, 255 where there is no label.",
        "<item id>/source_dates.csv: the dates of the Sentinel-2 scenes the annotators saw; stac.json: the STAC Item "
        "(label extension, file checksums, a source link per scene).",
        "",
        "## The score (band 2)",
        "Three annotators label every chip; annotator i's weight w_i is their accuracy against expert labels on "
        "reference tasks. For each pixel P(j) = sum_i w_i [l_i = j] / sum_i w_i [l_i != 0]; the label is the argmax, "
        "the score that P (the LandCoverNet paper's Eq. 1). A score is agreement, not a probability of being "
        "right: unanimous annotators score 100 % whatever their accuracy. To weigh training samples by how likely "
        "their label is right, use confidence.tif.",
        f"This release: {scores['share_100_pct']:.1f} % of labeled pixels at 100 %, {scores['share_60_100_pct']:.1f} % "
        f"in 60-100 %, mean {scores['mean_score_pct'] if scores['mean_score_pct'] is not None else '-'} %.",
        "",
        "## Calibration (confidence.tif)",
    ]
    if calibration:
        lines.append("Measured by cross-validation over reference tasks (no task judges the model that saw it); "
                     "ECE = expected calibration error, lower is better.")
        for method, fit in sorted(calibration.items()):
            lines.append(f"{method}: ECE {fit['ece']:.4f} calibrated, {fit['ece_uncalibrated']:.4f} for the raw "
                         f"score; {fit['n_reference_tasks']} reference tasks, {fit['n_pixels']:,} pixels.")
    else:
        lines.append("Not calibrated: the run had too few reference tasks, so there is no confidence.tif.")
    lines += ["", "## Loading", "with rasterio.open('<item id>/labels.tif') as f: label, score = f.read(1), f.read(2)",
              "Keep label > 0; weight by confidence.tif / 100 where present (255: no label)."]
    return lines


def _text_page(lines: list[str]):
    """One A4 page of wrapped text (headings in bold)."""
    plt = pyplot()
    fig = plt.figure(figsize=_PAGE)
    y = 0.96
    for line in lines:
        heading = line.startswith("#")
        text = line.lstrip("# ")
        for part in textwrap.wrap(text, 95) or [""]:
            fig.text(0.07, y, part, fontsize=12 if line.startswith("# ") else 9.5,
                     weight="bold" if heading else "normal", va="top", family="DejaVu Sans")
            y -= 0.026 if heading else 0.018
    return fig
