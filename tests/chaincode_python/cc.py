"""A key-value chaincode on fabric-chaincode-python 2.5.4 (PyPI), run as a chaincode
service: it listens on CHAINCODE_SERVER_ADDRESS as CHAINCODE_ID and the peer dials it
through the ccaas external builder.

init K V            puts K=V
invoke put K V      puts K=V            invoke get K     answers V
invoke del K        deletes K           invoke range A B answers the keys in [A, B) as JSON
"""
import json

from fabric_chaincode_python.fabric_shim import response, server
from fabric_chaincode_python.fabric_shim.interfaces import Chaincode


class KV(Chaincode):
    async def init(self, stub):
        _, args = stub.get_function_and_parameters()
        if len(args) != 2:
            return response.error("init wants a key and a value")
        await stub.put_state(args[0], args[1])
        return response.success(b"")

    async def invoke(self, stub):
        fn, args = stub.get_function_and_parameters()
        if fn == "put" and len(args) == 2:
            await stub.put_state(args[0], args[1])
            return response.success(b"")
        if fn == "get" and len(args) == 1:
            value = await stub.get_state(args[0])
            if not value:
                return response.error(f"no key {args[0]}")
            return response.success(bytes(value))
        if fn == "del" and len(args) == 1:
            await stub.delete_state(args[0])
            return response.success(b"")
        if fn == "range" and len(args) == 2:
            keys = [kv.key async for kv in await stub.get_state_by_range(args[0], args[1])]
            return response.success(json.dumps(keys).encode())
        return response.error(f"unknown function {fn} with {len(args)} arguments")


if __name__ == "__main__":
    server.start(KV)
