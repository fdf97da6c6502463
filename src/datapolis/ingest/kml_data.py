"""The `ExtendedData` attributes of KML placemarks, which GDAL's KML driver does not read.

DuckDB's spatial extension ships GDAL's plain KML driver (not LIBKML): it gives each
placemark's name, description and geometry, and drops `<Data name="…"><value>` and
`<SchemaData><SimpleData name="…">`. This module reads them with a streaming, defused
XML parser (no entity expansion, no external resources) and lines them up with GDAL's
features.

GDAL makes one layer of each container (Document or Folder) holding placemarks with a
geometry, in the order the containers close, and skips placemarks without geometry. A
layer's features are matched to a container's placemarks by their names in order, so
a file GDAL reads differently loses its attributes (and says so in the log) rather than
getting another placemark's.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from defusedxml import ElementTree

logger = logging.getLogger(__name__)

CONTAINERS = {"Document", "Folder"}
# Geometries GDAL's KML driver turns into a feature.
GEOMETRIES = {"Point", "LineString", "LinearRing", "Polygon", "MultiGeometry", "Track", "MultiTrack"}


@dataclass
class Container:
    name: str | None = None
    names: list[str] = field(default_factory=list)  # of its placemarks with a geometry, in order
    attributes: list[dict[str, str]] = field(default_factory=list)  # their ExtendedData, same order


@dataclass
class ExtendedData:
    """The attributes of one layer: field names in order of appearance, and one dict per feature."""

    names: list[str]
    rows: list[dict[str, str]]


def layer_extended_data(path: Path, layer_name: str, layer_index: int, feature_names: list[str]) -> ExtendedData | None:
    """The ExtendedData of the GDAL layer `layer_name` (the `layer_index`-th), or None if it has none.

    `feature_names` are GDAL's `Name` values of the layer's features, in FID order.
    """
    containers = [container for container in _containers(path) if container.names]
    matching = [container for container in containers if container.names == feature_names]
    if not matching:
        if any(any(attributes) for container in containers for attributes in container.attributes):
            logger.warning("%s: KML layer %r matches no container; its ExtendedData is not read", path, layer_name)
        return None
    by_position = containers[layer_index] if layer_index < len(containers) else None
    chosen = (
        by_position
        if by_position in matching
        else next((container for container in matching if container.name == layer_name), matching[0])
    )
    names = list(dict.fromkeys(name for attributes in chosen.attributes for name in attributes))
    return ExtendedData(names, chosen.attributes) if names else None


def _containers(path: Path) -> list[Container]:
    """Every Document and Folder, in the order they close (GDAL's order of layers)."""
    finished: list[Container] = []
    open_containers: list[Container] = []
    elements: list[str] = []
    for event, element in ElementTree.iterparse(str(path), events=("start", "end")):
        tag = _local(element.tag)
        if event == "start":
            elements.append(tag)
            if tag in CONTAINERS:
                open_containers.append(Container())
            continue
        elements.pop()
        if tag == "name" and open_containers and elements and elements[-1] in CONTAINERS:
            open_containers[-1].name = (element.text or "").strip()
        elif tag == "Placemark":
            if open_containers and any(_local(child.tag) in GEOMETRIES for child in element):
                open_containers[-1].names.append(_child_text(element, "name"))
                open_containers[-1].attributes.append(_attributes(element))
            element.clear()
        elif tag in CONTAINERS:
            finished.append(open_containers.pop())
    return finished


def _attributes(placemark) -> dict[str, str]:
    """`<Data name><value>` and `<SchemaData><SimpleData name>` of a placemark, in document order."""
    attributes: dict[str, str] = {}
    for extended in (child for child in placemark if _local(child.tag) == "ExtendedData"):
        for item in extended.iter():
            kind = _local(item.tag)
            name = item.get("name")
            if not name:
                continue
            if kind == "Data":
                attributes.setdefault(name, _child_text(item, "value"))
            elif kind == "SimpleData":
                attributes.setdefault(name, (item.text or "").strip())
    return attributes


def _child_text(element, tag: str) -> str:
    for child in element:
        if _local(child.tag) == tag:
            return (child.text or "").strip()
    return ""


def _local(tag: object) -> str:
    """A tag without its namespace (KML 2.2, Google's older ones, or none)."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""
