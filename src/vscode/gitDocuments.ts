/**
 * A file of a session's repository as it was at a commit, read-only, on the `instar-git` scheme:
 * the left side of a review's diffs (what the session started from). A file that did not exist
 * there reads as empty.
 */
import * as vscode from 'vscode';
import { URI } from 'vscode-uri';
import type { SessionEngine } from '../core/sessions/sessionEngine';

import { GIT_SCHEME } from './schemes';

export { GIT_SCHEME };

/** `file` relative to the repository's top folder, "/"-separated. */
export function gitFileUri(session: string, commit: string, file: string): vscode.Uri {
  return vscode.Uri.parse(URI.from({ scheme: GIT_SCHEME, path: `/${file}`, query: new URLSearchParams({ session, commit }).toString() }).toString());
}

export class GitDocuments implements vscode.TextDocumentContentProvider {
  constructor(private readonly engine: SessionEngine) {}

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const parsed = URI.parse(uri.toString());
    const query = new URLSearchParams(parsed.query);
    const session = query.get('session') ?? '';
    const commit = query.get('commit') ?? '';
    const content = await this.engine.worktrees.fileAt(session, commit, parsed.path.replace(/^\//, ''));
    return content?.toString('utf8') ?? '';
  }
}
