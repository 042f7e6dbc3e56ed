"""The KRaft cluster id the stack formats its storage with."""

from __future__ import annotations

import base64
import re

from pantau.local.kafka import new_cluster_id


def test_cluster_ids_are_kafka_uuids_that_never_start_with_a_dash() -> None:
    # one id in 64 would start with "-" if drawn blindly: 5000 draws would all but surely
    # show one (the storage tool then reads the id as an option and formatting fails)
    ids = [new_cluster_id() for _ in range(5000)]
    assert not [i for i in ids if i.startswith("-")]
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{22}", i) for i in ids)
    assert all(len(base64.urlsafe_b64decode(i + "==")) == 16 for i in ids[:100])
    assert len(set(ids)) == len(ids)
