"""Fabric's Python SDK (fabric-sdk-py 1.0.0) against a running network.

usage: scenario.py PROFILE.json CHANNEL CHANNEL.tx [CODE_PACKAGE.tar.gz]

PROFILE names the orderer, the peers of each org and each org's Admin (key and cert
files). The scenario creates CHANNEL from CHANNEL.tx (made by configtxgen), joins every peer,
queries the channel's info and each peer's channels; with a code package (a gzipped tar as
the CDS carries it), installs it on every peer as `sdkcc` 1.0, instantiates it with
["init", "a", "100", "b", "200"] (every org's peer must endorse), invokes
["invoke", "a", "b", "10"] on one peer of each org waiting for the commit event, and
queries "a". Prints one `ok: ...` line per step; any failure raises and exits non-zero.
"""
import asyncio
import json
import sys
import time

from hfc.fabric import Client
from hfc.fabric.transaction.tx_context import TXContext
from hfc.fabric.transaction.tx_proposal_request import TXProposalRequest
from hfc.protos.common import common_pb2


def check(what, ok):
    if not ok:
        raise SystemExit(f"FAILED: {what}")
    print(f"ok: {what}", flush=True)


def peers_of(profile, org):
    return profile["organizations"][org]["peers"]


def every_org_policy(msp_ids):
    return {
        "identities": [{"role": {"name": "peer", "mspId": m}} for m in msp_ids],
        "policy": {f"{len(msp_ids)}-of": [{"signed-by": i} for i in range(len(msp_ids))]},
    }


async def wait_for_channel(cli, admin, channel, limit=10.0):
    """Waits until the orderer serves the channel's genesis block. Broadcast answers SUCCESS
    when the creation is accepted for ordering, and the channel exists once its block is
    written (in Fabric's solo as in ours); the SDK's channel_join asks for the genesis block
    once, where Fabric's CLI retries."""
    orderer = cli.get_orderer("orderer.example.com")
    started = time.monotonic()
    while time.monotonic() - started < limit:
        ctx = TXContext(admin, admin.cryptoSuite, TXProposalRequest())
        async for answer in orderer.get_genesis_block(ctx, channel):
            if answer.WhichOneof("Type") == "block":
                return
            break
        await asyncio.sleep(0.05)
    raise SystemExit(f"FAILED: the orderer did not serve {channel} within {limit}s")


async def channel_steps(cli, profile, orgs, channel, tx):
    admin1 = cli.get_user(orgs[0], "Admin")
    created = await cli.channel_create("orderer.example.com", channel, admin1, config_tx=tx)
    check(f"channel_create {channel}", created)
    await wait_for_channel(cli, admin1, channel)
    for org in orgs:
        admin = cli.get_user(org, "Admin")
        joined = await cli.channel_join(
            requestor=admin, channel_name=channel, peers=peers_of(profile, org),
            orderer="orderer.example.com")
        check(f"channel_join {channel} by {org}", joined)
    info = await cli.query_info(admin1, channel, peers_of(profile, orgs[0])[:1])
    check(f"query_info height {info.height} >= 1", info.height >= 1)
    channels = await cli.query_channels(admin1, peers_of(profile, orgs[0])[:1])
    names = [c.channel_id for c in channels.channels]
    check(f"query_channels lists {channel} ({names})", channel in names)


async def chaincode_steps(cli, profile, orgs, channel, package):
    with open(package, "rb") as f:
        code = f.read()
    for org in orgs:
        admin = cli.get_user(org, "Admin")
        responses = await cli.chaincode_install(
            requestor=admin, peers=peers_of(profile, org), cc_path="sdkcc",
            cc_name="sdkcc", cc_version="1.0", packaged_cc=code)
        check(f"chaincode_install by {org}", all(r.response.status == 200 for r in responses))
    admin1 = cli.get_user(orgs[0], "Admin")
    msp_ids = [profile["organizations"][o]["mspid"] for o in orgs]
    await cli.chaincode_instantiate(
        requestor=admin1, channel_name=channel, peers=peers_of(profile, orgs[0])[:1],
        args=["a", "100", "b", "200"], cc_name="sdkcc", cc_version="1.0",
        cc_endorsement_policy=every_org_policy(msp_ids), wait_for_event=True)
    check("chaincode_instantiate with every org's peer in the policy", True)
    endorsers = [peers_of(profile, o)[0] for o in orgs]
    await cli.chaincode_invoke(
        requestor=admin1, channel_name=channel, peers=endorsers, fcn="invoke",
        args=["a", "b", "10"], cc_name="sdkcc", wait_for_event=True)
    check("chaincode_invoke endorsed by every org, committed", True)
    answer = await cli.chaincode_query(
        requestor=admin1, channel_name=channel, peers=endorsers[:1], fcn="query",
        args=["a"], cc_name="sdkcc")
    check(f"chaincode_query a = {answer}", answer == "90")


async def main(profile_path, channel, tx, package):
    with open(profile_path) as f:
        profile = json.load(f)
    cli = Client(net_profile=profile_path)
    orgs = sorted(o for o in profile["organizations"] if o != "orderer.example.com")
    await channel_steps(cli, profile, orgs, channel, tx)
    if package:
        await chaincode_steps(cli, profile, orgs, channel, package)


if __name__ == "__main__":
    if len(sys.argv) not in (4, 5):
        raise SystemExit(__doc__)
    assert common_pb2  # the SDK's protos import
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], (sys.argv[4:] or [None])[0]))
