//! Fabric's example05 chaincode (examples/chaincode/go/example05) written with the Rust shim:
//! chaincode-to-chaincode. Init `sum, value`; `invoke <chaincode> <sum> [channel]` queries
//! `a` and `b` of an example02 chaincode, stores their sum under `sum` and answers it;
//! `query <chaincode> <sum> [channel]` answers the sum without storing it. Same arguments,
//! outputs and error texts as the Go sample.

use fabric_shim::{error, success, Chaincode, ChaincodeStub, Response};

struct SimpleChaincode;

impl Chaincode for SimpleChaincode {
    fn init(&self, stub: &mut ChaincodeStub) -> Response {
        let (_, args) = stub.get_function_and_parameters();
        if args.len() != 2 {
            return error("Incorrect number of arguments. Expecting 2");
        }
        let Ok(sum) = args[1].parse::<i64>() else {
            return error("Expecting integer value for sum");
        };
        println!("sumVal = {sum}");
        match stub.put_state(&args[0], sum.to_string().into_bytes()) {
            Ok(()) => success(Vec::new()),
            Err(e) => error(e.to_string()),
        }
    }

    fn invoke(&self, stub: &mut ChaincodeStub) -> Response {
        let (function, args) = stub.get_function_and_parameters();
        match function.as_str() {
            "invoke" | "query" => sum(stub, &args, function == "invoke"),
            _ => success(b"Invalid invoke function name. Expecting \"invoke\" \"query\"".to_vec()),
        }
    }
}

/// The holding `entity` of the example02 chaincode `chaincode` on `channel`.
fn holding(
    stub: &ChaincodeStub,
    chaincode: &str,
    entity: &str,
    channel: &str,
) -> Result<i64, Response> {
    let response = stub.invoke_chaincode(chaincode, &[b"query", entity.as_bytes()], channel);
    if response.status != fabric_shim::OK {
        let text = format!(
            "Failed to query chaincode. Got error: {}",
            String::from_utf8_lossy(&response.payload)
        );
        print!("{text}");
        return Err(error(text));
    }
    String::from_utf8_lossy(&response.payload)
        .parse()
        .map_err(|e| {
            let text = format!("Error retrieving state from ledger for queried chaincode: {e}");
            print!("{text}");
            error(text)
        })
}

fn sum(stub: &ChaincodeStub, args: &[String], store: bool) -> Response {
    if args.len() < 2 {
        return error("Incorrect number of arguments. Expecting atleast 2");
    }
    let (chaincode, name) = (&args[0], &args[1]);
    let channel = args.get(2).map(String::as_str).unwrap_or("");
    let total = match (
        holding(stub, chaincode, "a", channel),
        holding(stub, chaincode, "b", channel),
    ) {
        (Ok(a), Ok(b)) => a + b,
        (Err(e), _) | (_, Err(e)) => return e,
    };
    if store {
        if let Err(e) = stub.put_state(name, total.to_string().into_bytes()) {
            return error(e.to_string());
        }
        println!("Invoke chaincode successful. Got sum {total}");
    } else {
        println!("Query chaincode successful. Got sum {total}");
        println!("Query Response:{{\"Name\":\"{name}\",\"Value\":\"{total}\"}}");
    }
    success(total.to_string().into_bytes())
}

fn main() {
    if let Err(e) = fabric_shim::start_or_serve(SimpleChaincode) {
        eprintln!("Error starting Simple chaincode: {e}");
        std::process::exit(1);
    }
}
