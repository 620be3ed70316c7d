/**
 * The channels' secrets (the webhook's HMAC secret, ntfy's token): in the state folder's
 * `notify-secrets.json`, readable by the user alone, never in settings that sync.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../util/atomicWrite';

export interface NotifySecrets {
  webhookSecret?: string;
  ntfyToken?: string;
}

export const SECRETS_FILE = 'notify-secrets.json';

export async function readSecrets(stateDir: string): Promise<NotifySecrets> {
  try {
    const data = JSON.parse(await fs.readFile(path.join(stateDir, SECRETS_FILE), 'utf8')) as NotifySecrets;
    return { webhookSecret: typeof data.webhookSecret === 'string' ? data.webhookSecret : undefined, ntfyToken: typeof data.ntfyToken === 'string' ? data.ntfyToken : undefined };
  } catch {
    return {};
  }
}

/** Writes the channels' secrets (readable by the user alone); an empty value removes one. */
export async function writeSecrets(stateDir: string, change: NotifySecrets): Promise<void> {
  const secrets = { ...(await readSecrets(stateDir)), ...change };
  for (const key of Object.keys(secrets) as (keyof NotifySecrets)[]) if (!secrets[key]) delete secrets[key];
  await writeFileAtomic(path.join(stateDir, SECRETS_FILE), JSON.stringify(secrets), { mode: 0o600, makeDir: true });
}
