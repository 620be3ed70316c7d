/**
 * A turn refused for a rate limit or a used-up quota, as StopFailure's error and message or the
 * screen say it ("API Error: Request rejected (429) …", "usage limit reached … resets 3pm"): the
 * session's detail says "rate limited", and when the limit resets where Claude Code tells.
 */

const RATE_LIMITED = /rate[_ -]?limit|\(429\)|\b429\b|usage limit|hit your (usage )?limit|quota/i;

/** "rate limited", "rate limited · resets 3pm (Europe/Paris)", or undefined for another failure. */
export function rateLimitDetail(error: string | undefined, message: string | undefined): string | undefined {
  if (!RATE_LIMITED.test(`${error ?? ''} ${message ?? ''}`)) return undefined;
  const reset = resetOf(message ?? '');
  return reset ? `rate limited · resets ${reset}` : 'rate limited';
}

/** When the limit resets, as the message gives it: an epoch after "|", or the words after "resets". */
function resetOf(message: string): string | undefined {
  const epoch = /\|(\d{10})\b/.exec(message);
  if (epoch) {
    const at = new Date(Number(epoch[1]) * 1000);
    return `${at.toLocaleDateString()} ${at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}`;
  }
  const words = /\b(?:resets?|will reset)\s+(?:at\s+|in\s+)?([^·\n]+?)\s*(?:[·.]\s|[·.]?$)/i.exec(message);
  return words ? words[1].trim().slice(0, 60) : undefined;
}
