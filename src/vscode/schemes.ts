/** The URI schemes of the extension's read-only documents (registered at activation). */
export const OUTPUT_SCHEME = 'instar-output';
export const CONVERSATION_SCHEME = 'instar-conversation';
export const GIT_SCHEME = 'instar-git';
