"""Choose the tiles of a labeling campaign from a candidate table (rules: imagery/lib/sampling.py, docs/sampling.md)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from imagery.lib import sampling
from imagery.lib.sampling_plot import plot_tile_sample

from imagery.management.commands._files import atomic_output, check_writable


class Command(BaseCommand):
    requires_system_checks = []  # works on files only: no models, no URLs
    help = (
        "Sample Sentinel-2 tiles per continent, uniformly in the ECDF space of lat, lon and the 17 MODIS IGBP "
        "class percentages, after excluding tiles with > 60 % water or > 90 % barren land. Writes the chosen rows "
        "as CSV plus a lon/lat PNG. `--make-example PATH` writes a synthetic candidate table instead."
    )

    def add_arguments(self, parser):
        parser.add_argument("tiles", nargs="?", help="candidate CSV (columns: docs/sampling.md)")
        parser.add_argument("--out", help="CSV of the chosen tiles (same columns as the input)")
        parser.add_argument("--plot", help="PNG map of candidates vs chosen (default: OUT with .png)")
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--total", type=int, help="split this many tiles over the continents by land area")
        group.add_argument("--quota", action="append", metavar="CONTINENT=N",
                           help="exact count for a continent (repeatable); unnamed continents get 0")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--make-example", metavar="PATH", help="write a synthetic candidate table and stop")
        parser.add_argument("--example-size", type=int, default=3000)

    def handle(self, *args, tiles, out, plot, total, quota, seed, make_example, example_size, **options):
        if make_example:
            return self._make_example(Path(make_example), example_size, seed)
        if not tiles or not out:
            raise CommandError("give the candidate CSV and --out (or --make-example PATH)")
        out, plot = Path(out), Path(plot) if plot else Path(out).with_suffix(".png")
        check_writable(out, plot)
        try:
            candidates = sampling.read_candidates(tiles)
            quotas = self._quotas(candidates, total, quota)
            if sum(quotas.values()) < 1:  # an empty sample is a mistake, not a result
                raise sampling.SamplingInputError("the quotas choose no tile (they add up to 0)")
            bar = lambda items: tqdm(items, desc="continents", unit="continent", disable=options["verbosity"] < 1)
            result = sampling.sample_tiles(candidates, quotas, seed, progress=bar)
        except FileNotFoundError as exc:
            raise CommandError(f"cannot read {tiles}: {exc.strerror}") from exc
        except sampling.SamplingInputError as exc:
            raise CommandError(f"{tiles}: {exc}; nothing written") from exc

        with atomic_output(out) as tmp_csv, atomic_output(plot) as tmp_png:
            rows = [candidates.rows[i] for i in result.chosen]
            sampling.write_csv(tmp_csv, candidates.fieldnames, rows)
            title = f"{Path(tiles).name}: {len(rows)} tiles chosen (seed {seed})"
            plot_tile_sample(candidates, result.chosen, tmp_png, title)
        self.stdout.write(self._table(result.summaries))
        self.stdout.write(self.style.SUCCESS(f"wrote {len(result.chosen)} tiles to {out} and the map to {plot}"))

    @staticmethod
    def _quotas(candidates, total, quota):
        if quota:
            return sampling.parse_quotas(quota)
        if total is not None:
            return sampling.split_total(total, sorted(set(candidates.continents)))
        return sampling.default_quotas(candidates.continents)

    @staticmethod
    def _table(summaries) -> str:
        counts = ("candidates", "excluded", "eligible", "quota", "chosen")
        widths = (11, 9, 9, 6, 7)
        head = f"{'continent':<18}" + "".join(f"{c:>{w}}" for c, w in zip(counts, widths))
        head += f"{'max KS':>8}{'random':>8}"
        lines = [head, "-" * len(head)]
        for s in summaries:
            lines.append(f"{s.continent:<18}" + "".join(f"{getattr(s, c):>{w}}" for c, w in zip(counts, widths))
                         + f"{s.max_ks:>8.3f}{s.max_ks_random:>8.3f}")
        lines.append(f"{'total':<18}" + "".join(f"{sum(getattr(s, c) for s in summaries):>{w}}"
                                                for c, w in zip(counts, widths)))
        lines.append("max KS: largest KS distance over the 19 features between the chosen and the eligible tiles in "
                     "the continent's ECDF space; random: the same for a plain random draw of the same size")
        return "\n".join(lines)

    def _make_example(self, path: Path, size: int, seed: int):
        if size < 1:
            raise CommandError("--example-size must be at least 1")
        check_writable(path)
        with atomic_output(path) as tmp:
            sampling.write_csv(tmp, *sampling.synthetic_candidates(size, seed))
        self.stdout.write(self.style.SUCCESS(f"wrote {size} synthetic candidate tiles to {path}"))
