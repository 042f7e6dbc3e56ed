"""Texts of the synthetic scenarios: templates times vocabulary slots, then the noise of real posts.

A text is built in three steps, all with the scenario's seeded ``random.Random``:

1. a template of a *theme* (praise of a quick SKCK service, a pungli complaint, an official
   traffic notice…) whose ``{slots}`` are filled from :data:`~.vocabulary.SLOTS` — slang and
   standard variants of the same word sit in one slot, so one template reads many ways;
2. an opener, a tail clause, English/Javanese/Sundanese code-mixing and emojis, each chosen for
   the planted sentiment;
3. noise: a typo (two letters swapped), an elongated last word, a case style.

The precinct reference (``{ref}``) is never touched by the noise, so the ground truth stays
exact: the planted precinct is named in the text by that very string.
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, TypeVar

from producers.scenario.vocabulary import (
    CODE_MIX,
    EMOJIS,
    OPENERS,
    SLOTS,
    TAILS,
    THEME_HASHTAGS,
    Platform,
    Precinct,
)

Sentiment = Literal["positive", "neutral", "negative"]
SENTIMENTS: tuple[Sentiment, ...] = ("positive", "neutral", "negative")
Topic = Literal["pelayanan_publik", "bakti_sosial", "lalu_lintas", "kriminalitas",
                "pelanggaran_anggota", "bencana", "himbauan_informasi", "lainnya"]
TOPICS: tuple[Topic, ...] = ("pelayanan_publik", "bakti_sosial", "lalu_lintas", "kriminalitas",
                             "pelanggaran_anggota", "bencana", "himbauan_informasi", "lainnya")

_Compiled = tuple[tuple[str, str | None], ...]
_T = TypeVar("_T")


def compile_template(template: str) -> _Compiled:
    """Split ``"a {x} b"`` into ``(("a ", "x"), (" b", None))`` once, for fast rendering."""
    return tuple((literal, name or None)
                 for literal, name, _spec, _conv in string.Formatter().parse(template))


@dataclass(frozen=True)
class Theme:
    """A family of templates with the same planted topic and sentiment."""

    name: str
    topic: Topic
    sentiment: Sentiment
    templates: tuple[_Compiled, ...]
    #: How many precincts the templates name: 0, 1 or 2 (``{ref}``, ``{ref2}``).
    refs: int = 1
    lang: str = "id"


def _theme(name: str, topic: Topic, sentiment: Sentiment, templates: tuple[str, ...], *,
           refs: int = 1, lang: str = "id") -> Theme:
    return Theme(name, topic, sentiment, tuple(compile_template(t) for t in templates),
                 refs=refs, lang=lang)


# --- citizens' posts about one precinct --------------------------------------------------------
CITIZEN_THEMES: tuple[Theme, ...] = (
    _theme("praise_service", "pelayanan_publik", "positive", (
        "bikin {layanan} di {ref} {skrg} cepet {bgt}, {gak} pake calo {gak} pake ribet",
        "{td} ngurus {layanan} di {ref}, petugasnya {sifat_baik} {bgt} {salut}",
        "pelayanan {layanan} {ref} {mantul}, {udh} jadi {gak} sampe sejam",
        "{salut} {sm} {petugas} {ref} {yg} {sifat_baik} pas {sy} ngurus {layanan}",
        "{barang} {orang} {yg} ilang ketemu {krn} {ref} {sifat_baik}, {mantul}",
        "{orang} kecelakaan {waktu}, {petugas} {ref} {yg} nolongin duluan, {sifat_baik} {bgt}",
        "{ref} {mantul}, lapor kehilangan {barang} {td} langsung dilayani {dgn} {sifat_baik}",
        "{gak} nyangka ngurus {layanan} di {ref} bisa secepet ini {wkwk}",
    )),
    _theme("praise_baksos", "bakti_sosial", "positive", (
        "{ref} {baksos} di {tempat} {waktu}, {warga} pada seneng {bgt}",
        "{salut} {sm} {ref}, {baksos} buat {warga} {yg} kurang mampu",
        "{petugas} {ref} {baksos} ke {warga}, humanis {bgt} {mantul}",
        "{waktu} ada {baksos} dari {ref} di {tempat}, {orang} kebagian jg",
        "{baksos} {ref} hari ini rame {bgt}, polisi {yg} kayak gini {yg} bikin adem",
    )),
    _theme("praise_arrest", "kriminalitas", "positive", (
        "{kejahatan} {yg} meresahkan di {tempat} akhirnya diringkus {ref}, {mantul}",
        "{ref} gercep nangkep pelaku {kejahatan}, {gak} sampe 2x24 jam {salut}",
        "{kendaraan} {orang} {yg} dicuri {udh} ketemu {krn} {ref}, makasih pak",
        "pelaku {kejahatan} {waktu} {udh} ditangkap {ref}, {bener2} {sifat_baik}",
    )),
    _theme("praise_disaster", "bencana", "positive", (
        "{petugas} {ref} bantu evakuasi {warga} {yg} kena {bencana} di {tempat} {salut}",
        "{ref} turun langsung pas {bencana} {waktu}, {sifat_baik} {bgt}",
        "liat {petugas} {ref} gendong lansia pas {bencana}, {sedih} tp bangga",
        "{bencana} di {tempat}, {ref} {udh} buka posko, {mantul}",
    )),
    _theme("complaint_service", "pelayanan_publik", "negative", (
        "bikin {layanan} di {ref} lama {bgt}, antri dari pagi {blm} dipanggil",
        "{petugas} loket {layanan} {ref} {sifat_buruk} {bgt}, {kesel}",
        "ngurus {layanan} di {ref} disuruh bolak balik {lama}, {parah}",
        "{ref} pelayanan {layanan} nya {sifat_buruk}, {gak} ada kepastian",
        "mau {layanan} di {ref} eh disuruh lewat calo bayar {jumlah}, {parah}",
        "telpon {ref} {gak} diangkat2 pas {orang} kena {kejahatan}, {kesel}",
    )),
    _theme("complaint_report_ignored", "pelayanan_publik", "negative", (
        "laporan {kejahatan} {orang} ke {ref} {udh} {lama} {gak} ada kabar, no viral no justice",
        "{udh} lapor {kejahatan} ke {ref} {lama} {yg} lalu, laporan diabaikan. harus viral dulu?",
        "percuma lapor ke {ref}, kasus {kejahatan} {orang} diabaikan {lama}",
        "{orang} lapor {barang} ilang ke {ref}, {gak} ditanggepin sama sekali {kesel}",
        "laporan {kejahatan} di {ref} mandek {lama}, {petugas} {sifat_buruk}",
    )),
    _theme("misconduct", "pelanggaran_anggota", "negative", (
        "{oknum} {ref} minta damai di tempat {jumlah} pas {razia} di {tempat}, {parah}",
        "{waktu} kena {razia} di {tempat}, {oknum} {ref} minta uang {jumlah}. pungli {bgt}",
        "{oknum} {ref} {sifat_buruk} {bgt} ke {warga} di {tempat}, {kesel}",
        "kena tilang {dgn} {oknum} {ref}, ditawarin salam tempel {jumlah} {anjir}",
        "{oknum} {ref} bentak2 {orang} cuma {krn} {gak} pake helm, {parah}",
        "pungli di {tempat} sama {oknum} {ref} masih ada aja, {jumlah} per {kendaraan}",
    )),
    _theme("traffic_info", "lalu_lintas", "neutral", (
        "ada {razia} di {tempat} dekat {ref} {td}, siapin surat2",
        "{razia} {ref} di {tempat} sampe {jam}, {kendaraan} banyak {yg} diberhentiin",
        "macet {bgt} di {tempat}, {petugas} {ref} lg ngatur lalu lintas",
        "{ref} berlakuin rekayasa lalu lintas di {jalan}, {skrg} contraflow",
        "jalan di {tempat} ditutup {ref} {utk} acara, lewat {jalan} aja",
        "{td} lewat {tempat} ada {petugas} {ref} jaga, lancar kok",
    )),
    _theme("accident", "lalu_lintas", "neutral", (
        "kecelakaan {kendaraan} vs {kendaraan} di {tempat} {waktu}, {petugas} {ref} {udh} di lokasi",
        "ada tabrakan di {jalan} {td}, ditangani {ref}",
        "{kendaraan} terguling di {tempat}, arus dialihkan {ref}",
        "laka lantas di {tempat} {waktu}, olah TKP {sm} {ref}, hati2 licin",
    )),
    _theme("crime_fear", "kriminalitas", "negative", (
        "{kejahatan} di {tempat} makin parah, {ref} kemana aja?",
        "{orang} jadi korban {kejahatan} di {tempat} {waktu}, {ref} tolong patroli",
        "{waktu} {kendaraan} tetangga ilang lg di {tempat}, {ref} {gak} ada tindakan",
        "serem {bgt} {kejahatan} di {tempat}, {ref} {gmn} nih",
    )),
    _theme("crime_info", "kriminalitas", "neutral", (
        "info {ref}: pelaku {kejahatan} di {tempat} {udh} diamankan",
        "{ref} lg olah TKP {kejahatan} di {tempat} {td}",
        "ada {petugas} {ref} rame di {tempat}, katanya penggerebekan {kejahatan}",
    )),
    _theme("question", "pelayanan_publik", "neutral", (
        "{layanan} di {ref} buka jam berapa ya?",
        "bikin {layanan} di {ref} syaratnya apa aja {gmn}?",
        "{ref} hari {hari} buka {gak} {utk} {layanan}?",
        "ada {yg} tau nomor pengaduan {ref}?",
        "{td} lewat {ref} rame {bgt}, ada apa ya?",
        "{layanan} online {ref} udh bisa {blm} ya?",
    )),
    _theme("disaster_info", "bencana", "neutral", (
        "{bencana} di {tempat} {waktu}, {ref} {udh} di lokasi",
        "update {bencana} {tempat}: {petugas} {ref} {sm} BPBD lg evakuasi",
        "{bencana} lg di {tempat}, akses jalan ditutup {ref}",
    )),
)

TWO_PRECINCT_THEMES: tuple[Theme, ...] = (
    _theme("joint_operation", "lalu_lintas", "neutral", (
        "{ref} {sm} {ref2} gelar {razia} gabungan di perbatasan {td}",
        "{razia} serentak di {ref} dan {ref2} sampe {jam}",
        "pelaku {kejahatan} lintas wilayah diburu {ref} {sm} {ref2}",
    ), refs=2),
    _theme("comparison", "pelayanan_publik", "neutral", (
        "mending bikin {layanan} di {ref} atau {ref2} ya?",
        "{layanan} di {ref} {sm} {ref2} beda syarat {gak} sih?",
    ), refs=2),
)

CHATTER_THEMES: tuple[Theme, ...] = (
    _theme("offtopic_traffic", "lainnya", "negative", (
        "macet {bgt} di {tempat} {waktu}, {kesel}", "{kendaraan} mogok di {tempat} {anjir}",
        "hujan deres, {tempat} banjir lg {wkwk}", "telat ngantor {krn} macet di {jalan}",
    ), refs=0),
    _theme("offtopic_daily", "lainnya", "neutral", (
        "{td} makan bakso di {tempat} enak {bgt}", "gabut {bgt} {skrg} {wkwk}",
        "{orang} nanya mau mudik lewat {jalan} atau tol", "{waktu} nongkrong di {tempat} rame",
        "kangen pulang kampung {wkwk}", "{orang} baru beli {kendaraan} baru {mantul}",
    ), refs=0),
    _theme("police_general", "pelayanan_publik", "negative", (
        "no viral no justice emang nyata, lapor {kejahatan} {gak} diurus",
        "polisi jaman {skrg} {gmn} sih, {kesel}", "{oknum} lg {oknum} lg, kapan berubah",
    ), refs=0),
    _theme("police_general_praise", "bakti_sosial", "positive", (
        "{salut} {sm} polisi {yg} {baksos} di {tempat}", "masih ada polisi baik kok, {salut}",
    ), refs=0),
)

# --- official accounts (formal Indonesian) -----------------------------------------------------
OFFICIAL_THEMES: tuple[Theme, ...] = (
    _theme("official_himbauan", "himbauan_informasi", "neutral", (
        "Himbauan {name}: waspada {kejahatan} di wilayah {city}. Gunakan kunci ganda dan "
        "segera lapor ke nomor darurat 110.",
        "Sobat Presisi, {name} mengimbau masyarakat {city} tetap waspada terhadap {kejahatan} "
        "terutama pada malam hari.",
        "Imbauan Kamtibmas: jangan mudah percaya penipuan yang mengatasnamakan {name}. Layanan "
        "{layanan} tidak dipungut biaya di luar ketentuan.",
        "Jelang akhir pekan, {name} mengingatkan warga {city} agar tidak meninggalkan rumah dalam "
        "keadaan kosong. Hubungi 110 bila ada kejadian.",
    )),
    _theme("official_traffic", "lalu_lintas", "neutral", (
        "Info lalu lintas: Satlantas {name} memberlakukan rekayasa lalu lintas di {jalan} mulai "
        "pukul {jam} WIB. Mohon maaf atas ketidaknyamanannya.",
        "{hari} ini Satlantas {name} menggelar {razia} di {tempat} pukul {jam} WIB. Lengkapi "
        "surat kendaraan Anda.",
        "Situasi arus lalu lintas di {jalan} wilayah {city} pukul {jam} WIB ramai lancar. "
        "Utamakan keselamatan.",
        "Layanan SIM keliling {name} hari {hari} hadir di {tempat} pukul {jam} WIB.",
    )),
    _theme("official_baksos", "bakti_sosial", "positive", (
        "{name} menyalurkan {paket} paket sembako kepada warga {city} yang membutuhkan. "
        "Polri hadir untuk masyarakat.",
        "Jumat Berkah, personel {name} berbagi {paket} nasi kotak kepada warga di {tempat}.",
        "Bakti sosial {name}: donor darah dan pengobatan gratis bagi {paket} warga {city}.",
        "{name} bersama warga membersihkan lingkungan pasca {bencana} di {tempat}.",
    )),
    _theme("official_arrest", "kriminalitas", "positive", (
        "{name} berhasil mengamankan {angka} pelaku {kejahatan} yang beraksi di {tempat}. "
        "Para tersangka kini ditahan untuk proses lebih lanjut.",
        "Konferensi pers: Satreskrim {name} mengungkap kasus {kejahatan} dengan {angka} "
        "tersangka di wilayah {city}.",
    )),
    _theme("official_disaster", "bencana", "positive", (
        "Personel {name} membantu evakuasi warga terdampak {bencana} di {tempat}. Posko terpadu "
        "dibuka 24 jam.",
        "{name} mendirikan dapur umum untuk {paket} warga korban {bencana} di {city}.",
    )),
)

# --- news articles (headline — lead) -----------------------------------------------------------
NEWS_THEMES: tuple[Theme, ...] = (
    _theme("news_arrest", "kriminalitas", "neutral", (
        "{name} Tangkap {angka} Pelaku {kejahatan} di {city} — Petugas menyita barang bukti "
        "berupa {kendaraan} dan {barang} dari tangan pelaku.",
        "Komplotan {kejahatan} Diringkus {name} — Para pelaku beraksi di {tempat} sejak {lama} "
        "terakhir.",
    )),
    _theme("news_accident", "lalu_lintas", "neutral", (
        "Kecelakaan {kendaraan} di {jalan}, {name} Lakukan Olah TKP — Arus lalu lintas sempat "
        "tersendat selama {angka} jam.",
        "{name} Berlakukan Rekayasa Lalu Lintas di {jalan} — Kepadatan terjadi mulai pukul {jam}.",
    )),
    _theme("news_baksos", "bakti_sosial", "positive", (
        "{name} Bagikan {paket} Paket Sembako untuk Warga {city} — Kegiatan bakti sosial "
        "digelar di {tempat}.",
    )),
    _theme("news_misconduct", "pelanggaran_anggota", "negative", (
        "Oknum Anggota {name} Diduga Lakukan Pungli Saat {razia} — Video pungutan liar "
        "sebesar {jumlah} beredar luas di media sosial.",
        "Warga Keluhkan Laporan {kejahatan} yang Mandek di {name} — Korban mengaku sudah "
        "melapor sejak {lama} lalu.",
    )),
    _theme("news_disaster", "bencana", "neutral", (
        "{bencana} Landa {city}, {name} Evakuasi Warga — Sedikitnya {paket} warga mengungsi.",
    )),
)


# --- planted events: roots, reactions, official responses -------------------------------------
@dataclass(frozen=True)
class Story:
    """One archetype of a planted event: the root post, and what the story is called."""

    name: str
    topic: Topic
    roots: tuple[_Compiled, ...]
    #: How an official statement describes it ("dugaan pungli saat razia").
    summary: str
    #: Slots every post of the event shares (the same amount, place, vehicle…).
    fixed_slots: tuple[str, ...]


def _story(name: str, topic: Topic, summary: str, fixed: tuple[str, ...],
           roots: tuple[str, ...]) -> Story:
    return Story(name, topic, tuple(compile_template(t) for t in roots), summary, fixed)


NEGATIVE_STORIES: tuple[Story, ...] = (
    _story("pungli_razia", "pelanggaran_anggota", "dugaan pungli saat {razia} di {tempat}",
           ("razia", "tempat", "jumlah", "waktu", "kendaraan"), (
               "{oknum} {ref} minta {jumlah} buat damai di tempat pas {razia} di {tempat} "
               "{waktu}. ada videonya, tolong viralin",
               "video: {oknum} {ref} terima uang {jumlah} dari pengendara {kendaraan} pas "
               "{razia} di {tempat}. no viral no justice",
           )),
    _story("laporan_diabaikan", "pelayanan_publik",
           "laporan {kejahatan} yang belum ditindaklanjuti",
           ("kejahatan", "lama", "orang"), (
               "{orang} lapor {kejahatan} ke {ref} {udh} {lama} {gak} diproses, malah disuruh "
               "nyari pelaku sendiri. harus viral dulu?",
               "thread: {lama} nunggu kejelasan laporan {kejahatan} di {ref}. laporan diabaikan, "
               "korban disuruh sabar",
           )),
    _story("arogan", "pelanggaran_anggota", "tindakan arogan anggota di {tempat}",
           ("tempat", "warga", "kendaraan", "waktu"), (
               "{oknum} {ref} bentak dan dorong {warga} di {tempat} {waktu} cuma gara2 "
               "{kendaraan} parkir. ada rekamannya",
               "viral {oknum} {ref} tendang {kendaraan} {warga} di {tempat}, arogan {bgt}",
           )),
    _story("salah_tangkap", "pelanggaran_anggota", "dugaan salah tangkap warga",
           ("orang", "kejahatan", "lama"), (
               "{orang} ditangkap {ref} dituduh {kejahatan} padahal {gak} salah apa2, {udh} "
               "{lama} ditahan. tolong bantu",
           )),
    _story("calo_layanan", "pelayanan_publik", "dugaan calo di layanan {layanan}",
           ("layanan", "jumlah"), (
               "bikin {layanan} di {ref} ditembak {jumlah} lewat calo di dalem kantor. "
               "katanya {gak} bakal lulus kalo {gak} bayar",
           )),
)

POSITIVE_STORIES: tuple[Story, ...] = (
    _story("evakuasi", "bencana", "evakuasi warga terdampak {bencana}",
           ("bencana", "tempat", "warga"), (
               "{petugas} {ref} gendong {warga} nyebrang {bencana} di {tempat}, {salut} "
               "{bgt} nangis liatnya",
               "video {petugas} {ref} nerobos {bencana} di {tempat} buat nyelametin {warga}",
           )),
    _story("baksos", "bakti_sosial", "kegiatan {baksos} di {tempat}",
           ("baksos", "tempat", "warga"), (
               "{petugas} {ref} {baksos} ke {warga} di {tempat} pake uang pribadi, {salut}",
               "{ref} {baksos} di {tempat}, {petugas} nya ikut masak sendiri {mantul}",
           )),
    _story("antar_rs", "pelayanan_publik", "pengawalan warga ke rumah sakit",
           ("orang", "tempat", "kendaraan"), (
               "{orang} mau lahiran kejebak macet di {tempat}, {petugas} {ref} kawal sampe RS. "
               "{salut}",
               "{petugas} {ref} dorong {kendaraan} {orang} yg mogok trus anter ke RS, "
               "{sifat_baik} {bgt}",
           )),
    _story("tangkap_cepat", "kriminalitas", "pengungkapan kasus {kejahatan}",
           ("kejahatan", "tempat", "kendaraan"), (
               "pelaku {kejahatan} di {tempat} {yg} viral kemarin {udh} ditangkap {ref} "
               "{gak} sampe 24 jam, {mantul}",
           )),
    _story("kembalikan_barang", "pelayanan_publik", "pengembalian {barang} milik warga",
           ("barang", "orang", "tempat"), (
               "{barang} {orang} ketinggalan di {tempat}, ditemuin {petugas} {ref} terus "
               "dianter ke rumah. jujur {bgt}",
           )),
)

REACTIONS: dict[Sentiment, tuple[_Compiled, ...]] = {
    "negative": tuple(compile_template(t) for t in (
        "{parah}", "{kesel} liatnya", "usut tuntas {ref}!", "ini {yg} bikin {org} males lapor",
        "no viral no justice emang nyata", "{oknum} kyk gini harus dipecat",
        "{anjir} {jumlah}?? {parah}", "sama, {sy} jg pernah digituin", "malu2in seragam",
        "tolong {ref} jgn diem aja", "viral dulu baru gerak, {kesel}", "semoga cepet ditindak",
        "{ref} {gmn} nih tanggapannya?", "mana propam?", "{gak} kaget sih", "bagiin biar rame",
        "kalo {gak} viral pasti {gak} diurus", "{sedih} {bgt} jd rakyat kecil",
    )),
    "positive": tuple(compile_template(t) for t in (
        "{salut}", "{mantul} pak", "semoga sehat selalu pak", "polisi teladan",
        "ini baru {ref} {mantul}", "{sedih} sekaligus bangga", "naikin pangkatnya!",
        "panjang umur orang baik", "respect buat {petugas}", "jadi percaya lg sm polisi",
        "{wkwk} terharu {bgt} aku", "harusnya {yg} kyk gini {yg} viral",
        "makasih {ref}", "{bener2} mengayomi", "auto follow {ref}",
    )),
    "neutral": tuple(compile_template(t) for t in (
        "ini dimana ya?", "kapan kejadiannya?", "ada link videonya?", "up", "nyimak",
        "lokasi {tempat} ya?", "cek dulu faktanya", "ini {ref} kan?", "share", "sumbernya?",
        "{td} liat di grup wa", "pantau", "ikutan nyimak {wkwk}",
    )),
}

OFFICIAL_RESPONSES: dict[str, tuple[_Compiled, ...]] = {
    "negative_issue": tuple(compile_template(t) for t in (
        "Menanggapi video viral terkait {summary}, {name} telah memeriksa anggota yang "
        "bersangkutan melalui Seksi Propam. Terima kasih atas informasi masyarakat.",
        "Klarifikasi {name}: terkait {summary}, kami mohon maaf dan akan menindak tegas "
        "anggota yang terbukti melanggar. Laporan dapat disampaikan ke 110.",
        "{name} menindaklanjuti {summary}. Kapolres telah memerintahkan pemeriksaan dan "
        "perkembangan akan kami sampaikan secara terbuka.",
    )),
    "positive_viral": tuple(compile_template(t) for t in (
        "Terima kasih atas apresiasi masyarakat terkait {summary}. {name} akan terus hadir "
        "melayani warga.",
        "{name} bangga atas dedikasi personel dalam {summary}. Polri untuk masyarakat.",
    )),
}

AFTERMATH: dict[Sentiment, tuple[_Compiled, ...]] = {
    "positive": tuple(compile_template(t) for t in (
        "gercep juga akhirnya, makasih", "nah gitu dong {ref}", "semoga tuntas ya pak",
        "respect udh tanggap", "{mantul}, ditunggu hasilnya",
    )),
    "negative": tuple(compile_template(t) for t in (
        "nunggu viral dulu baru gerak", "klarifikasi doang, hasilnya mana?",
        "template {bgt} jawabannya", "telat {ref}, {udh} {lama} baru respon",
        "pasti ujung2nya damai", "halah pencitraan",
    )),
}

_CASE_STYLES = ("lower", "lower", "lower", "lower", "first", "first", "upper")


class TextMaker:
    """Renders templates with the scenario's random stream (one instance per stream).

    Args:
        rng: the seeded random source; every choice comes from it, so texts are reproducible.
    """

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.random = rand = rng.random

        def choice(seq: Sequence[_T]) -> _T:
            # rng.choice costs ~2µs (rejection sampling); this is ~0.2µs, equally seeded
            return seq[int(rand() * len(seq))]

        self.choice = choice

    # building blocks ----------------------------------------------------------------------
    # These run for every post: choices are inlined as ``seq[int(rand() * len(seq))]`` (what
    # ``choice`` does) and the draws are made in the same order as ever, so a seed gives the
    # same texts.
    def fill(self, template: _Compiled, fixed: dict[str, str]) -> str:
        """Fill every slot: ``fixed`` first (ref, story details), else a random word."""
        rand = self.random
        get = fixed.get
        parts = []
        append = parts.append
        for literal, slot in template:
            append(literal)
            if slot is not None:
                value = get(slot)
                if value is None:
                    words = SLOTS[slot]
                    value = words[int(rand() * len(words))]
                append(value)
        return "".join(parts)

    def reference(self, precinct: Precinct, platform: Platform) -> str:
        """A string naming ``precinct`` as people write it on ``platform``."""
        rand = self.random
        roll = rand()
        if platform == "news":  # articles name the precinct in words, never by handle
            roll *= 0.549
        if roll < 0.18:
            return precinct.name
        if roll < 0.55:
            aliases = precinct.aliases
            alias = aliases[int(rand() * len(aliases))]
            return alias.title() if rand() < 0.3 else alias
        handles = precinct.handles
        if roll < 0.8 and handles:
            official = precinct.official.get(platform)
            handle = official if official and rand() < 0.7 else handles[
                int(rand() * len(handles))]
            return "@" + handle
        hashtags = precinct.hashtags
        if hashtags:
            return "#" + hashtags[int(rand() * len(hashtags))]
        aliases = precinct.aliases
        return aliases[int(rand() * len(aliases))]

    def decorate(self, core: str, sentiment: Sentiment, *, protect: tuple[str, ...],
                 hashtags: tuple[str, ...] = (), rich: bool = True) -> str:
        """Opener, tail, code-mixing, emojis, hashtags and noise around a core sentence.

        Args:
            core: the filled template.
            sentiment: chooses openers, tails, code-mixing and emojis that fit.
            protect: strings the noise must leave intact (precinct references).
            hashtags: tags to append (without ``#``).
            rich: False for short replies (fewer additions).
        """
        rand = self.random
        text = core
        if rich:
            words = OPENERS[sentiment]
            opener = words[int(rand() * len(words))]
            if opener:
                text = f"{opener} {text}"
            words = TAILS[sentiment]
            tail = words[int(rand() * len(words))]
            if tail:
                text = f"{text}{_SEPARATORS[int(rand() * _N_SEPARATORS)]}{tail}"
        if rand() < (0.22 if rich else 0.1):
            separator = _SEPARATORS[int(rand() * _N_SEPARATORS)]
            words = CODE_MIX[sentiment]
            text = f"{text}{separator}{words[int(rand() * len(words))]}"
        # noise: typo, elongation
        if rand() < 0.15:
            text = self._typo(text, protect)
        if rand() < 0.12:
            last = text[-1]
            if last.isalpha() and not text.endswith(protect):
                text += last * (2 + int(rand() * 4))
        style = _CASE_STYLES[int(rand() * _N_CASE_STYLES)]
        if style == "first":
            text = text[:1].upper() + text[1:]
        elif style == "upper" and sentiment == "negative" and rand() < 0.5:
            upper = text.upper()
            for keep in protect:  # handles and hashtags keep their case
                upper = upper.replace(keep.upper(), keep)
            text = upper
        if rand() < 0.6:
            emojis = EMOJIS[sentiment]
            emoji = emojis[int(rand() * len(emojis))]
            repeat = 1 + int(rand() * 3)
            text = f"{text} {emoji * repeat}" if rand() < 0.7 else (
                f"{text} {emoji}{emojis[int(rand() * len(emojis))]}")
        if hashtags:
            text = f"{text} #{' #'.join(hashtags)}"
        return text

    def _typo(self, text: str, protect: tuple[str, ...]) -> str:
        words = text.split(" ")
        index = int(self.random() * len(words))
        word = words[index]
        if len(word) < 4 or not word.isalpha():
            return text
        at = 1 + int(self.random() * (len(word) - 2))
        words[index] = word[:at - 1] + word[at] + word[at - 1] + word[at + 1:]
        typo = " ".join(words)
        return typo if all(p in typo for p in protect) else text

    def theme_hashtags(self, sentiment: Sentiment, chance: float = 0.25) -> tuple[str, ...]:
        """Zero or one general hashtag for the sentiment (#NoViralNoJustice…)."""
        rand = self.random
        if rand() < chance:
            tags = THEME_HASHTAGS[sentiment]
            return (tags[int(rand() * len(tags))],)
        return ()


_SEPARATORS = (", ", ". ", " ", "... ", "!! ", " - ", ". ", "\n")
_N_SEPARATORS = len(_SEPARATORS)
_N_CASE_STYLES = len(_CASE_STYLES)
# No look-behind: it makes findall ~4x slower, and generated texts never glue "@" or "#" to a
# preceding word (no e-mail addresses), so the simple patterns find the same entities.
_MENTION = re.compile(r"@(\w[\w.]*)")
_HASHTAG = re.compile(r"#(\w+)")


def entities(text: str) -> tuple[list[str], list[str]]:
    """The ``(hashtags, mentions)`` of a text, without ``#``/``@``, as platforms report them."""
    hashtags = _HASHTAG.findall(text) if "#" in text else []
    mentions = [m.rstrip(".") for m in _MENTION.findall(text)] if "@" in text else []
    return hashtags, mentions

ENGLISH_THEMES: tuple[Theme, ...] = (
    _theme("english_praise", "pelayanan_publik", "positive", (
        "the officers at {ref} were so helpful today, got my {layanan} done in 30 minutes",
        "shoutout to {ref} for helping my {orang} after the accident, real heroes",
        "{ref} handled the {bencana} evacuation really well, so proud",
    ), lang="en"),
    _theme("english_complaint", "pelanggaran_anggota", "negative", (
        "an officer from {ref} asked me for {jumlah} at a checkpoint, worst service ever",
        "reported a {kejahatan} to {ref} {lama} ago and nothing happened. no viral no justice",
    ), lang="en"),
)

#: News headlines about a planted event (fixed slot ``summary`` is the story's description).
NEWS_EVENT: dict[str, tuple[_Compiled, ...]] = {
    "negative_issue": tuple(compile_template(t) for t in (
        "Viral di Media Sosial, Warganet Soroti {summary} di Wilayah {name} — Unggahan tersebut "
        "telah dibagikan ribuan kali.",
        "Heboh {summary}, {name} Jadi Sorotan — Warganet menuntut pengusutan tuntas.",
    )),
    "positive_viral": tuple(compile_template(t) for t in (
        "Aksi Personel {name} dalam {summary} Tuai Pujian Warganet — Video tersebut viral di "
        "media sosial.",
        "Viral, {summary} oleh Polisi {name} Banjir Apresiasi — Warga mengaku terharu.",
    )),
}
