//! Fabric's example02 chaincode (examples/chaincode/go/example02) written with the Rust shim:
//! two entities with integer holdings. Init `a, aval, b, bval`; invoke `invoke a b x` moves x
//! from a to b, `delete a`, `query a` answers the holding. Same arguments, outputs and error
//! texts as the Go sample.

use fabric_shim::{error, success, Chaincode, ChaincodeStub, Response};

struct SimpleChaincode;

/// Go's `strconv.Atoi`: a decimal integer with an optional sign.
fn atoi(s: &str) -> Option<i64> {
    s.parse().ok()
}

impl Chaincode for SimpleChaincode {
    fn init(&self, stub: &mut ChaincodeStub) -> Response {
        println!("ex02 Init");
        let (_, args) = stub.get_function_and_parameters();
        if args.len() != 4 {
            return error("Incorrect number of arguments. Expecting 4");
        }
        let (Some(aval), Some(bval)) = (atoi(&args[1]), atoi(&args[3])) else {
            return error("Expecting integer value for asset holding");
        };
        println!("Aval = {aval}, Bval = {bval}");
        for (key, value) in [(&args[0], aval), (&args[2], bval)] {
            if let Err(e) = stub.put_state(key, value.to_string().into_bytes()) {
                return error(e.to_string());
            }
        }
        success(Vec::new())
    }

    fn invoke(&self, stub: &mut ChaincodeStub) -> Response {
        println!("ex02 Invoke");
        let (function, args) = stub.get_function_and_parameters();
        match function.as_str() {
            "invoke" => move_holding(stub, &args),
            "delete" => delete(stub, &args),
            "query" => query(stub, &args),
            _ => error("Invalid invoke function name. Expecting \"invoke\" \"delete\" \"query\""),
        }
    }
}

/// The holding of `entity`, parsed as Go does (an unparsable value counts as 0).
fn holding(stub: &ChaincodeStub, entity: &str) -> Result<i64, Response> {
    let bytes = stub
        .get_state(entity)
        .map_err(|_| error("Failed to get state"))?;
    if bytes.is_empty() {
        return Err(error("Entity not found"));
    }
    Ok(atoi(&String::from_utf8_lossy(&bytes)).unwrap_or(0))
}

fn move_holding(stub: &ChaincodeStub, args: &[String]) -> Response {
    if args.len() != 3 {
        return error("Incorrect number of arguments. Expecting 3");
    }
    let (a, b) = (&args[0], &args[1]);
    let (aval, bval) = match (holding(stub, a), holding(stub, b)) {
        (Ok(aval), Ok(bval)) => (aval, bval),
        (Err(e), _) | (_, Err(e)) => return e,
    };
    let Some(x) = atoi(&args[2]) else {
        return error("Invalid transaction amount, expecting a integer value");
    };
    let (aval, bval) = (aval - x, bval + x);
    println!("Aval = {aval}, Bval = {bval}");
    for (key, value) in [(a, aval), (b, bval)] {
        if let Err(e) = stub.put_state(key, value.to_string().into_bytes()) {
            return error(e.to_string());
        }
    }
    success(Vec::new())
}

fn delete(stub: &ChaincodeStub, args: &[String]) -> Response {
    if args.len() != 1 {
        return error("Incorrect number of arguments. Expecting 1");
    }
    match stub.del_state(&args[0]) {
        Ok(()) => success(Vec::new()),
        Err(_) => error("Failed to delete state"),
    }
}

fn query(stub: &ChaincodeStub, args: &[String]) -> Response {
    if args.len() != 1 {
        return error("Incorrect number of arguments. Expecting name of the person to query");
    }
    let a = &args[0];
    let value = match stub.get_state(a) {
        Ok(v) => v,
        Err(_) => return error(format!("{{\"Error\":\"Failed to get state for {a}\"}}")),
    };
    if value.is_empty() {
        return error(format!("{{\"Error\":\"Nil amount for {a}\"}}"));
    }
    println!(
        "Query Response:{{\"Name\":\"{a}\",\"Amount\":\"{}\"}}",
        String::from_utf8_lossy(&value)
    );
    success(value)
}

fn main() {
    if let Err(e) = fabric_shim::start_or_serve(SimpleChaincode) {
        eprintln!("Error starting Simple chaincode: {e}");
        std::process::exit(1);
    }
}
