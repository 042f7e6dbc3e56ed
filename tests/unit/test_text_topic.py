"""Topic from the taxonomy seed and the model: a hand-written example per topic, and posts that
fit none."""

from __future__ import annotations

from typing import get_args

import pytest

from pantau.transform.text.topic import load_taxonomy, topic, topic_batch
from pantau.transform.text.typing import NO_TOPIC, TopicLabel


@pytest.mark.parametrize(("text", "expected"), [
    ("antrian bikin SIM di polres lama bgt, loketnya cuma 1", "pelayanan_publik"),
    ("ngurus SKCK skrg bisa online, cepet", "pelayanan_publik"),
    ("laporan sy ga ditanggepin, percuma lapor", "laporan_diabaikan"),
    ("udah 3 bulan lapor kehilangan motor ga ada kabar, harus viral dulu ya", "laporan_diabaikan"),
    ("dimintai uang damai 200rb sama oknum pas razia", "pungli_pemerasan"),
    ("demonstran dipukuli aparat, gas air mata dimana2", "kekerasan_berlebihan"),
    ("kasus pembunuhan itu di SP3 gitu aja, keadilan dimana", "penanganan_kasus"),
    ("salut pak, gercep banget bantu warga yg mogok di jalan", "apresiasi_pelayanan"),
    ("polres bagi sembako ke warga kurang mampu 🙏", "bakti_sosial"),
    ("baksos donor darah di mapolres hari jumat", "bakti_sosial"),
    ("kena tilang pas operasi zebra, lupa bawa helm", "lalu_lintas"),
    ("kecelakaan beruntun di tol, macet parah", "lalu_lintas"),
    ("begal beraksi lagi, motor warga dicuri", "kriminalitas"),
    ("pelaku curanmor diringkus polisi", "kriminalitas"),
    ("oknum polisi mabuk dan arogan, laporin ke propam!", "pelanggaran_anggota"),
    ("oknum minta damai di tempat, laporin ke propam!", "pungli_pemerasan"),
    ("ada pungli di pos polisi", "pungli_pemerasan"),
    ("anggota positif narkoba, sidang etik minggu depan", "pelanggaran_anggota"),
    ("banjir setinggi dada, polisi bantu evakuasi warga", "bencana"),
    ("gempa bumi guncang cianjur, warga mengungsi", "bencana"),
    ("himbauan: jangan lupa kunci ganda kendaraan ya", "himbauan_informasi"),
    ("waspada hoaks penerimaan anggota polri", "himbauan_informasi"),
])
def test_every_topic_has_a_hand_written_example(text: str, expected: TopicLabel) -> None:
    assert topic(text) == expected


@pytest.mark.parametrize("text", ["makan siang enak bgt hari ini", "selamat ulang tahun bro 🎉",
                                  "polisi", "", None, "https://t.co/x"])
def test_posts_that_fit_no_topic_are_lainnya(text: str | None) -> None:
    assert topic(text) == "lainnya"


def test_taxonomy_covers_the_design_topics_and_batch_matches_scalar() -> None:
    taxonomy = load_taxonomy()
    assert set(taxonomy.topics) == set(get_args(TopicLabel)) - {NO_TOPIC}
    texts = ["ada pungli di pos polisi", "banjir lagi", "makan siang"]
    assert topic_batch(texts) == [topic(t) for t in texts]


def test_a_bad_taxonomy_row_is_rejected_with_its_line(tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "topic_taxonomy.csv"
    bad.write_text("topic_id,topic_name,term,weight\nbencana,Bencana,banjir,-1\n", encoding="utf-8")
    with pytest.raises(ValueError, match=":2:"):
        load_taxonomy(bad)
