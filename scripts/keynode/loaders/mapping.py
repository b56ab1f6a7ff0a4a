"""The YAML mapping of `keynode load events`: how any CSV/Parquet clickstream maps onto the raw zone.

A mapping (docs/raw_zone.md, "Loading your own clickstream"; shipped examples in
``keynode/loaders/mappings/``) has these keys; only ``time`` and ``event_name`` and ``ids.device`` are
required::

    dataset: my_shop_clicks              # a label for the manifest
    input: ../shared/datasets/x.csv.gz   # default input file (relative to the mapping file's folder)
    format: csv                          # csv or parquet (default: from the file name)
    time:
      column: ts                         # the event time
      format: iso                        # iso (offsets allowed), epoch_s, epoch_ms, or a strptime pattern
      timezone: UTC                      # zone of times without an offset (IANA name)
    ingested_at: ts                      # landing time column (same formats); default: the event time
    event_name:
      column: type
      map: {view: product_view, cart: add_to_cart}   # onto seeds/event_catalog.csv; others kept as they are
    ids:
      event: "@hash"                     # a column, or "@hash": SHA-1 of the whole input row (default)
      device: visitor_id                 # required; "@row" = the row number (no visitor id in the data)
      user: customer_id                  # optional (logged-in user)
      session: session_id                # optional: kept in properties (keynode computes its own sessions)
    columns:                             # other contract columns <- source columns
      sku_id: product_id
      price: price
    defaults:                            # values for what the source lacks
      platform: web
      page: product_detail
    quantity_for: [add_to_cart, payment_success]   # these events get quantity 1 when not mapped
    properties: [category_code, brand]   # source columns kept as JSON properties
    catalog: {brand: brand, category: category_code}   # sku_catalog built from the events' SKUs

A problem in the mapping stops the load with an error naming the mapping file and the key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Mappings shipped with keynode (``--mapping rees46`` finds ``mappings/rees46.yml``).
SHIPPED = Path(__file__).resolve().parent / "mappings"
TIME_FORMATS = ("iso", "epoch_s", "epoch_ms")
#: Contract columns a mapping may fill from a source column or a default.
MAPPABLE = (
    "platform",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "page",
    "sku_id",
    "price",
    "quantity",
    "page_load_ms",
)
ROW, HASH = "@row", "@hash"


class MappingError(ValueError):
    """The mapping is unusable; the message names the file and the key."""


@dataclass
class TimeSpec:
    column: str
    format: str = "iso"
    timezone: str = "UTC"


@dataclass
class Mapping:
    path: Path
    dataset: str
    input: Path | None
    format: str | None
    time: TimeSpec
    ingested_at: TimeSpec | None
    event_column: str
    event_map: dict[str, str]
    event_id: str
    device: str
    user: str | None
    session: str | None
    columns: dict[str, str] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)
    quantity_for: list[str] = field(default_factory=list)
    properties: list[str] = field(default_factory=list)
    catalog: dict[str, str] = field(default_factory=dict)

    def source_columns(self) -> list[str]:
        """Every input column the mapping reads (each must exist in the input)."""
        cols = [self.time.column, self.event_column, *self.columns.values(), *self.properties]
        cols += [
            c for c in (self.event_id, self.device, self.user, self.session) if c and c not in (ROW, HASH)
        ]
        cols += list(self.catalog.values())
        if self.ingested_at:
            cols.append(self.ingested_at.column)
        return list(dict.fromkeys(cols))


def resolve(name_or_path: str | Path) -> Path:
    """A mapping file, or the name of a shipped one (``rees46`` -> mappings/rees46.yml)."""
    path = Path(name_or_path)
    if path.exists():
        return path.resolve()
    shipped = SHIPPED / f"{name_or_path}.yml"
    if shipped.exists():
        return shipped
    names = ", ".join(sorted(p.stem for p in SHIPPED.glob("*.yml")))
    raise MappingError(f"mapping {name_or_path}: no such file, and not a shipped mapping ({names})")


def _time(path: Path, key: str, value: Any) -> TimeSpec:
    if isinstance(value, str):
        value = {"column": value}
    if not isinstance(value, dict) or not isinstance(value.get("column"), str):
        raise MappingError(f"{path}: {key} must name a column ({key}: {{column: ..., format: iso}})")
    unknown = set(value) - {"column", "format", "timezone"}
    if unknown:
        raise MappingError(f"{path}: {key} has unknown keys {sorted(unknown)}")
    spec = TimeSpec(value["column"], str(value.get("format", "iso")), str(value.get("timezone", "UTC")))
    if spec.format not in TIME_FORMATS and "%" not in spec.format:
        raise MappingError(f"{path}: {key}.format must be iso, epoch_s, epoch_ms or a strptime pattern")
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(spec.timezone)
    except Exception as exc:  # noqa: BLE001 - any lookup failure is a bad zone name
        raise MappingError(f"{path}: {key}.timezone {spec.timezone!r} is not an IANA time zone") from exc
    return spec


def _str_map(path: Path, key: str, value: Any) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, (str, int, float)) for v in value.values()):
        raise MappingError(f"{path}: {key} must be a mapping of names")
    return {str(k): str(v) for k, v in value.items()}


def load_mapping(name_or_path: str | Path) -> Mapping:
    import yaml

    path = resolve(name_or_path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise MappingError(f"{path}: not a readable YAML file ({exc})") from exc
    if not isinstance(data, dict):
        raise MappingError(f"{path}: a mapping file is a YAML mapping (see keynode load events --help)")
    known = {"dataset", "input", "format", "time", "ingested_at", "event_name", "ids", "columns", "defaults"}
    known |= {"quantity_for", "properties", "catalog"}
    unknown = set(data) - known
    if unknown:
        raise MappingError(f"{path}: unknown keys {sorted(unknown)} (known: {', '.join(sorted(known))})")
    for key in ("time", "event_name", "ids"):
        if key not in data:
            raise MappingError(f"{path}: required key {key!r} is missing")
    event = data["event_name"]
    if isinstance(event, str):
        event = {"column": event}
    if not isinstance(event, dict) or not isinstance(event.get("column"), str):
        raise MappingError(f"{path}: event_name must name a column (event_name: {{column: ..., map: ...}})")
    ids = data["ids"] if isinstance(data["ids"], dict) else {}
    if not isinstance(ids.get("device"), str):
        raise MappingError(
            f"{path}: ids.device is required (a column, or @row when the data has no visitor id)"
        )
    columns = _str_map(path, "columns", data.get("columns"))
    bad = sorted(set(columns) - set(MAPPABLE))
    if bad:
        raise MappingError(
            f"{path}: columns.{bad[0]} is not a mappable contract column ({', '.join(MAPPABLE)})"
        )
    defaults = dict(data.get("defaults") or {})
    bad = sorted(set(defaults) - set(MAPPABLE))
    if bad:
        raise MappingError(
            f"{path}: defaults.{bad[0]} is not a mappable contract column ({', '.join(MAPPABLE)})"
        )
    fmt = data.get("format")
    if fmt not in (None, "csv", "parquet"):
        raise MappingError(f"{path}: format must be csv or parquet")
    input_path = (path.parent / data["input"]).resolve() if data.get("input") else None
    return Mapping(
        path=path,
        dataset=str(data.get("dataset", path.stem)),
        input=input_path,
        format=fmt,
        time=_time(path, "time", data["time"]),
        ingested_at=_time(path, "ingested_at", data["ingested_at"]) if data.get("ingested_at") else None,
        event_column=event["column"],
        event_map=_str_map(path, "event_name.map", event.get("map")),
        event_id=str(ids.get("event", HASH)),
        device=ids["device"],
        user=ids.get("user"),
        session=ids.get("session"),
        columns=columns,
        defaults=defaults,
        quantity_for=[str(x) for x in data.get("quantity_for") or []],
        properties=[str(x) for x in data.get("properties") or []],
        catalog=_str_map(path, "catalog", data.get("catalog")),
    )
