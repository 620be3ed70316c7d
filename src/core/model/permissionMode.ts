/** Claude Code's permission modes, as a session is started with one. */
export const PERMISSION_MODES = ['bypassPermissions', 'default', 'acceptEdits', 'plan'] as const;
export type PermissionMode = (typeof PERMISSION_MODES)[number];
export const DEFAULT_PERMISSION_MODE: PermissionMode = 'bypassPermissions';
