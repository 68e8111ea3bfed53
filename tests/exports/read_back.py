#!/usr/bin/env python3
# Copyright 2026 The Phiếu Authors
# SPDX-License-Identifier: Apache-2.0
"""Reads an export back with independent parsers and prints JSON for the C++ tests.

  read_back.py csv FILE   -> {"rows": [[cell, ...], ...]}       (Python's csv module)
  read_back.py xlsx FILE  -> {"sheets": [names], "frozen_rows": N, "autofilter": REF,
                              "rows": [[{"t": "n"|"s"|"", "v": value}, ...]], "codebook": [[...]]}
"""
import csv
import json
import re
import sys
import zipfile
import xml.etree.ElementTree as ET

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
      "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}


def col_index(ref):
    n = 0
    for ch in re.match(r"[A-Z]+", ref).group(0):
        n = n * 26 + ord(ch) - 64
    return n - 1


def sheet_rows(z, path, shared):
    root = ET.fromstring(z.read(path))
    rows = []
    for row in root.iter("{%s}row" % NS["m"]):
        cells = []
        for c in row.findall("m:c", NS):
            i = col_index(c.get("r"))
            while len(cells) < i:
                cells.append({"t": "", "v": None})
            t = c.get("t")
            if t == "inlineStr":
                cells.append({"t": "s", "v": "".join(x.text or "" for x in c.iter("{%s}t" % NS["m"]))})
            elif t == "s":
                cells.append({"t": "s", "v": shared[int(c.find("m:v", NS).text)]})
            elif t == "str":
                cells.append({"t": "s", "v": c.find("m:v", NS).text})
            else:
                v = c.find("m:v", NS)
                cells.append({"t": "n" if v is not None else "", "v": float(v.text) if v is not None else None})
        rows.append(cells)
    return root, rows


def read_xlsx(path):
    z = zipfile.ZipFile(path)
    shared = []
    if "xl/sharedStrings.xml" in z.namelist():
        for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", NS):
            shared.append("".join(x.text or "" for x in si.iter("{%s}t" % NS["m"])))
    wb = ET.fromstring(z.read("xl/workbook.xml"))
    names = [s.get("name") for s in wb.find("m:sheets", NS)]
    root, rows = sheet_rows(z, "xl/worksheets/sheet1.xml", shared)
    pane = root.find(".//m:pane", NS)
    af = root.find("m:autoFilter", NS)
    _, codebook = sheet_rows(z, "xl/worksheets/sheet2.xml", shared)
    return {"sheets": names,
            "frozen_rows": int(float(pane.get("ySplit"))) if pane is not None else 0,
            "autofilter": af.get("ref") if af is not None else "",
            "rows": rows,
            "codebook": [[c["v"] for c in r] for r in codebook]}


def main():
    kind, path = sys.argv[1], sys.argv[2]
    if kind == "csv":
        with open(path, newline="", encoding="utf-8-sig") as f:
            out = {"rows": list(csv.reader(f))}
    else:
        out = read_xlsx(path)
    json.dump(out, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
