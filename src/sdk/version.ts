/** Version of this SDK, sent in `user-agent` so servers and logs can tell it from the official clients. */
export const SDK_VERSION = '0.1.0';

/** `user-agent`, shaped like the official `zerobus-sdk-ts/<version>`. */
export const USER_AGENT = `tributary-sdk-ts/${SDK_VERSION}`;
