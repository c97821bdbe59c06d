// The key source credentials are encrypted with at rest: TENURE_CREDENTIALS_KEY in a deployment
// (every api and worker process needs the same one), a key file under TENURE_DATA_DIR for
// `npm start`. Production without the variable stops at start, naming it.
import { credentialCipherFromKey, CredentialKeyError, localCredentialCipher, type CredentialCipher } from '../platform/source/credentials.js';
import { ConfigError, isProduction, type Config } from './config.js';

export async function sourceCredentialCipher(config: Config): Promise<CredentialCipher> {
  try {
    if (config.TENURE_CREDENTIALS_KEY) return credentialCipherFromKey(config.TENURE_CREDENTIALS_KEY);
    if (isProduction(config)) {
      throw new ConfigError('TENURE_CREDENTIALS_KEY', 'is required in production: source credentials are encrypted with it (make one with: openssl rand -base64 32)');
    }
    return await localCredentialCipher(config.TENURE_DATA_DIR);
  } catch (error) {
    if (error instanceof CredentialKeyError) throw new ConfigError(error.variable, error.message.slice(error.variable.length + 2));
    throw error;
  }
}
