/** instar.openSettings: the Settings editor on an Instar setting, in the tab where it takes effect (Remote in a remote window). */
import { openSetting } from '../settingsTarget';
import type { CommandContext } from './commandContext';

export async function openSettings(_ctx: CommandContext, id: unknown): Promise<void> {
  await openSetting(typeof id === 'string' && id.startsWith('instar.') ? id : 'instar.agent.command');
}
