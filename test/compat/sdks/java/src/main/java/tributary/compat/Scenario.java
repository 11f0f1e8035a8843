package tributary.compat;

import com.databricks.zerobus.StreamConfigurationOptions;
import com.databricks.zerobus.ZerobusJsonStream;
import com.databricks.zerobus.ZerobusProtoStream;
import com.databricks.zerobus.ZerobusSdk;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * One compatibility scenario, written the way the official Zerobus Java SDK's README does it:
 * createJsonStream / createProtoStream with the message descriptor's {@code toProto()}, the offset API,
 * waitForOffset, flush, close. The descriptor comes from protoc's descriptor set of the {@code .proto} that
 * {@code tributary generate-proto} wrote (the same bytes a generated class's {@code getDescriptor()} holds),
 * and records are {@link DynamicMessage}s of it. Settings come from the environment the suite sets (see
 * test/compat/harness/scenario-env.ts).
 */
public final class Scenario {
  private record Record(byte[] proto, String json) {}

  private final boolean proto = env("COMPAT_FORMAT").equals("proto");
  private final boolean restart = "1".equals(System.getenv("COMPAT_RESTART"));
  private Descriptor descriptor;
  private ZerobusJsonStream jsonStream;
  private ZerobusProtoStream protoStream;

  public static void main(String[] args) throws Exception {
    new Scenario().run();
  }

  private static String env(String name) {
    String value = System.getenv(name);
    if (value == null) throw new IllegalStateException(name + " is not set");
    return value;
  }

  /** Records file: one record a line, {@code <proto bytes as base64>\t<JSON text>}. */
  private static List<Record> readRecords(Path path) throws Exception {
    List<Record> records = new ArrayList<>();
    for (String line : Files.readAllLines(path, StandardCharsets.UTF_8)) {
      if (line.isEmpty()) continue;
      int tab = line.indexOf('\t');
      records.add(new Record(Base64.getDecoder().decode(line.substring(0, tab)), line.substring(tab + 1)));
    }
    return records;
  }

  private static Descriptor loadDescriptor(Path path, String file, String message) throws Exception {
    FileDescriptorSet set = FileDescriptorSet.parseFrom(Files.readAllBytes(path));
    FileDescriptorProto fileProto =
        set.getFileList().stream().filter(f -> f.getName().equals(file)).findFirst().orElseThrow();
    return FileDescriptor.buildFrom(fileProto, new FileDescriptor[0]).findMessageTypeByName(message);
  }

  private void waitForOffset(long offset) throws Exception {
    if (proto) protoStream.waitForOffset(offset);
    else jsonStream.waitForOffset(offset);
  }

  private void flush() throws Exception {
    if (proto) protoStream.flush();
    else jsonStream.flush();
  }

  private void close() throws Exception {
    if (proto) protoStream.close();
    else jsonStream.close();
  }

  private long ingest(Record record) throws Exception {
    return proto
        ? protoStream.ingestRecordOffset(DynamicMessage.parseFrom(descriptor, record.proto()))
        : jsonStream.ingestRecordOffset(record.json());
  }

  private Optional<Long> ingestBatch(List<Record> batch) throws Exception {
    if (!proto) return jsonStream.ingestRecordsOffset(batch.stream().map(Record::json).collect(Collectors.toList()));
    List<DynamicMessage> messages = new ArrayList<>();
    for (Record r : batch) messages.add(DynamicMessage.parseFrom(descriptor, r.proto()));
    return protoStream.ingestRecordsOffset(messages);
  }

  private void ingestSingles(List<Record> records, List<Long> offsets) throws Exception {
    int first = offsets.size();
    for (Record r : records) offsets.add(ingest(r));
    if (offsets.size() > first) waitForOffset(offsets.get(first + (offsets.size() - first) / 2));
    flush();
  }

  private void run() throws Exception {
    List<Record> records = readRecords(Path.of(env("COMPAT_RECORDS")));
    ZerobusSdk sdk = new ZerobusSdk(env("ZEROBUS_ENDPOINT"), env("UC_ENDPOINT"));
    StreamConfigurationOptions.StreamConfigurationOptionsBuilder options = StreamConfigurationOptions.builder();
    if (restart) options.setRecoveryRetries(30).setRecoveryBackoffMs(1000); // ride out a server restart
    String table = env("TABLE_NAME");
    if (proto) {
      descriptor =
          loadDescriptor(
              Path.of(env("COMPAT_DESCRIPTOR_SET")), env("COMPAT_PROTO_FILE"), env("COMPAT_PROTO_MESSAGE"));
      protoStream =
          sdk.createProtoStream(table, descriptor.toProto(), env("CLIENT_ID"), env("CLIENT_SECRET"), options.build())
              .join();
    } else {
      jsonStream = sdk.createJsonStream(table, env("CLIENT_ID"), env("CLIENT_SECRET"), options.build()).join();
    }

    List<Long> offsets = new ArrayList<>();
    try {
      if (env("COMPAT_MODE").equals("batch")) {
        int size = Integer.parseInt(env("COMPAT_BATCH_SIZE"));
        for (int i = 0; i < records.size(); i += size) {
          Optional<Long> offset = ingestBatch(records.subList(i, Math.min(records.size(), i + size)));
          if (offset.isPresent()) {
            waitForOffset(offset.get());
            offsets.add(offset.get());
          }
        }
        flush();
      } else if (restart) {
        int half = records.size() / 2;
        ingestSingles(records.subList(0, half), offsets);
        System.out.println("PAUSED");
        System.out.flush();
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        ingestSingles(records.subList(half, records.size()), offsets);
      } else {
        ingestSingles(records, offsets);
      }
    } finally {
      close();
      sdk.close();
    }
    System.out.println(
        "RESULT {\"offsets\":["
            + offsets.stream().map(String::valueOf).collect(Collectors.joining(","))
            + "]}");
  }
}
