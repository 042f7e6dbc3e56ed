"""Words of the synthetic scenarios: how people name a precinct, and the colloquial Indonesian
they write around it.

Precinct names, aliases, handles and hashtags come from the dbt seeds through
:func:`pantau.contract.reference.load_polres` (the one source of truth the warehouse also loads),
the ``handle`` rows of ``polres_aliases.csv`` included. The word lists below are the texture:
slang and abbreviations, elongations, emojis, English and regional (Javanese, Sundanese)
code-mixing, and the police-domain terms of the topic taxonomy.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from pantau.contract.reference import SEEDS_DIR, load_polres
from pantau.contract.vocabulary import SCENARIO_PLATFORMS, ScenarioPlatform

Platform = ScenarioPlatform
PLATFORMS: tuple[Platform, ...] = SCENARIO_PLATFORMS
#: Social platforms, where official precinct accounts live (news has outlets, not accounts).
SOCIAL_PLATFORMS: tuple[Platform, ...] = ("x", "instagram", "facebook", "tiktok", "youtube")

RefKind = Literal["name", "alias", "handle", "hashtag"]


@dataclass(frozen=True)
class Precinct:
    """One precinct with every string that names it, ready for the text builder.

    Attributes:
        polres_id: the seed key.
        name: the official name ("Polres Metro Jakarta Selatan").
        polres_type: polres, polresta or polrestabes.
        polda: the regional command.
        city: the city or regency of the seed.
        official: official handle per platform (without ``@``), only where the seed has one.
        aliases: lower-case names and aliases people write ("polres jaksel").
        hashtags: hashtags without ``#``.
        handles: every handle people tag (official ones first), without ``@``.
        weight: how much this precinct is talked about (big cities more).
    """

    polres_id: str
    name: str
    polres_type: str
    polda: str
    city: str
    official: dict[str, str]
    aliases: tuple[str, ...]
    hashtags: tuple[str, ...]
    handles: tuple[str, ...]
    weight: float


_TYPE_WEIGHT = {"polrestabes": 4.0, "polresta": 2.0, "polres": 1.0}


@cache
def precincts(seeds_dir: Path = SEEDS_DIR) -> tuple[Precinct, ...]:
    """Every precinct of the seeds; a string that names two precincts is left out of both.

    Ambiguous strings would make the ground truth a guess, so they are never planted.
    """
    rows = load_polres(seeds_dir) if seeds_dir != SEEDS_DIR else load_polres()
    owners: Counter[str] = Counter()
    for row in rows:
        strings = {a.lower() for a in (row.name, *row.aliases)}
        strings |= {f"#{t.lower()}" for t in row.hashtags}
        strings |= {f"@{h.lower()}" for h in (*row.handles.values(), *row.alias_handles)}
        owners.update(strings)
    out = []
    for row in rows:
        aliases = tuple(dict.fromkeys(a.lower() for a in (row.name, *row.aliases)
                                      if owners[a.lower()] == 1))
        hashtags = tuple(dict.fromkeys(t for t in row.hashtags if owners[f"#{t.lower()}"] == 1))
        handles = tuple(dict.fromkeys(h for h in (*row.handles.values(),
                                                  *row.alias_handles)
                                      if owners[f"@{h.lower()}"] == 1))
        official = {p: h for p, h in row.handles.items() if owners[f"@{h.lower()}"] == 1}
        out.append(Precinct(
            polres_id=row.polres_id, name=row.name, polres_type=row.polres_type,
            polda=row.polda, city=row.city, official=official,
            aliases=aliases or (row.name.lower(),), hashtags=hashtags, handles=handles,
            weight=_TYPE_WEIGHT.get(row.polres_type, 1.0)
            * (3.0 if row.polda == "Polda Metro Jaya" else 1.0),
        ))
    return tuple(out)


# ---------------------------------------------------------------------------------------------
# Slot vocabulary. Templates in texts.py name slots as {slot}; each is filled with one of these.
# Slang variants sit beside the standard word, so the same template reads formal or colloquial.
# ---------------------------------------------------------------------------------------------
def _elongate(word: str, *, times: tuple[int, ...] = (2, 3, 5)) -> list[str]:
    """``banget`` -> ``bangeet``, ``bangeeet``…: the last vowel (or letter) repeated."""
    index = max((i for i, c in enumerate(word) if c in "aiueo"), default=len(word) - 1)
    out = []
    for n in times:
        out.append(word[:index] + word[index] * n + word[index + 1:])
        out.append(word + word[-1] * n)
    return out


SLOTS: dict[str, tuple[str, ...]] = {
    # slang and abbreviations
    "gak": ("gak", "ga", "nggak", "gk", "engga", "enggak", "tdk", "tidak", "ngga", "g"),
    "yg": ("yg", "yang", "yng"),
    "bgt": ("bgt", "banget", "bngt", "bgtt", "bgttt", "bet", *_elongate("banget")),
    "udh": ("udh", "udah", "sdh", "sudah", "dah", "udaah"),
    "sm": ("sm", "sama", "ama"),
    "krn": ("krn", "karena", "karna", "gara2", "soalnya"),
    "tp": ("tp", "tapi", "tpi"),
    "gmn": ("gmn", "gimana", "gmna", "bagaimana"),
    "dgn": ("dgn", "dengan", "dg", "sama"),
    "bener2": ("bener2", "bener-bener", "beneran", "bnr2", "sungguh"),
    "aja": ("aja", "aj", "saja", "doang"),
    "sy": ("sy", "saya", "gw", "gue", "aku", "ak", "gua", "w"),
    "org": ("org", "orang", "orng"),
    "jg": ("jg", "juga", "jugaa"),
    "lg": ("lg", "lagi", "lgi"),
    "td": ("td", "tadi", "barusan", "tdi"),
    "skrg": ("skrg", "sekarang", "skrang", "now"),
    "utk": ("utk", "untuk", "buat", "bwt"),
    "blm": ("blm", "belum", "blom", "belom"),
    "mantul": ("mantul", "mantap", "mantab", "mantappp", "mantap jiwa", "keren", "kerenn",
               "top", "josss", "mantep", "kece", *_elongate("mantap", times=(3,))),
    "parah": ("parah", "parahh", "parahhh", "parah sih", "keterlaluan", "gila", "gilaa",
              "kebangetan", *_elongate("parah", times=(3, 4))),
    "anjir": ("anjir", "anjirr", "njir", "anjay", "astaga", "ya allah", "buset", "busett",
              "wtf", "hadeh", "hadehh", "duh"),
    "wkwk": ("wkwk", "wkwkwk", "wkwkwkwk", "haha", "hahaha", "awokawok", "xixixi", "😂", "🤣"),
    "sedih": ("sedih", "sedihh", "miris", "mirisss", "ngenes", "nyesek"),
    "kesel": ("kesel", "kesell", "gondok", "emosi", "dongkol", "geram", "jengkel", "muak"),
    "salut": ("salut", "respect", "hormat", "bangga", "terharu", "kagum", "angkat topi"),
    # people, places, things
    "petugas": ("petugas", "pak polisi", "bapak polisi", "anggota", "bapaknya", "polisinya",
                "pak pol", "aparat", "bapak2 polisi", "personel"),
    "oknum": ("oknum", "oknum polisi", "oknum anggota", "oknum aparat", "si oknum",
              "bapak oknum", "oknum berseragam"),
    "warga": ("warga", "masyarakat", "rakyat kecil", "emak2", "bapak2", "anak2", "lansia",
              "pedagang kaki lima", "ojol", "driver ojol", "mahasiswa", "pelajar"),
    "orang": ("ibu sy", "bapak sy", "adek gw", "temen kantor", "tetangga", "sepupu sy",
              "temen kos", "pacar gw", "bokap", "nyokap", "om sy", "kakak sy", "pak RT",
              "temen kuliah", "ibu2 penjual sayur", "kakek sy", "bude", "pakde", "abang ojol"),
    "tempat": ("jl. sudirman", "perempatan lampu merah", "depan indomaret", "depan alfamart",
               "bundaran", "pintu tol", "depan pasar", "flyover", "jalan raya", "gang sempit",
               "depan kampus", "terminal", "stasiun", "depan masjid", "pertigaan", "alun-alun",
               "jembatan", "depan SPBU", "simpang lima", "kawasan industri", "pelabuhan",
               "jalur pantura", "depan mall", "ringroad", "jalan protokol", "dekat sekolah"),
    "waktu": ("td pagi", "semalem", "tadi malem", "kemarin sore", "barusan", "jam 2 pagi",
              "pas subuh", "siang tadi", "minggu lalu", "kemaren", "pas jam pulang kantor",
              "hari ini", "barusan bgt", "sore ini", "malam minggu", "tengah malem"),
    "kendaraan": ("motor", "mobil", "nmax", "beat", "vario", "avanza", "truk", "angkot",
                  "bus", "scoopy", "pcx", "motor matic", "mobil pickup", "xenia", "supra"),
    "barang": ("hp", "dompet", "motor", "tas", "laptop", "helm", "sepeda", "kalung emas",
               "ktp", "stnk", "kunci motor", "koper"),
    "jumlah": ("50rb", "100rb", "150 ribu", "200rb", "300rb", "500rb", "1 juta", "2jt", "250k",
               "75 ribu", "400rb", "1,5jt", "goceng doang", "cepek"),
    "lama": ("2 minggu", "sebulan", "3 bulan", "setahun", "4 bulan", "berminggu-minggu",
             "6 bulan", "5 hari", "2 bulan", "hampir setahun", "seminggu lebih"),
    "layanan": ("SIM", "SKCK", "perpanjang SIM", "bikin SKCK", "SIM C", "SIM A", "laporan kehilangan",
                "surat kehilangan", "STNK", "BPKB", "pengaduan", "SPKT", "tes SIM", "SIM keliling"),
    "kejahatan": ("begal", "curanmor", "maling motor", "jambret", "copet", "penipuan online",
                  "geng motor", "tawuran", "pencurian", "perampokan", "judi online", "narkoba",
                  "balap liar", "pembobolan rumah"),
    "bencana": ("banjir", "longsor", "banjir bandang", "angin puting beliung", "kebakaran",
                "gempa", "rob", "pohon tumbang", "tanah longsor", "genangan"),
    "razia": ("razia", "operasi zebra", "operasi patuh", "razia knalpot brong", "tilang",
              "razia gabungan", "operasi ketupat", "cek kelengkapan surat", "razia helm",
              "pemeriksaan surat2", "tilang manual", "razia balap liar"),
    "baksos": ("bakti sosial", "baksos", "bagi sembako", "jumat berkah", "bagi2 makanan",
               "donor darah", "bedah rumah", "santunan anak yatim", "bagi takjil",
               "pengobatan gratis", "bagi masker", "cek kesehatan gratis", "bantu panti asuhan"),
    "sifat_baik": ("sigap", "humanis", "ramah", "gercep", "responsif", "tanggap", "cepet bgt",
                   "helpful", "profesional", "ngayomin", "sabar bgt", "sopan", "baik hati"),
    "sifat_buruk": ("arogan", "jutek", "lelet", "ribet", "galak", "kasar", "cuek", "lambat bgt",
                    "sok kuasa", "semena-mena", "gak profesional", "males2an", "tebang pilih"),
    "jalan": ("jalur mudik", "tol cikampek", "jalan arteri", "jalur puncak", "ringroad utara",
              "jalan lingkar", "jalur alternatif", "underpass", "jalan provinsi", "bypass"),
    "angka": ("2", "3", "4", "5", "6", "7", "8", "10", "12", "15", "20", "25", "30"),
    "jam": ("06.00", "07.30", "08.00", "09.15", "10.00", "13.00", "14.30", "16.00", "19.00",
            "20.00", "21.30", "22.00", "23.00"),
    "hari": ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"),
    "paket": ("100", "150", "200", "250", "300", "350", "400", "500", "750", "1.000", "1.200"),
}

OPENERS: dict[str, tuple[str, ...]] = {
    "positive": ("", "", "", "", "salut!", "alhamdulillah", "wah", "wahh", "keren", "asli",
                 "guys", "gaes", "min", "terharu", "MasyaAllah", "akhirnya", "sumpah", "seriusan",
                 "jujur", "thread:", "fyi", "bangga", "lur", "euy", "good news!", "btw"),
    "negative": ("", "", "", "", "kesel bgt", "tolong viralin", "ya allah", "astaga", "anjir",
                 "serius?", "gila", "miris", "bro", "min", "wkwk", "hadeh", "sumpah", "jujur",
                 "RT yg banyak", "ini nyata", "tolong", "bismillah viral", "lur", "ngeri",
                 "heran deh", "speak up:"),
    "neutral": ("", "", "", "", "", "info", "info:", "fyi", "guys", "gaes", "min", "lur",
                "btw", "update:", "cmiiw", "nanya dong", "mau nanya", "warga sini tau?",
                "eh", "oy", "permisi", "ada yg tau", "heads up:"),
}

TAILS: dict[str, tuple[str, ...]] = {
    "positive": ("", "", "", "semoga berkah", "sehat selalu pak", "pertahankan!",
                 "polisi yg kayak gini yg kita butuhin", "makasih bgt pak",
                 "panjang umur orang2 baik", "jadi adem liatnya", "berkah selalu",
                 "harus dicontoh", "bikin percaya lg sm polisi", "terima kasih pak pol",
                 "semoga naik pangkat", "yg kayak gini jarang diviralin", "baik bgt sih",
                 "nangis liatnya", "gak semua polisi jelek kok", "auto respect", "gaskeun terus"),
    "negative": ("", "", "", "tolong diusut", "malu2in institusi", "mau lapor kemana lg coba",
                 "kapan berubahnya", "harus viral dulu baru gerak?", "mana janji presisi",
                 "rakyat kecil selalu kalah", "capek bgt", "tolong @divisihumaspolri",
                 "usut tuntas!", "copot aja", "percuma bayar pajak", "gak habis pikir",
                 "trauma sy", "semoga cepet ditindak", "kecewa berat", "sampe kapan kyk gini",
                 "pecat!", "bikin males lapor"),
    "neutral": ("", "", "", "", "hati2 ya", "cmiiw", "ada yg tau?", "siapin surat2",
                "mending lewat jalur lain", "stay safe", "buat yg mau lewat", "semoga lancar",
                "pantau terus", "share ke grup keluarga", "biar pada tau", "jgn lupa bawa ktp",
                "yg dekat situ hati2", "info lanjut nyusul", "catet ya"),
}

CODE_MIX: dict[str, tuple[str, ...]] = {
    "positive": ("so proud", "respect", "big respect", "well done", "salute", "wholesome bgt",
                 "love it", "the real hero", "faith in humanity restored", "thank you sir",
                 "sae pisan", "mantap pisan", "hatur nuhun pak", "apik tenan", "matur nuwun pak",
                 "joss tenan", "alus pisan", "kereen pisan euy", "sip lah"),
    "negative": ("worst service ever", "so disappointing", "unbelievable", "what a joke",
                 "shame on you", "seriously?", "abuse of power", "no justice",
                 "ora mutu", "teu bener ieu", "mboten pantes", "kebangetan tenan",
                 "edan pisan", "ra cetho", "asa teu adil", "wes ora percoyo"),
    "neutral": ("just info", "fyi guys", "heads up", "traffic jam parah", "be careful",
                "ati-ati lur", "sing ati-ati", "punten info", "mangga dicek", "stay safe guys",
                "ngapunten", "nuhun infona"),
}

EMOJIS: dict[str, tuple[str, ...]] = {
    "positive": ("👏", "🙏", "😍", "🥺", "❤️", "👍", "🔥", "💪", "😇", "🫡", "✨", "🥹", "💯",
                 "🤲", "😊"),
    "negative": ("😡", "🤬", "😤", "🙄", "😒", "💢", "🤡", "😠", "👎", "🤦", "😭", "😩",
                 "🖕", "💀", "😑"),
    "neutral": ("🚓", "🚨", "⚠️", "📢", "🚗", "🛵", "📍", "🤔", "👀", "🕐", "📸", "🌧️"),
}

#: Hashtags people add beside the precinct's own.
THEME_HASHTAGS: dict[str, tuple[str, ...]] = {
    "positive": ("PolisiBaik", "PolriPresisi", "PolisiHumanis", "Salut", "OrangBaik",
                 "PolriUntukMasyarakat", "BaktiSosial", "JumatBerkah"),
    "negative": ("NoViralNoJustice", "PercumaLaporPolisi", "UsutTuntas", "SaveRakyatKecil",
                 "ReformasiPolri", "Pungli", "ViralkanSaja"),
    "neutral": ("InfoLantas", "Razia", "InfoWarga", "Lalin", "Waspada", "InfoTerkini"),
}

OFFICIAL_HASHTAGS = ("PolriPresisi", "PolriUntukMasyarakat", "Humas", "PolisiMengayomi",
                     "KamtibmasKondusif", "SalamPresisi", "PolriHumanis")

# people who post -------------------------------------------------------------------------
FIRST_NAMES = (
    "rizky", "dewi", "andi", "putri", "agus", "sri", "budi", "siti", "fajar", "nurul", "dimas",
    "ayu", "eko", "indah", "bayu", "rina", "joko", "lestari", "yusuf", "wulan", "hendra",
    "fitri", "arif", "nadia", "teguh", "maya", "iqbal", "citra", "galih", "intan", "reza",
    "dinda", "wahyu", "sinta", "bagus", "rani", "ilham", "tari", "gilang", "anisa", "yoga",
    "mega", "rudi", "novi", "asep", "ujang", "neng", "made", "ketut", "wayan", "komang",
    "ucok", "butet", "daeng", "cut", "teuku", "kadek", "ahmad", "muhammad", "nur", "tika",
)
LAST_NAMES = (
    "pratama", "saputra", "wijaya", "lestari", "hidayat", "kurniawan", "santoso", "nugroho",
    "setiawan", "rahmawati", "siregar", "nasution", "simanjuntak", "harahap", "sihombing",
    "putra", "sari", "permana", "gunawan", "susanto", "hakim", "maulana", "ramadhan",
    "firmansyah", "utami", "anggraini", "purnomo", "wibowo", "prasetyo", "hutapea", "lubis",
    "pangaribuan", "manurung", "tanjung", "daulay", "suryadi", "halim", "tan", "lim", "ginting",
)
HANDLE_STYLES = ("{f}{l}", "{f}_{l}", "{f}.{l}", "{f}{n}", "{f}_{n}", "{f}{l}{n}", "its{f}",
                 "{f}_real", "{l}{f}", "{f}{l}_", "xx{f}xx", "{f}zz{n}", "bang{f}", "mbak{f}",
                 "{f}.official", "akun{f}", "{f}gaming", "{f}story", "ceritanya{f}")

#: Fictitious outlets (synthetic articles are not attributed to real media).
NEWS_OUTLETS = (
    ("wartanusantara", "Warta Nusantara"), ("kabarkota", "Kabar Kota"),
    ("suarawarga", "Suara Warga"), ("beritasatujam", "Berita Satu Jam"),
    ("lintasdaerah", "Lintas Daerah"), ("pantauanrakyat", "Pantauan Rakyat"),
    ("infonusa", "Info Nusa"), ("harianpelosok", "Harian Pelosok"),
    ("kabartimur", "Kabar Timur"), ("metropolitanpost", "Metropolitan Post"),
)
