"""Urgent work information (综治维稳工作信息, 紧急) goes first: a small partial bundle ahead of
the cumulative one. The partial bundle moves no watermark, so nothing can be skipped."""

from __future__ import annotations

import json

import httpx
from sqlalchemy import select

from app.models import BundleLog, SyncHwm
from app.services import registers as reg
from app.sync.client import sync_once
from app.sync.container import open_bundle
from app.sync.manifest import parse
from app.sync.netproto import BUNDLES_PATH

from ..sync.conftest import peer
from ..sync.helpers import add_dispute, add_visit
from .conftest import Node, RunningHub, bulk_people

INFO = {
    "信息标题": "三组发生群体性聚集",
    "紧急程度": "紧急",
    "信息类别": "群体性事件",
    "发生时间": "2026-03-16 07:30",
    "信息内容": "约20名村民聚集在村委会门口反映征地补偿问题。",
    "报送单位": "柳树村综治中心",
    "报送人": "王芳",
    "报送时间": "2026-03-16 08:10",
}


class Recorder(httpx.BaseTransport):
    """Keeps the manifest of every uploaded bundle, in order."""

    def __init__(self, tmp: object) -> None:
        self.inner = httpx.HTTPTransport()
        self.tmp = tmp
        self.sent: list[dict[str, object]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == BUNDLES_PATH:
            body = request.read()
            path = self.tmp / f"sent-{len(self.sent)}.zzb"  # type: ignore[operator]
            path.write_bytes(body)
            opened = open_bundle(path)
            try:
                m = parse(opened.manifest_bytes)
            finally:
                opened.close()
            self.sent.append({"partial": m.partial, "counts": m.counts})
            request = httpx.Request(
                request.method, request.url, headers=request.headers, content=body
            )
        return self.inner.handle_request(request)


def test_urgent_information_is_pushed_first(
    village: Node, township: Node, hub: RunningHub, tmp_path: object
) -> None:
    add_dispute(village.ctx, 1)
    add_visit(village.ctx, 2)
    bulk_people(village, 300)
    urgent = reg.add_record(village.ctx, "work_info", INFO).record
    normal = reg.add_record(village.ctx, "work_info", {**INFO, "紧急程度": "一般"}).record
    rec = Recorder(tmp_path)
    report = sync_once(village.db, hub.url, clock=village.clock, transport=rec)
    assert [p.kind for p in report.pushes] == ["urgent", "bundle"]
    assert "紧急信息" in report.message
    first, second = rec.sent
    assert first["partial"] is True and second["partial"] is False
    counts = first["counts"]
    assert isinstance(counts, dict) and counts["register_record"] == 1
    assert set(counts) <= {"register_record", "register_type", "register_field"}
    assert sum(counts.values()) < 60  # small: the urgent item and what files it
    # the hub filed it first; the partial bundle moved no watermark
    with township.db.session() as s:
        logs = list(
            s.scalars(
                select(BundleLog)
                .where(BundleLog.direction == "import", BundleLog.peer_code == village.code)
                .order_by(BundleLog.seq)
            )
        )
        assert [json.loads(x.summary)["partial"] for x in logs] == [True, False]
        hwm = s.get(SyncHwm, village.code)
        assert hwm is not None and hwm.rev == logs[1].rev_to
    assert township.rows(village.code) == village.rows(village.code)
    ids = township.rows(village.code)["register_record"]
    assert urgent.record_id in ids and normal.record_id in ids
    # once acknowledged with everything else it is not sent ahead again
    again = sync_once(village.db, hub.url, clock=village.clock, transport=rec)
    assert again.pushes == []
    # a change to it is urgent again
    reg.update_record(village.ctx, urgent.id, {"信息内容": "聚集人员已疏散。"}, partial=True)
    third = sync_once(village.db, hub.url, clock=village.clock, transport=rec)
    assert [p.kind for p in third.pushes] == ["urgent", "bundle"]
    assert peer(village, township.code).acked_rev > 0


def test_urgent_bundle_alone_does_not_advance_anything(
    village: Node, township: Node, hub: RunningHub
) -> None:
    from app.sync.importer import import_bundle
    from app.sync.priority import export_urgent

    bulk_people(village, 20)
    reg.add_record(village.ctx, "work_info", INFO)
    got = export_urgent(village.ctx, village.out)
    assert got is not None
    res, revs = got
    assert len(revs) == 1
    imported = import_bundle(township.ctx, res.path)
    assert imported.status == "imported" and imported.summary["partial"] is True
    assert township.ctx.session.get(SyncHwm, village.code) is None  # nothing proven complete
    # the cumulative bundle after it still brings everything
    assert township.import_(village.export().path).status == "imported"
    assert township.rows(village.code) == village.rows(village.code)
