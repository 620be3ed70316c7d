/**
 * The Get Started walkthrough's progress. Its steps are marked done by context keys named in
 * their completion events (package.json), set here once the records show the user did what a
 * step asks (`instar.milestone.spawned`, `.followedUp`, `.steered`, `.jobRan`, `.worktree`), however
 * they did it: the palette, a terminal, the API or an agent. VS Code keeps a step done once its
 * event came; once every milestone is reached nothing more is read.
 */
import * as vscode from 'vscode';
import { MILESTONES, Milestone, milestonesOf } from '../core/model/milestones';
import type { SessionEngine } from '../core/sessions/sessionEngine';

/** The extension's id (publisher.name) and the walkthrough's, as package.json declares them. */
export const EXTENSION_ID = 'instar.instar-sessions';
export const WALKTHROUGH_ID = 'instar.start';

/** What workbench.action.openWalkthrough takes. */
export const walkthroughRef = (): string => `${EXTENSION_ID}#${WALKTHROUGH_ID}`;

export class WalkthroughProgress implements vscode.Disposable {
  private readonly reached = new Set<Milestone>();
  private subscription: vscode.Disposable | undefined;

  constructor(private readonly engine: SessionEngine) {
    this.subscription = engine.onDidChange((change) => this.note(change.changed));
  }

  /** Reads every known record once (after the engine started). */
  start(): void {
    this.note(this.engine.list());
  }

  private note(records: Parameters<typeof milestonesOf>[0]): void {
    for (const milestone of milestonesOf(records)) {
      if (this.reached.has(milestone)) continue;
      this.reached.add(milestone);
      void vscode.commands.executeCommand('setContext', `instar.milestone.${milestone}`, true);
    }
    if (this.reached.size === MILESTONES.length) this.dispose();
  }

  dispose(): void {
    this.subscription?.dispose();
    this.subscription = undefined;
  }
}
