"""The tested part of docs/scaling.md's "past one machine": the Parquet copy of the events
mirrored to an S3-compatible object store (moto's S3 server on loopback, standing in for
S3 or MinIO) and queried there by DuckDB through pyarrow's S3 filesystem (no DuckDB
extension, nothing downloaded): the same funnel as on the local copy, on SQLite and
PostgreSQL, over the real permit log."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from surveyapp.events import analytics
from surveyapp.events import store as st
from surveyapp.experiments import columnar, funnels
from surveyapp.segments import imports

LOG = Path(__file__).parents[1] / "fixtures" / "events" / "wabo_receipt_400_cases.csv"
RECEIPT = ["Confirmation of receipt", "T02 Check confirmation of receipt",
           "T04 Determine confirmation of receipt"]


@pytest.fixture
def bucket() -> Iterator[object]:
    import boto3
    import pyarrow.fs as pafs
    import requests
    from moto.server import ThreadedMotoServer

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    boto3.client("s3", endpoint_url=endpoint, region_name="eu-west-1",
                 aws_access_key_id="testing", aws_secret_access_key="testing").create_bucket(
        Bucket="events", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    yield pafs.S3FileSystem(access_key="testing", secret_key="testing", region="eu-west-1",
                            endpoint_override=endpoint, scheme="http")
    requests.post(f"{endpoint}/moto-api/reset", timeout=10)
    server.stop()


def test_the_copy_mirrored_to_object_storage_gives_the_same_funnel(app, db, team, bucket):
    import pyarrow.dataset as ds
    import pyarrow.fs as pafs

    env_id = team.workspace.environments[0].id
    imports.import_file(db.session, env_id, "events", LOG, "csv")
    db.session.commit()
    local = funnels.compute(db.session, team.workspace.id, RECEIPT, 24 * 30, engine="duckdb")
    store = st.store_of_app()
    # Mirror the files the manifest names (what `aws s3 sync var/events s3://...` does).
    files = store.files(store.load(), [env_id])
    assert files
    keys = [f"events/{f.relative_to(store.root)}" for f in files]
    for path, key in zip(files, keys, strict=True):
        pafs.copy_files(str(path), key, destination_filesystem=bucket)
    remote = ds.dataset(keys, filesystem=bucket, format="parquet", schema=st.schema())
    con = st.duck()
    try:
        con.register("remote", remote)
        con.execute("CREATE TEMP VIEW events AS SELECT * FROM remote")
        events = analytics.Events(con, [env_id], [])
        stats = columnar.funnel_stats(events, RECEIPT, 24 * 30)
    finally:
        con.close()
    counts = [stats[(i, "all")][0] for i in range(len(RECEIPT))]
    assert counts == [s.count for s in local[0].steps]
    assert counts[0] == 400 and counts[-1] > 0
