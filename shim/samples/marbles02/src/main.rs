//! Fabric's marbles02 chaincode (examples/chaincode/go/marbles02) written with the Rust shim:
//! marbles as JSON under their name plus a `color~name` composite-key index. Same functions,
//! arguments, outputs and error texts as the Go sample: initMarble, readMarble, delete,
//! transferMarble, transferMarblesBasedOnColor, getMarblesByRange,
//! getMarblesByRangeWithPagination, queryMarblesByOwner, queryMarbles,
//! queryMarblesWithPagination (rich queries: a LevelDB state database answers with its
//! error) and getHistoryForMarble.

use fabric_shim::{error, success, Chaincode, ChaincodeStub, Response, StateQueryIterator};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Default)]
struct Marble {
    #[serde(rename = "docType", default)]
    object_type: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    color: String,
    #[serde(default)]
    size: i64,
    #[serde(default)]
    owner: String,
}

const INDEX: &str = "color~name";

struct SimpleChaincode;

impl Chaincode for SimpleChaincode {
    fn init(&self, _stub: &mut ChaincodeStub) -> Response {
        success(Vec::new())
    }

    fn invoke(&self, stub: &mut ChaincodeStub) -> Response {
        let (function, args) = stub.get_function_and_parameters();
        println!("invoke is running {function}");
        let result = match function.as_str() {
            "initMarble" => init_marble(stub, &args),
            "transferMarble" => transfer_marble(stub, &args),
            "transferMarblesBasedOnColor" => transfer_by_color(stub, &args),
            "delete" => delete(stub, &args),
            "readMarble" => read_marble(stub, &args),
            "queryMarblesByOwner" => query_by_owner(stub, &args),
            "queryMarbles" => query_marbles(stub, &args),
            "getHistoryForMarble" => history(stub, &args),
            "getMarblesByRange" => by_range(stub, &args),
            "getMarblesByRangeWithPagination" => by_range_paginated(stub, &args),
            "queryMarblesWithPagination" => query_paginated(stub, &args),
            _ => {
                println!("invoke did not find func: {function}");
                Err("Received unknown function invocation".to_string())
            }
        };
        match result {
            Ok(payload) => success(payload),
            Err(message) => error(message),
        }
    }
}

type Outcome = Result<Vec<u8>, String>;

fn text<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

fn init_marble(stub: &ChaincodeStub, args: &[String]) -> Outcome {
    if args.len() != 4 {
        return Err("Incorrect number of arguments. Expecting 4".into());
    }
    println!("- start init marble");
    for (i, nth) in ["1st", "2nd", "3rd", "4th"].iter().enumerate() {
        if args[i].is_empty() {
            return Err(format!("{nth} argument must be a non-empty string"));
        }
    }
    let name = args[0].clone();
    let color = args[1].to_lowercase();
    let owner = args[3].to_lowercase();
    let size: i64 = args[2]
        .parse()
        .map_err(|_| "3rd argument must be a numeric string".to_string())?;
    let existing = stub
        .get_state(&name)
        .map_err(|e| format!("Failed to get marble: {e}"))?;
    if !existing.is_empty() {
        println!("This marble already exists: {name}");
        return Err(format!("This marble already exists: {name}"));
    }
    let marble = Marble {
        object_type: "marble".into(),
        name,
        color,
        size,
        owner,
    };
    let json = serde_json::to_vec(&marble).map_err(text)?;
    stub.put_state(&marble.name, json).map_err(text)?;
    let index_key =
        fabric_shim::create_composite_key(INDEX, &[&marble.color, &marble.name]).map_err(text)?;
    // The index entry's value is a single zero byte, as in the Go sample (an empty value
    // would delete the key).
    stub.put_state(&index_key, vec![0]).map_err(text)?;
    println!("- end init marble");
    Ok(Vec::new())
}

fn read_marble(stub: &ChaincodeStub, args: &[String]) -> Outcome {
    if args.len() != 1 {
        return Err("Incorrect number of arguments. Expecting name of the marble to query".into());
    }
    let name = &args[0];
    let value = stub
        .get_state(name)
        .map_err(|_| format!("{{\"Error\":\"Failed to get state for {name}\"}}"))?;
    if value.is_empty() {
        return Err(format!("{{\"Error\":\"Marble does not exist: {name}\"}}"));
    }
    Ok(value)
}

fn delete(stub: &ChaincodeStub, args: &[String]) -> Outcome {
    if args.len() != 1 {
        return Err("Incorrect number of arguments. Expecting 1".into());
    }
    let name = &args[0];
    let value = read_marble(stub, std::slice::from_ref(name))?;
    let marble: Marble = serde_json::from_slice(&value)
        .map_err(|_| format!("{{\"Error\":\"Failed to decode JSON of: {name}\"}}"))?;
    stub.del_state(name)
        .map_err(|e| format!("Failed to delete state:{e}"))?;
    let index_key =
        fabric_shim::create_composite_key(INDEX, &[&marble.color, &marble.name]).map_err(text)?;
    stub.del_state(&index_key)
        .map_err(|e| format!("Failed to delete state:{e}"))?;
    Ok(Vec::new())
}

fn transfer_marble(stub: &ChaincodeStub, args: &[String]) -> Outcome {
    if args.len() < 2 {
        return Err("Incorrect number of arguments. Expecting 2".into());
    }
    let name = &args[0];
    let new_owner = args[1].to_lowercase();
    println!("- start transferMarble  {name} {new_owner}");
    let value = stub
        .get_state(name)
        .map_err(|e| format!("Failed to get marble:{e}"))?;
    if value.is_empty() {
        return Err("Marble does not exist".into());
    }
    let mut marble: Marble = serde_json::from_slice(&value).map_err(text)?;
    marble.owner = new_owner;
    let json = serde_json::to_vec(&marble).map_err(text)?;
    stub.put_state(name, json).map_err(text)?;
    println!("- end transferMarble (success)");
    Ok(Vec::new())
}

/// `[{"Key":"k", "Record":<value>},...]` (Go's `constructQueryResponseFromIterator`).
fn query_response(iterator: StateQueryIterator) -> Result<String, String> {
    let mut out = String::from("[");
    for (i, kv) in iterator.enumerate() {
        let kv = kv.map_err(text)?;
        if i > 0 {
            out.push(',');
        }
        out.push_str(&format!(
            "{{\"Key\":\"{}\", \"Record\":{}}}",
            kv.key,
            String::from_utf8_lossy(&kv.value)
        ));
    }
    out.push(']');
    Ok(out)
}

fn with_pagination(mut out: String, metadata: &fabric_shim::QueryResponseMetadata) -> Vec<u8> {
    out.push_str(&format!(
        "[{{\"ResponseMetadata\":{{\"RecordsCount\":\"{}\", \"Bookmark\":\"{}\"}}}}]",
        metadata.fetched_records_count, metadata.bookmark
    ));
    out.into_bytes()
}

fn by_range(stub: &ChaincodeStub, args: &[String]) -> Outcome {
    if args.len() < 2 {
        return Err("Incorrect number of arguments. Expecting 2".into());
    }
    let iterator = stub.get_state_by_range(&args[0], &args[1]).map_err(text)?;
    let out = query_response(iterator)?;
    println!("- getMarblesByRange queryResult:\n{out}");
    Ok(out.into_bytes())
}

fn by_range_paginated(stub: &ChaincodeStub, args: &[String]) -> Outcome {
    if args.len() < 4 {
        return Err("Incorrect number of arguments. Expecting 4".into());
    }
    let page_size: i32 = args[2]
        .parse()
        .map_err(|e| format!("strconv.ParseInt: parsing \"{}\": {e}", args[2]))?;
    let (iterator, metadata) = stub
        .get_state_by_range_with_pagination(&args[0], &args[1], page_size, &args[3])
        .map_err(text)?;
    let out = with_pagination(query_response(iterator)?, &metadata);
    println!(
        "- getMarblesByRange queryResult:\n{}",
        String::from_utf8_lossy(&out)
    );
    Ok(out)
}

fn transfer_by_color(stub: &ChaincodeStub, args: &[String]) -> Outcome {
    if args.len() < 2 {
        return Err("Incorrect number of arguments. Expecting 2".into());
    }
    let color = &args[0];
    let new_owner = args[1].to_lowercase();
    println!("- start transferMarblesBasedOnColor  {color} {new_owner}");
    let iterator = stub
        .get_state_by_partial_composite_key(INDEX, &[color])
        .map_err(text)?;
    let mut count = 0;
    for kv in iterator {
        let kv = kv.map_err(text)?;
        let (object_type, parts) = fabric_shim::split_composite_key(&kv.key).map_err(text)?;
        let (returned_color, returned_name) = (&parts[0], &parts[1]);
        println!(
            "- found a marble from index:{object_type} color:{returned_color} name:{returned_name}"
        );
        transfer_marble(stub, &[returned_name.clone(), new_owner.clone()])
            .map_err(|e| format!("Transfer failed: {e}"))?;
        count += 1;
    }
    let payload = format!("Transferred {count} {color} marbles to {new_owner}");
    println!("- end transferMarblesBasedOnColor: {payload}");
    Ok(payload.into_bytes())
}

fn rich_query(stub: &ChaincodeStub, query: &str) -> Outcome {
    println!("- getQueryResultForQueryString queryString:\n{query}");
    let out = query_response(stub.get_query_result(query).map_err(text)?)?;
    println!("- getQueryResultForQueryString queryResult:\n{out}");
    Ok(out.into_bytes())
}

fn query_by_owner(stub: &ChaincodeStub, args: &[String]) -> Outcome {
    if args.is_empty() {
        return Err("Incorrect number of arguments. Expecting 1".into());
    }
    let owner = args[0].to_lowercase();
    rich_query(
        stub,
        &format!("{{\"selector\":{{\"docType\":\"marble\",\"owner\":\"{owner}\"}}}}"),
    )
}

fn query_marbles(stub: &ChaincodeStub, args: &[String]) -> Outcome {
    if args.is_empty() {
        return Err("Incorrect number of arguments. Expecting 1".into());
    }
    rich_query(stub, &args[0])
}

fn query_paginated(stub: &ChaincodeStub, args: &[String]) -> Outcome {
    if args.len() < 3 {
        return Err("Incorrect number of arguments. Expecting 3".into());
    }
    let page_size: i32 = args[1]
        .parse()
        .map_err(|e| format!("strconv.ParseInt: parsing \"{}\": {e}", args[1]))?;
    println!("- getQueryResultForQueryString queryString:\n{}", args[0]);
    let (iterator, metadata) = stub
        .get_query_result_with_pagination(&args[0], page_size, &args[2])
        .map_err(text)?;
    Ok(with_pagination(query_response(iterator)?, &metadata))
}

fn history(stub: &ChaincodeStub, args: &[String]) -> Outcome {
    if args.is_empty() {
        return Err("Incorrect number of arguments. Expecting 1".into());
    }
    let name = &args[0];
    println!("- start getHistoryForMarble: {name}");
    let mut out = String::from("[");
    for (i, modification) in stub.get_history_for_key(name).map_err(text)?.enumerate() {
        let m = modification.map_err(text)?;
        if i > 0 {
            out.push(',');
        }
        let value = if m.is_delete {
            "null".to_string()
        } else {
            String::from_utf8_lossy(&m.value).into_owned()
        };
        let ts = m.timestamp.unwrap_or_default();
        out.push_str(&format!(
            "{{\"TxId\":\"{}\", \"Value\":{value}, \"Timestamp\":\"{}\", \"IsDelete\":\"{}\"}}",
            m.tx_id,
            go_time_string(ts.seconds, ts.nanos),
            m.is_delete
        ));
    }
    out.push(']');
    println!("- getHistoryForMarble returning:\n{out}");
    Ok(out.into_bytes())
}

/// Go's `time.Unix(s, n).String()` in UTC: `2006-01-02 15:04:05.999999999 +0000 UTC`.
fn go_time_string(seconds: i64, nanos: i32) -> String {
    let days = seconds.div_euclid(86_400);
    let secs = seconds.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let mut fraction = format!("{:09}", nanos.max(0));
    while fraction.ends_with('0') {
        fraction.pop();
    }
    let fraction = if fraction.is_empty() {
        String::new()
    } else {
        format!(".{fraction}")
    };
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}{fraction} +0000 UTC",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

fn main() {
    if let Err(e) = fabric_shim::start_or_serve(SimpleChaincode) {
        eprintln!("Error starting Simple chaincode: {e}");
        std::process::exit(1);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn go_time_strings() {
        assert_eq!(super::go_time_string(0, 0), "1970-01-01 00:00:00 +0000 UTC");
        assert_eq!(
            super::go_time_string(1_700_000_000, 120_000_000),
            "2023-11-14 22:13:20.12 +0000 UTC"
        );
    }
}
