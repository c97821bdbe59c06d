// The payload keys of every test Tenure: tests run encrypted like production. One fixed key, so
// a history recorded in one run (test/histories) still decodes when replayed in the next.
import { PayloadEncryptionCodec } from '../../platform/codec/payload-codec.js';
import { encryptingDataConverter } from '../../runtime/payload-keys.js';

export const testPayloadCodec = new PayloadEncryptionCodec({
  currentKeyId: 'test-1',
  keys: new Map([['test-1', new Uint8Array(Buffer.from('dGVudXJlLXRlc3QtcGF5bG9hZC1rZXktMzItYnl0ZXM=', 'base64'))]]),
});

export const testDataConverter = encryptingDataConverter(testPayloadCodec);
