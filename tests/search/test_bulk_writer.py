"""bulkwriter.BulkWriter must write byte-for-byte the segment Whoosh's own writer writes."""
import random
from datetime import datetime

import pytest
from whoosh.filedb.filestore import FileStorage
from whoosh.writing import SegmentWriter

from marketplace.search.bulkwriter import BulkWriter
from marketplace.search.index import SCHEMA, TEXT_FIELDS

# About the segments Whoosh writes.
pytestmark = pytest.mark.whoosh_only

WORDS = ["停车", "养老", "城管", "vr", "实训", "物联网", "北斗", "孪生", "医疗", "教育", "5g",
         "一网统管", "虚拟电厂", "智慧", "平台"]


def documents(count=400):
    rng = random.Random(3)
    for n in range(count):
        texts = {f"t_{name}": " ".join(rng.choices(WORDS, k=rng.randint(0, 25)))
                 for name in TEXT_FIELDS}
        yield {"key": f"product:{n}", "kind": rng.choice(["opportunity", "product"]),
               "all": " ".join(texts.values()), "org": rng.choice(["南昌 科技", "红谷滩区 城管"]),
               **texts, "f_field": rng.choice(["a", "b"]), "f_group": "g",
               "f_tag": ",".join(rng.sample(WORDS, 2)), "f_region": "360102",
               "f_path": "36 3601 360102", "f_release": "none", "f_maturity": "none",
               "published": int(datetime(2026, 1, 1).timestamp()) + n, "deadline": 738000 + n}


def segment_files(writer_class, directory):
    ix = FileStorage(str(directory)).create_index(SCHEMA)
    writer = writer_class(ix, limitmb=64, compound=False)
    for fields in documents():
        writer.add_document(**fields)
    writer.commit()
    segment = ix._segments()[0].segment_id()
    return {path.name.replace(segment, "*"): path.read_bytes()
            for path in directory.iterdir() if segment in path.name}


def test_bulk_writer_writes_the_same_segment(tmp_path):
    (tmp_path / "whoosh").mkdir()
    (tmp_path / "bulk").mkdir()
    expected = segment_files(SegmentWriter, tmp_path / "whoosh")
    got = segment_files(BulkWriter, tmp_path / "bulk")
    assert any(name.endswith(".pst") for name in expected)
    assert got.keys() == expected.keys()
    for name in expected:
        assert got[name] == expected[name], name
