/*
 * A small example02-like chaincode for tests/chaincode_shim.rs, run with the real Node.js
 * fabric-shim against our peer (started by hand, as in Fabric's dev mode):
 *   CORE_CHAINCODE_ID_NAME=mycc:1.0 node cc.js --peer.address 127.0.0.1:7052
 * Init(a, aval, b, bval); invoke move(a, b, x), query(k), range(start, end) -> JSON keys,
 * history(k) -> JSON values, fail(msg) -> error response.
 */
'use strict';

const shim = require('fabric-shim');

async function collect(iterator, map) {
    const out = [];
    for (;;) {
        const res = await iterator.next();
        if (res.value) {
            out.push(map(res.value));
        }
        if (res.done) {
            await iterator.close();
            return out;
        }
    }
}

const Chaincode = class {
    async Init(stub) {
        const { params } = stub.getFunctionAndParameters();
        if (params.length !== 4) {
            return shim.error('Incorrect number of arguments. Expecting 4');
        }
        await stub.putState(params[0], Buffer.from(params[1]));
        await stub.putState(params[2], Buffer.from(params[3]));
        return shim.success();
    }

    async Invoke(stub) {
        const { fcn, params } = stub.getFunctionAndParameters();
        switch (fcn) {
        case 'move': {
            const a = parseInt((await stub.getState(params[0])).toString(), 10);
            const b = parseInt((await stub.getState(params[1])).toString(), 10);
            const x = parseInt(params[2], 10);
            if (a < x) {
                return shim.error(`insufficient funds in ${params[0]}`);
            }
            await stub.putState(params[0], Buffer.from(String(a - x)));
            await stub.putState(params[1], Buffer.from(String(b + x)));
            stub.setEvent('moved', Buffer.from(String(x)));
            return shim.success();
        }
        case 'query': {
            const v = await stub.getState(params[0]);
            if (!v || v.length === 0) {
                return shim.error(`no value for ${params[0]}`);
            }
            return shim.success(v);
        }
        case 'put': {
            await stub.putState(params[0], Buffer.from(params[1]));
            return shim.success();
        }
        case 'range': {
            const it = await stub.getStateByRange(params[0], params[1]);
            const keys = await collect(it, (kv) => kv.key);
            return shim.success(Buffer.from(JSON.stringify(keys)));
        }
        case 'history': {
            const it = await stub.getHistoryForKey(params[0]);
            const values = await collect(it, (m) => Buffer.from(m.value).toString());
            return shim.success(Buffer.from(JSON.stringify(values)));
        }
        case 'fail':
            return shim.error(params[0] || 'failed on purpose');
        default:
            return shim.error(`unknown function ${fcn}`);
        }
    }
};

shim.start(new Chaincode());
