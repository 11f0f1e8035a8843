/**
 * Protobuf helpers for tests: descriptors built the way the official examples build them.
 */
import protobuf from 'protobufjs';
import descriptorExt from 'protobufjs/ext/descriptor/index.js';

/** Base64 of the message's DescriptorProto: protobufjs `toDescriptor('proto2')`, as the official examples do. */
export function descriptorBase64(type: protobuf.Type): string {
  const DescriptorProto = (descriptorExt as unknown as { DescriptorProto: protobuf.Type }).DescriptorProto;
  const desc = (type as unknown as { toDescriptor(syntax: string): protobuf.Message }).toDescriptor('proto2');
  return Buffer.from(DescriptorProto.encode(desc).finish()).toString('base64');
}
