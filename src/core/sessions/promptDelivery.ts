/**
 * Prompts too long for argv (tmux carries a whole command in one 16 KiB message) wait in the
 * session's folder and are pasted, whole, once the agent shows its input box.
 */
import type { SessionRecord } from '../model/sessionRecord';
import type { Logger } from '../util/host';
import type { SessionFiles } from './sessionFiles';
import type { SessionInput } from './sessionInput';
import type { SessionStore } from './sessionStore';

export class PromptDelivery {
  private readonly delivering = new Set<string>();

  constructor(
    private readonly store: SessionStore,
    private readonly files: SessionFiles,
    private readonly input: SessionInput,
    private readonly logger: Logger,
  ) {}

  /** Pastes the waiting prompt once; calls while a delivery runs do nothing. */
  async deliver(record: SessionRecord): Promise<void> {
    if (this.delivering.has(record.id)) return;
    this.delivering.add(record.id);
    try {
      const prompt = await this.files.readPrompt(record.id);
      this.logger.info(`Pasting the ${record.promptBytes}-byte prompt of ${record.name}`);
      await this.input.paste(record, prompt);
      const next = this.store.update(record.name, record.id, (current) => (current.pendingPrompt ? { ...current, pendingPrompt: undefined } : undefined));
      if (next) await this.store.commit([next]);
    } catch (error) {
      this.logger.error(`Could not deliver the prompt of ${record.name}: ${(error as Error).message}`);
    } finally {
      this.delivering.delete(record.id);
    }
  }
}
