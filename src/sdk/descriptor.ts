/**
 * Protobuf record descriptors: building the base64 `DescriptorProto` a PROTO stream needs, and checking
 * one before it is sent.
 */
import { readFileSync } from 'node:fs';
import protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor/index.js';
import { ZerobusError } from './zerobus-error.js';

/** `protobufjs/ext/descriptor` adds this to `Type` at runtime; its typings do not declare it. */
type DescribableType = protobuf.Type & { toDescriptor(syntax: 'proto2' | 'proto3'): protobuf.Message };

/** The official `utils/descriptor` arguments: a `protoc --descriptor_set_out` file and what to take from it. */
export interface LoadDescriptorOptions {
  /** Path of the binary FileDescriptorSet. */
  descriptorPath: string;
  /** The `.proto` file inside the set (matched by name or path suffix). */
  protoFileName: string;
  messageName: string;
}

interface FileEntry {
  name: string;
  messageType?: Array<protobuf.Message & { name: string }>;
}

/**
 * The base64 `DescriptorProto` of one message, for `TableProperties.descriptorProto`. Either from a
 * `.proto` file, `loadDescriptorProto('air_quality.proto', 'AirQuality')` (field names keep their case, as
 * the server matches them to column names), or, as the official helper takes it, from a compiled
 * FileDescriptorSet: `loadDescriptorProto({ descriptorPath, protoFileName, messageName })`. The message
 * must be self-contained: messages nested inside it are included, types declared elsewhere are not.
 */
export function loadDescriptorProto(protoFile: string, messageName: string): string;
export function loadDescriptorProto(options: LoadDescriptorOptions): string;
export function loadDescriptorProto(source: string | LoadDescriptorOptions, messageName?: string): string {
  const message = typeof source === 'string' ? fromProtoFile(source, messageName ?? '') : fromDescriptorSet(source);
  return Buffer.from(descriptor.DescriptorProto.encode(message).finish()).toString('base64');
}

function fromProtoFile(protoFile: string, messageName: string): protobuf.Message {
  const root = new protobuf.Root().loadSync(protoFile, { keepCase: true });
  return (root.lookupType(messageName) as DescribableType).toDescriptor('proto2');
}

function fromDescriptorSet({ descriptorPath, protoFileName, messageName }: LoadDescriptorOptions): protobuf.Message {
  const set = descriptor.FileDescriptorSet.decode(readFileSync(descriptorPath)) as unknown as { file: FileEntry[] };
  const file = set.file.find((f) => f.name === protoFileName || f.name.endsWith(`/${protoFileName}`));
  if (!file) {
    const available = set.file.map((f) => f.name).join(', ');
    throw new Error(`Proto file '${protoFileName}' not found in descriptor. Available files: ${available}`);
  }
  const message = file.messageType?.find((m) => m.name === messageName);
  if (!message) {
    const available = file.messageType?.map((m) => m.name).join(', ') || 'none';
    throw new Error(`Message '${messageName}' not found in ${protoFileName}. Available messages: ${available}`);
  }
  return message;
}

/**
 * Decodes a base64 `DescriptorProto` and re-encodes it, as the official client does: a FileDescriptorProto
 * or garbage fails here instead of at the server, and unknown fields are dropped.
 */
export function descriptorBytes(base64: string): Uint8Array {
  let message: protobuf.Message;
  try {
    message = descriptor.DescriptorProto.decode(Buffer.from(base64, 'base64'));
  } catch (error) {
    throw new ZerobusError(`Failed to parse descriptor proto: ${(error as Error).message}`, false);
  }
  return descriptor.DescriptorProto.encode(message).finish();
}
