"""Demo data for `datapolis demo`: a fictional French territory, generated offline and seeded.

Loire-et-Maine Métropole is an imaginary intercommunality of 40 communes in Maine-et-Loire
(INSEE codes 49xxx), around a central city of about 150 000 inhabitants, inside the box
lon -0.8..-0.3, lat 47.3..47.6. Every value is produced by this package's code from the
seed: nothing is copied from real datasets. The files carry the quirks of real French
open data, so that the demo exercises the readers:

- ``communes``: GeoJSON polygons with INSEE code, name, population, area, EPCI;
- ``bornes-irve``: IRVE charging points, ``;`` CSV, decimal commas, dd/mm/yyyy dates, lat/lon;
- ``subventions-associations``: SCDL subsidies, XLSX with a notice sheet and a title line;
- ``qualite-air-mesures-horaires``: hourly NO2/PM10/PM2.5/O3, ISO times with DST offsets,
  station coordinates in Lambert-93 (``read_options={"epsg": 2154}``);
- ``comptages-velo``: hourly bike counts, cp1252 ``;`` CSV with a "lat, lon" text column;
- ``consommation-energie-batiments``: monthly energy use of municipal buildings, restricted.

API::

    from datapolis.demo import DemoDataset, generate

    datasets: list[DemoDataset] = generate(folder, seed=2154, scale=1.0)

``DemoDataset`` has ``dataset_id`` (slug), ``path`` (the generated file), ``metadata``
(title, description in HTML paragraphs, themes, keywords, license, license_url, publisher,
producer, contact_name, contact_email, update_frequency, territory, temporal_start,
temporal_end, language), ``read_options`` (keyword arguments of
``datapolis.ingest.ReadOptions``) and ``visibility`` ("public" or "restricted").

``scale`` shrinks row counts (IRVE points, subsidies, stations, counters, buildings) while
keeping whole-year hourly series, so that even ``scale=0.01`` crosses both DST changes.
Files are written atomically (temporary file, then rename). No Django imports here.
"""

from datapolis.demo.dataset import DemoDataset
from datapolis.demo.generator import generate

__all__ = ["DemoDataset", "generate"]
