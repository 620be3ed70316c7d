/** The fake Messages API's replies for the scenarios, chosen by markers in the newest prompt line. */
import type { FakeReply, FakeRequest } from './fakeMessagesApi';

/** A question with four answers (Claude Code adds "Type something." and "Chat about this"). */
export const QUESTION = {
  question: 'Which colour should the button be?',
  header: 'Colour',
  multiSelect: false,
  options: [
    { label: 'Red', description: 'Warm and loud' },
    { label: 'Green', description: 'Calm' },
    { label: 'Blue', description: 'Cool' },
    { label: 'Purple', description: 'Royal' },
  ],
};

export function scriptedReply(request: FakeRequest): FakeReply {
  if (request.hasToolResult) return { kind: 'text', text: 'The tool ran; done.' };
  // Claude Code sends a failed prompt again with the next one: look at the newest line only.
  const newest = request.lastUserText.trim().split('\n').pop() ?? '';
  // A 400 is not retried (a 500 is, with back-off), so the turn fails at once.
  if (newest.includes('PLEASE-FAIL')) return { kind: 'error', status: 400, type: 'invalid_request_error', message: 'fake failure for the test' };
  // Writing a file needs permission in default mode (a read-only command such as echo would not).
  if (newest.includes('USE-A-TOOL')) return { kind: 'tool', name: 'Bash', input: { command: 'touch tool-ran-ok.txt', description: 'Create a marker file' } };
  // A file edit where the session runs (its worktree, when it has one).
  if (newest.includes('EDIT-A-FILE')) return { kind: 'tool', name: 'Bash', input: { command: "printf 'edited by claude\\n' >> notes.txt", description: 'Edit a file' } };
  // A command a project script runs (its own permission rule: "don't ask again for: sh mark.sh"), and a file write.
  if (newest.includes('RUN-MARK')) return { kind: 'tool', name: 'Bash', input: { command: 'sh mark.sh', description: 'Append a mark' } };
  if (newest.includes('TOUCH-A-FILE')) return { kind: 'tool', name: 'Bash', input: { command: 'touch touched.txt', description: 'Create a file' } };
  if (newest.includes('ASK-A-QUESTION')) return { kind: 'tool', name: 'AskUserQuestion', input: { questions: [QUESTION] } };
  // An agent steering an agent: the instar command on its PATH, its answer in the tool's output.
  if (newest.includes('SPAWN-A-HELPER')) return { kind: 'tool', name: 'Bash', input: { command: 'instar spawn helper "Hello helper" --result --timeout 100', description: 'Ask a helper', timeout: 120000 } };
  // An agent asking the workspace's API what the team is doing (through the token file its environment names).
  if (newest.includes('LIST-THE-TEAM')) return { kind: 'tool', name: 'Bash', input: { command: 'instar list', description: 'List the sessions' } };
  // A turn that costs about $6 on sonnet: over any small budget.
  if (newest.includes('EXPENSIVE-TURN')) return { kind: 'text', text: 'That was a costly answer.', usage: { input_tokens: 2_000_000, output_tokens: 10 } };
  if (newest.includes('TAKE-YOUR-TIME')) return { kind: 'text', text: 'Slow answer.', delayMs: 4000 };
  return { kind: 'text', text: `Answer to: ${request.lastUserText.slice(0, 30)}` };
}
