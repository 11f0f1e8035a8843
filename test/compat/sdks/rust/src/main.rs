//! One compatibility scenario, written the way the official Zerobus Rust SDK's README does it: builder,
//! stream builder with OAuth client credentials, offset API, `wait_for_offset`, `flush`, `close`. Only the
//! endpoints and credentials differ from the README, and they come from the environment the suite sets
//! (see test/compat/harness/scenario-env.ts for the contract).
use std::env;
use std::error::Error;
use std::fs;
use std::io::BufRead;

use base64::Engine;
use databricks_zerobus_ingest_sdk::{JsonString, PreparedInput, ProtoBytes, ZerobusSdk, ZerobusStream};
use prost::Message;
use prost_types::{DescriptorProto, FileDescriptorSet};

struct Record {
    json: String,
    proto: Vec<u8>,
}

fn var(name: &str) -> String {
    env::var(name).unwrap_or_else(|_| panic!("{name} is not set"))
}

/// Records file: one record a line, `<proto bytes as base64>\t<JSON text>`.
fn read_records(path: &str) -> Result<Vec<Record>, Box<dyn Error>> {
    let mut records = Vec::new();
    for line in fs::read_to_string(path)?.lines().filter(|l| !l.is_empty()) {
        let (proto, json) = line.split_once('\t').ok_or("record line without a tab")?;
        records.push(Record { json: json.to_string(), proto: base64::engine::general_purpose::STANDARD.decode(proto)? });
    }
    Ok(records)
}

/// The README's `load_descriptor`: a FileDescriptorSet written by protoc, the file, the message.
fn load_descriptor(path: &str, file: &str, msg: &str) -> Result<DescriptorProto, Box<dyn Error>> {
    let bytes = fs::read(path)?;
    let file_set = FileDescriptorSet::decode(bytes.as_ref())?;
    let file_desc = file_set.file.into_iter().find(|f| f.name.as_deref() == Some(file)).ok_or("file not in descriptor set")?;
    Ok(file_desc.message_type.into_iter().find(|m| m.name.as_deref() == Some(msg)).ok_or("message not in file")?)
}

fn payload(proto: bool, record: &Record) -> PreparedInput {
    if proto {
        ProtoBytes(record.proto.clone()).into()
    } else {
        JsonString(record.json.clone()).into()
    }
}

async fn ingest_singles(stream: &ZerobusStream, proto: bool, records: &[Record], offsets: &mut Vec<i64>) -> Result<(), Box<dyn Error>> {
    for record in records {
        offsets.push(stream.ingest_record_offset(payload(proto, record)).await?);
    }
    if let Some(mid) = offsets.get(offsets.len() / 2) {
        stream.wait_for_offset(*mid).await?;
    }
    stream.flush().await?;
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let proto = var("COMPAT_FORMAT") == "proto";
    let restart = env::var("COMPAT_RESTART").as_deref() == Ok("1");
    let records = read_records(&var("COMPAT_RECORDS"))?;

    let sdk = ZerobusSdk::builder()
        .endpoint(var("ZEROBUS_ENDPOINT"))
        .unity_catalog_url(var("UC_ENDPOINT"))
        .build()?;
    let mut builder = sdk.stream_builder().table(var("TABLE_NAME")).oauth(var("CLIENT_ID"), var("CLIENT_SECRET"));
    builder = if proto {
        builder.compiled_proto(load_descriptor(&var("COMPAT_DESCRIPTOR_SET"), &var("COMPAT_PROTO_FILE"), &var("COMPAT_PROTO_MESSAGE"))?)
    } else {
        builder.json()
    };
    if restart {
        // Long enough to ride out a server restart.
        builder = builder.recovery_retries(30).recovery_backoff_ms(1_000);
    }
    let mut stream = builder.build().await?;

    let mut offsets = Vec::new();
    if var("COMPAT_MODE") == "batch" {
        let size: usize = var("COMPAT_BATCH_SIZE").parse()?;
        for chunk in records.chunks(size) {
            let batch: Vec<PreparedInput> = chunk.iter().map(|r| payload(proto, r)).collect();
            if let Some(offset) = stream.ingest_records_offset(batch).await? {
                stream.wait_for_offset(offset).await?;
                offsets.push(offset);
            }
        }
        stream.flush().await?;
    } else if restart {
        let (first, second) = records.split_at(records.len() / 2);
        ingest_singles(&stream, proto, first, &mut offsets).await?;
        println!("PAUSED");
        std::io::stdin().lock().read_line(&mut String::new())?;
        ingest_singles(&stream, proto, second, &mut offsets).await?;
    } else {
        ingest_singles(&stream, proto, &records, &mut offsets).await?;
    }
    stream.close().await?;
    println!("RESULT {}", serde_json::json!({ "offsets": offsets }));
    Ok(())
}
