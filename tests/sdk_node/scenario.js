/*
 * fabric-network 2.2.20 (Fabric's Node SDK) against our network, run by tests/it/sdk_node.rs:
 *   node scenario.js <settings.json>
 * settings: { channel, chaincode, mspId, certPath, keyPath, peerUrl, ordererUrl, discovery }
 * Connects a Gateway (discovery on with asLocalhost, or off with the connection profile's
 * peer and orderer), submits `move a b 10` (endorse, order, wait for the commit event) and
 * evaluates `query a` and `query b`. Prints one `ok: ...` line per step; any failure is one
 * `error: ...` line and exit status 1.
 */
'use strict';

const fs = require('fs');
const { Gateway, Wallets } = require('fabric-network');

async function main() {
    const s = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
    const wallet = await Wallets.newInMemoryWallet();
    await wallet.put('user', {
        credentials: {
            certificate: fs.readFileSync(s.certPath, 'utf8'),
            privateKey: fs.readFileSync(s.keyPath, 'utf8'),
        },
        mspId: s.mspId,
        type: 'X.509',
    });
    const profile = {
        name: 'fabric-rs',
        version: '1.0.0',
        client: { organization: s.mspId, connection: { timeout: { peer: { endorser: '30' } } } },
        organizations: { [s.mspId]: { mspid: s.mspId, peers: ['peer0'] } },
        peers: { peer0: { url: s.peerUrl } },
        orderers: { orderer0: { url: s.ordererUrl } },
        channels: {
            [s.channel]: {
                orderers: ['orderer0'],
                peers: {
                    peer0: {
                        endorsingPeer: true,
                        chaincodeQuery: true,
                        ledgerQuery: true,
                        eventSource: true,
                    },
                },
            },
        },
    };
    const mode = s.discovery ? 'discovery on' : 'discovery off';
    const gateway = new Gateway();
    await gateway.connect(profile, {
        wallet,
        identity: 'user',
        discovery: { enabled: s.discovery, asLocalhost: true },
        eventHandlerOptions: { commitTimeout: 60 },
    });
    try {
        const network = await gateway.getNetwork(s.channel);
        console.log(`ok: getNetwork ${s.channel} (${mode})`);
        if (s.discovery) {
            // Peers added by the discovery service are named by their announced endpoint.
            const names = network.getChannel().getEndorsers().map((p) => p.name).sort();
            console.log(`ok: endorsers ${names.join(' ')} (${mode})`);
        }
        const contract = network.getContract(s.chaincode);
        const before = Number((await contract.evaluateTransaction('query', 'a')).toString());
        console.log(`ok: evaluate query a = ${before} (${mode})`);
        await contract.submitTransaction('move', 'a', 'b', '10');
        console.log(`ok: submit move a b 10 (${mode})`);
        const after = Number((await contract.evaluateTransaction('query', 'a')).toString());
        if (after !== before - 10) {
            throw new Error(`query a gave ${after} after the move, expected ${before - 10}`);
        }
        console.log(`ok: evaluate query a = ${after} (${mode})`);
    } finally {
        gateway.disconnect();
    }
}

main().then(
    () => process.exit(0),
    (e) => {
        console.log(`error: ${e && e.stack ? e.stack : e}`);
        process.exit(1);
    },
);
