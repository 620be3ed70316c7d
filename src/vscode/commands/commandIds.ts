/**
 * Every command the extension contributes (package.json's contributes.commands, in its order).
 * Registered at activation, before the rest of the extension is loaded; the handlers' table
 * (commands/index.ts) must have exactly these keys.
 */
export const COMMAND_IDS = [
  'instar.spawn',
  'instar.spawnParallel',
  'instar.openTerminal',
  'instar.switchSession',
  'instar.sendInput',
  'instar.sendKeys',
  'instar.showOutput',
  'instar.kill',
  'instar.resume',
  'instar.remove',
  'instar.removeEnded',
  'instar.refresh',
  'instar.showTmuxSessions',
  'instar.adopt',
  'instar.copyAttachCommand',
  'instar.copyResumeCommand',
  'instar.copyLastAnswer',
  'instar.showConversation',
  'instar.searchConversations',
  'instar.setBudget',
  'instar.reviewChanges',
  'instar.reviewFile',
  'instar.openWorktree',
  'instar.mergeWorktree',
  'instar.discardWorktree',
  'instar.skill.install',
  'instar.skill.remove',
  'instar.groupByState',
  'instar.showFlat',
  'instar.showLog',
  'instar.api.copyToken',
  'instar.api.rotateToken',
  'instar.keeper.stop',
  'instar.keeper.start',
  'instar.keeper.showLog',
  'instar.keeper.show',
  'instar.job.runNow',
  'instar.job.enable',
  'instar.job.disable',
  'instar.openSettings',
] as const;

export type CommandId = (typeof COMMAND_IDS)[number];
