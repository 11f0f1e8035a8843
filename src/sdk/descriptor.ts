/**
 * Protobuf record descriptors: building the base64 `DescriptorProto` a PROTO stream needs from a `.proto`
 * file, and checking one before it is sent.
 */
import protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor/index.js';
import { ZerobusError } from './zerobus-error.js';

/** `protobufjs/ext/descriptor` adds this to `Type` at runtime; its typings do not declare it. */
type DescribableType = protobuf.Type & { toDescriptor(syntax: 'proto2' | 'proto3'): protobuf.Message };

/**
 * Loads `protoFile` and returns the base64 `DescriptorProto` of `messageName` (e.g. `AirQuality` or
 * `pkg.AirQuality`) for `TableProperties.descriptorProto`. Field names keep their case, since the server
 * matches them to column names. The message must be self-contained: nested messages declared inside it are
 * included, types declared elsewhere are not.
 */
export function loadDescriptorProto(protoFile: string, messageName: string): string {
  const root = new protobuf.Root().loadSync(protoFile, { keepCase: true });
  const type = root.lookupType(messageName) as DescribableType;
  return Buffer.from(descriptor.DescriptorProto.encode(type.toDescriptor('proto2')).finish()).toString('base64');
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
