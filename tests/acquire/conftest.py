"""A real STAC API (rustac) over the real 13TDE Items and a real range-answering HTTP server for their COGs."""
from dataclasses import dataclass

import pytest

from tests.acquire import stac_data
from tests.acquire.servers import RangeServer, RustacServer


@dataclass
class LiveCatalog:
    built: stac_data.BuiltCatalog
    http: RangeServer
    stac_url: str


def _live(shared_data, tmp_path_factory, name: str, earth_search: bool):
    folder = tmp_path_factory.mktemp(name)
    holder = {}
    http = RangeServer(folder, materialize=lambda rel: stac_data.write_cog(holder["built"], rel))
    holder["built"] = stac_data.build(shared_data, folder, http.url, earth_search=earth_search)
    return holder["built"], http, folder


@pytest.fixture(scope="session")
def pc_catalog(shared_data, tmp_path_factory):
    built, http, folder = _live(shared_data, tmp_path_factory, "pc", earth_search=False)
    with http, RustacServer(built.items_file, log=folder / "rustac.log") as stac:
        yield LiveCatalog(built, http, stac.url)


@pytest.fixture(scope="session")
def es_catalog(shared_data, tmp_path_factory):
    built, http, folder = _live(shared_data, tmp_path_factory, "es", earth_search=True)
    with http, RustacServer(built.items_file, log=folder / "rustac.log") as stac:
        yield LiveCatalog(built, http, stac.url)


@pytest.fixture
def fresh(pc_catalog):
    """Each test starts with an empty request log, no injected faults and nothing of the server in GDAL's cache."""
    from imagery.lib.cog_remote import forget

    pc_catalog.http.clear()
    forget(pc_catalog.http.url + "/")
    yield pc_catalog
    pc_catalog.http.clear()
