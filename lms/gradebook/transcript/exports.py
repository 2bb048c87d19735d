"""Transcript records as documents: JSON and XML in the national data model's names, one pupil,
one class or one school per document, each described by a schema of ours (schemas/hocbaso.schema.json,
schemas/hocbaso.xsd) since the Ministry has published none (moet.md §4).

The XML of one pupil is also what the XAdES signatures are made on: each record element carries
an Id, and signatures are appended after the records (lms.gradebook.transcript.xades)."""
from __future__ import annotations

import json
from datetime import datetime
from functools import cache
from pathlib import Path

from lxml import etree

from lms.gradebook.transcript.codes import CODE_LIST_VERSION
from lms.gradebook.transcript.record import PRIMARY, SECONDARY, TABLES

FORMAT = "lms-hocbaso/1"
NS = "urn:lms:hocbaso:1"
SCHEMAS = Path(__file__).parent / "schemas"
# Where the app publishes the schemas (public, no sign-in): every export names them, so a receiver
# can validate it (JSON "$schema", XML xsi:schemaLocation).
SCHEMA_FILES = {"json": "hocbaso.schema.json", "xml": "hocbaso.xsd"}
SCHEMA_PATH = "/schemas/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"


def schema_url(base: str, kind: str) -> str:
    """The published address of the JSON Schema (kind json) or the XSD (kind xml)."""
    return f"{base.rstrip('/')}{SCHEMA_PATH}{SCHEMA_FILES[kind]}"


def document(records: list[dict], *, scope: str, scope_id: str, created_at: datetime, base_url: str) -> dict:
    """Records (from record.build_record) as one document; `scope` is hocsinh, lop or truong;
    `base_url` is where the app is published (its schemas are named from it)."""
    doc = {"$schema": schema_url(base_url, "json"), "dinhdang": FORMAT, "bangma": CODE_LIST_VERSION, "taoluc": created_at.isoformat(timespec="seconds"),
           "phamvi": {"loai": scope, "ma": scope_id}, SECONDARY: [], PRIMARY: []}
    for r in records:
        doc[r["table"]].append(r["record"])
    return doc


def to_json(doc: dict) -> bytes:
    return json.dumps(doc, ensure_ascii=False, indent=1).encode()


def _fields(table: str) -> dict:
    """The fields of a table in the schema's order (the XSD's sequence): stored records are
    canonical JSON with sorted keys, so the order comes from the schema, never from the record."""
    return json_schema()["$defs"][table]["properties"]


def _fill(element: etree._Element, fields: dict, values: dict) -> None:
    for name, spec in fields.items():
        value = values.get(name)
        if spec.get("type") == "array":
            for row in value or []:
                _fill(etree.SubElement(element, f"{{{NS}}}{name}"), spec["items"]["properties"], row)
        else:
            etree.SubElement(element, f"{{{NS}}}{name}").text = "" if value is None else str(value)
    for name in values.keys() - fields.keys():   # never silently dropped: the XSD refuses it
        etree.SubElement(element, f"{{{NS}}}{name}").text = str(values[name])


def record_element_id(record: dict, table: str) -> str:
    """The XML Id of a record element (what a signature's reference points to)."""
    return "r-" + record[f"key{table}"].replace(".", "-").replace(" ", "_")


def to_xml_tree(doc: dict) -> etree._Element:
    root = etree.Element(f"{{{NS}}}hocbaso", nsmap={None: NS, "xsi": XSI})
    base = doc["$schema"].removesuffix(SCHEMA_PATH + SCHEMA_FILES["json"])
    root.set(f"{{{XSI}}}schemaLocation", f"{NS} {schema_url(base, 'xml')}")
    root.set("dinhdang", doc["dinhdang"])
    root.set("bangma", doc["bangma"])
    root.set("taoluc", doc["taoluc"])
    scope = etree.SubElement(root, f"{{{NS}}}phamvi")
    scope.set("loai", doc["phamvi"]["loai"])
    scope.set("ma", doc["phamvi"]["ma"])
    for table in (SECONDARY, PRIMARY):
        for record in doc[table]:
            element = etree.SubElement(root, f"{{{NS}}}{table}")
            element.set("Id", record_element_id(record, table))
            _fill(element, _fields(table), record)
    return root


def to_xml(doc: dict) -> bytes:
    return etree.tostring(to_xml_tree(doc), xml_declaration=True, encoding="UTF-8", pretty_print=True)


@cache
def json_schema() -> dict:
    return json.loads((SCHEMAS / "hocbaso.schema.json").read_text(encoding="utf-8"))


@cache
def xml_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / "hocbaso.xsd")))


def json_errors(doc: dict) -> list[str]:
    """Where a JSON document breaks our schema (empty: it is valid)."""
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(json_schema(), format_checker=Draft202012Validator.FORMAT_CHECKER)
    return [f"{'/'.join(str(p) for p in e.absolute_path)}: {e.message}" for e in validator.iter_errors(doc)]


def xml_errors(data: bytes) -> list[str]:
    """Where an XML document breaks our XSD (empty: it is valid)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    tree = etree.fromstring(data, parser)
    schema = xml_schema()
    if schema.validate(tree):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]


__all__ = ["FORMAT", "NS", "SCHEMA_FILES", "SCHEMA_PATH", "schema_url", "TABLES", "document", "to_json", "to_xml", "to_xml_tree", "json_errors", "xml_errors"]
